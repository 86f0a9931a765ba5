#!/usr/bin/env node
// `npm start`: build, package the VSIX, then open the extension on samples/.
//  - desktop VS Code when `code` is on the PATH: code --extensionDevelopmentPath=<repo> samples/
//  - otherwise VS Code for the Web (code-server, installed by scripts/install-vscode-web.sh when
//    missing) with the VSIX installed, at a printed http://127.0.0.1:PORT/?folder=… address, until
//    Ctrl+C.
// Usage: node scripts/start.mjs [--web] [--no-package] [--port N]
// When media/model has no model yet, the web mode sets attentionLens.modelPath to the small test
// model (test/fixtures/tiny-model) so there is something to look at.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageExtension } from './package.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const samples = join(root, 'samples');
const bundledModel = join(root, 'media', 'model', 'config.json');
const tinyModel = join(root, 'test', 'fixtures', 'tiny-model');

const vsix = args.includes('--no-package') ? join(root, 'dist', 'attention-lens.vsix') : packageExtension();
const onPath = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

if (!args.includes('--web') && onPath('code')) {
  if (!existsSync(bundledModel)) console.warn('start: media/model has no model yet; set attentionLens.modelPath to a model folder');
  console.log(`start: code --extensionDevelopmentPath=${root} ${samples}`);
  const res = spawnSync('code', [`--extensionDevelopmentPath=${root}`, samples], { stdio: 'inherit' });
  process.exit(res.status ?? 0);
}

const webDir = join(root, '.vscode-test', 'web');
const codeServer = join(webDir, 'node_modules', '.bin', 'code-server');
if (!existsSync(codeServer)) {
  console.log('start: installing VS Code for the Web (once)…');
  execFileSync('bash', [join(root, 'scripts', 'install-vscode-web.sh'), webDir], { stdio: 'inherit' });
}

// A fresh profile each start, so the VSIX just built is the one that runs.
const profile = join(root, '.vscode-test', 'start');
rmSync(profile, { recursive: true, force: true });
const userData = join(profile, 'user-data');
const extensions = join(profile, 'extensions');
mkdirSync(join(userData, 'User'), { recursive: true });
mkdirSync(extensions, { recursive: true });
const settings = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
};
if (!existsSync(bundledModel) && existsSync(join(tinyModel, 'config.json'))) {
  settings['attentionLens.modelPath'] = tinyModel;
  console.log(`start: media/model has no model yet; using the test model ${tinyModel}`);
}
writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
const config = join(profile, 'config.yaml');
writeFileSync(config, 'auth: none\ncert: false\n');
const common = ['--config', config, '--user-data-dir', userData, '--extensions-dir', extensions];
execFileSync(codeServer, [...common, '--install-extension', vsix], { stdio: 'inherit' });

const portArg = args.indexOf('--port');
const port = portArg >= 0 ? Number(args[portArg + 1]) : await freePort();
const server = spawn(
  codeServer,
  [...common, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust'],
  { detached: true, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, XDG_CONFIG_HOME: profile } },
);
const stop = () => {
  try {
    process.kill(-server.pid, 'SIGTERM');
  } catch {
    // already gone
  }
};
process.on('SIGINT', () => {
  stop();
  process.exit(0);
});
process.on('SIGTERM', () => {
  stop();
  process.exit(0);
});
process.on('exit', stop);
server.on('exit', (code) => {
  console.log(`start: code-server exited (${code})`);
  process.exit(code ?? 0);
});
await waitHealthy(`http://127.0.0.1:${port}/healthz`);
console.log(`\nAttention Lens is running in VS Code for the Web:\n\n  http://127.0.0.1:${port}/?folder=${encodeURI(samples)}\n`);
console.log('Select text in a sample file, then F1 > "Attention Lens: Show Attention". Ctrl+C stops the server.');

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port: p } = s.address();
      s.close(() => res(p));
    });
  });
}

async function waitHealthy(url) {
  for (let i = 0; i < 360; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer at ${url}`);
}
