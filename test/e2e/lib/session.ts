// One VS Code for the Web + one Chromium for the whole e2e run, started by the root hooks
// (test/e2e/hooks.ts) and always torn down, even when a test or the start itself fails.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import * as os from 'node:os';
import { CodeServer, freePort } from './codeServer';
import { artifactsDir, chromiumPath, vsixPath } from './paths';
import { Workbench } from './workbench';
import { chooseModel, makeWorkspace, type Workspace } from './workspace';

export interface Session {
  server: CodeServer;
  browser: Browser;
  workbench: Workbench;
  workspace: Workspace;
  hub: HubSetting;
  /** Every URL the browser requested since the session started, the webviews' included (the context's request log). */
  requests: string[];
  /** The URLs of those answered by a service worker (a webview's resources: never on the network). */
  fromServiceWorker: Set<string>;
}

/**
 * The Hugging Face environment the extension sees: an empty cache of its own (HF_HUB_CACHE), an
 * HF_HOME without a token, and HF_ENDPOINT at a loopback port where a test may start a FakeHub.
 */
export interface HubSetting {
  cacheDir: string;
  home: string;
  port: number;
  endpoint: string;
}

const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

let current: Session | undefined;
let server: CodeServer | undefined;
let browser: Browser | undefined;
let hfDir: string | undefined;

/** Ctrl+C or a kill of the runner still stops the server (it runs in its own process group). */
function onSignal(signal: NodeJS.Signals): void {
  void stopSession().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
}

export function session(): Session {
  if (!current) throw new Error('the e2e session is not started (run through test/e2e/run.mjs)');
  return current;
}

export async function startSession(): Promise<Session> {
  if (!fs.existsSync(vsixPath)) throw new Error(`no VSIX at ${vsixPath}: run scripts/package.mjs`);
  fs.rmSync(artifactsDir, { recursive: true, force: true });
  fs.mkdirSync(artifactsDir, { recursive: true });
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const model = chooseModel();
  const hfRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'attention-lens-e2e-hf-'));
  const port = await freePort();
  const hub: HubSetting = { cacheDir: path.join(hfRoot, 'hub'), home: path.join(hfRoot, 'home'), port, endpoint: `http://127.0.0.1:${port}` };
  hfDir = hfRoot;
  const env = { HF_HUB_CACHE: hub.cacheDir, HF_HOME: hub.home, HF_ENDPOINT: hub.endpoint, HF_TOKEN: '', HUGGING_FACE_HUB_TOKEN: '', HF_HUB_OFFLINE: '' };
  server = await CodeServer.start({ vsix: [vsixPath], logFile: path.join(artifactsDir, 'code-server.log'), env });
  const workspace = makeWorkspace(server.tmpDir, model);
  browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
  const requests: string[] = [];
  const fromServiceWorker = new Set<string>();
  context.on('request', (r) => requests.push(r.url())); // every page, frame and worker of the context
  context.on('response', (r) => {
    if (r.fromServiceWorker()) fromServiceWorker.add(r.url());
  });
  const page = await context.newPage();
  const consoleLog = fs.createWriteStream(path.join(artifactsDir, 'browser-console.log'));
  page.on('console', (m) => consoleLog.write(`[${m.type()}] ${m.text()}\n`));
  page.on('pageerror', (e) => consoleLog.write(`[pageerror] ${e.message}\n`));
  await page.goto(server.folderUrl(workspace.dir));
  const workbench = new Workbench(page, artifactsDir);
  await workbench.waitReady();
  current = { server, browser, workbench, workspace, hub, requests, fromServiceWorker };
  return current;
}

/** Closes the browser and stops the server; keeps the server's logs in the artifacts. */
export async function stopSession(): Promise<void> {
  current = undefined;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  const b = browser;
  const s = server;
  browser = undefined;
  server = undefined;
  try {
    await b?.close();
  } finally {
    await s?.stop(path.join(artifactsDir, 'logs'));
    if (hfDir && !process.env.E2E_KEEP_TMP) fs.rmSync(hfDir, { recursive: true, force: true });
    hfDir = undefined;
  }
}
