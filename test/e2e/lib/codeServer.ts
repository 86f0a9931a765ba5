// Starts VS Code for the Web (code-server) on a free 127.0.0.1 port with a fresh user-data-dir and
// extensions-dir, installs a VSIX into it, and always stops the whole process group on dispose.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { codeServerBin } from './paths';

export interface CodeServerOptions {
  /** VSIX files to install before the server starts. */
  vsix: string[];
  /** User settings (merged over quiet defaults: no trust prompt, no welcome page, no telemetry). */
  userSettings?: Record<string, unknown>;
  /** Where code-server's stdout/stderr go. */
  logFile: string;
  /** Environment for the server and so its extension host (over this process's own). */
  env?: Record<string, string>;
}

const quietSettings = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'chat.disableAIFeatures': true,
  'git.enabled': false,
  'editor.minimap.enabled': false,
};

/** A free TCP port on 127.0.0.1 (asks the OS for one, then releases it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export class CodeServer {
  readonly url: string;
  private stopped = false;
  private readonly onExit = (): void => this.killGroup('SIGKILL');

  private constructor(
    readonly port: number,
    readonly tmpDir: string,
    readonly userDataDir: string,
    private readonly child: ChildProcess,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    process.on('exit', this.onExit);
  }

  /** Installs the VSIX files into a fresh profile and starts the server; resolves once it answers. */
  static async start(opts: CodeServerOptions): Promise<CodeServer> {
    if (!fs.existsSync(codeServerBin)) {
      throw new Error(`code-server not found at ${codeServerBin}: run scripts/install-vscode-web.sh`);
    }
    const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'attention-lens-e2e-'));
    const userDataDir = path.join(tmpDir, 'user-data');
    const extensionsDir = path.join(tmpDir, 'extensions');
    fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
    fs.mkdirSync(extensionsDir, { recursive: true });
    fs.writeFileSync(
      path.join(userDataDir, 'User', 'settings.json'),
      JSON.stringify({ ...quietSettings, ...opts.userSettings }, null, 2),
    );
    const configFile = path.join(tmpDir, 'config.yaml');
    fs.writeFileSync(configFile, 'auth: none\ncert: false\n');
    const common = ['--config', configFile, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
    for (const vsix of opts.vsix) {
      execFileSync(codeServerBin, [...common, '--install-extension', vsix], { stdio: 'pipe', timeout: 120_000 });
    }
    const port = await freePort();
    fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
    const log = fs.openSync(opts.logFile, 'w');
    const child = spawn(
      codeServerBin,
      [
        ...common,
        '--auth', 'none',
        '--bind-addr', `127.0.0.1:${port}`,
        '--disable-telemetry',
        '--disable-update-check',
        '--disable-workspace-trust',
        '--disable-getting-started-override',
      ],
      { detached: true, stdio: ['ignore', log, log], env: { ...process.env, ...opts.env, XDG_CONFIG_HOME: tmpDir } },
    );
    fs.closeSync(log);
    const server = new CodeServer(port, tmpDir, userDataDir, child);
    try {
      await server.waitHealthy(90_000);
    } catch (err) {
      await server.stop();
      throw new Error(`${(err as Error).message}\n--- ${opts.logFile} ---\n${tail(opts.logFile)}`);
    }
    return server;
  }

  /** The address that opens `folder` in the workbench. */
  folderUrl(folder: string): string {
    return `${this.url}/?folder=${encodeURIComponent(folder)}`;
  }

  private async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`code-server exited with code ${this.child.exitCode}`);
      try {
        const res = await fetch(`${this.url}/healthz`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`code-server did not answer on ${this.url} within ${timeoutMs} ms`);
  }

  private killGroup(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined || this.child.exitCode !== null) return;
    try {
      process.kill(-pid, signal); // the server and every child it started (extension host, pty…)
    } catch {
      // already gone
    }
  }

  /** Stops the server and its children (TERM, then KILL after 5 s); copies logs to `keepLogsIn`. */
  async stop(keepLogsIn?: string): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    process.off('exit', this.onExit);
    if (this.child.exitCode === null) {
      const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
      this.killGroup('SIGTERM');
      const timer = setTimeout(() => this.killGroup('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      this.killGroup('SIGKILL'); // stragglers left in the group
    }
    const logs = path.join(this.userDataDir, 'logs');
    if (keepLogsIn && fs.existsSync(logs)) fs.cpSync(logs, keepLogsIn, { recursive: true });
    if (!process.env.E2E_KEEP_TMP) fs.rmSync(this.tmpDir, { recursive: true, force: true });
  }
}

function tail(file: string, lines = 40): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
