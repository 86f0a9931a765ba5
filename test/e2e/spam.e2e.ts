// Show Attention spammed as an impatient user would: 50 times in about 5 s (the keybinding,
// Ctrl+Alt+A), the selection one character longer each time. The panel must end showing the last
// selection's tokens, with no error notification. Then a completion, and the browser's request log
// of the whole session so far (every analysis and completion of the run before it, this file's
// included): no request left for a host other than the VS Code server's own address (nothing
// remote, webviews included). The extension host runs in the server's node process: its own
// requests are not in this log (the engine makes none; only a Hub download, which the user asks for).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { session } from './lib/session';

const FILE = 'paragraph.txt';
const FIRST = 10; // characters selected before the first run

/**
 * The URLs among `urls` that may have left the machine: not to `origin`, and not a webview resource
 * (https://*.vscode-resource.vscode-cdn.net/…, the name asWebviewUri gives a local file) that the
 * webview's service worker answered from the server, under our extension's dist/ or media/ (the
 * panel's localResourceRoots). data: and blob: stay in the page.
 */
function elsewhere(urls: string[], origin: string, fromServiceWorker: Set<string>): string[] {
  return urls.filter((u) => {
    if (u.startsWith('data:') || u.startsWith('blob:')) return false;
    const url = new URL(u);
    if (url.origin === origin) return false;
    const webviewResource = url.protocol === 'https:' && url.hostname.endsWith('.vscode-resource.vscode-cdn.net');
    const ours = /\/extensions\/attention-lens\.attention-lens-[^/]+\/(dist|media)\//.test(url.pathname);
    return !(webviewResource && ours && fromServiceWorker.has(u));
  });
}

describe('Spam and network', function () {
  it('Show Attention 50 times in 5 s on a growing selection: the panel ends on the last one, no error notification', async function () {
    this.timeout(300_000);
    const { workbench, workspace } = session();
    const page = workbench.page;
    const text = fs.readFileSync(path.join(workspace.dir, FILE), 'utf8');
    await workbench.openFile(FILE);
    await workbench.focusEditor();
    await page.keyboard.press('Control+Home');
    for (let i = 0; i < FIRST; i++) await page.keyboard.press('Shift+ArrowRight');
    const started = Date.now();
    for (let i = 0; i < 50; i++) {
      await page.keyboard.press('Shift+ArrowRight');
      await page.keyboard.press('Control+Alt+A');
      await page.waitForTimeout(100);
    }
    const seconds = (Date.now() - started) / 1000;
    const last = text.slice(0, FIRST + 50);
    assert.ok(!last.includes('\n'), 'the selection stays on the first line');
    await workbench.waitForSelectionLength(last.length);
    const frame = await workbench.findWebviewFrame('.token[data-index]', 120_000);
    // The last run's tokens, spelled out (the chips show a space as a middle dot).
    const shown = async (): Promise<string> => (await frame.$$eval('.token[data-index]', (els) => els.map((e) => e.textContent ?? '').join(''))).replace(/·/g, ' ');
    const deadline = Date.now() + 120_000;
    while ((await shown()) !== last && Date.now() < deadline) await page.waitForTimeout(250);
    await workbench.screenshot('90-spam-last');
    assert.equal(await shown(), last, `after 50 runs in ${seconds.toFixed(1)} s the panel shows the last selection`);
    await page.waitForTimeout(2000); // a late failure would show by now
    const notes = await workbench.notifications();
    assert.deepEqual(notes.filter((n) => /Attention Lens|failed|error/i.test(n)), [], `notifications: ${notes.join(' | ')}`);
    // A completion at the end of the selection streams a while, then is stopped; the file is left as it was.
    await workbench.focusEditor();
    await page.keyboard.press('ArrowRight');
    await workbench.runCommand('Attention Lens: Complete');
    await page.waitForTimeout(5000);
    await page.keyboard.press('Escape');
    await page.waitForTimeout(1000);
    await workbench.runCommand('File: Revert File');
  });

  it('the whole session made no request beyond the VS Code server (no webview loaded a remote URL)', function () {
    const { server, requests, fromServiceWorker } = session();
    assert.ok(requests.length > 0, 'the request log recorded the session');
    assert.ok(
      requests.some((u) => u.includes('vscode-resource') && u.endsWith('/dist/webview/panel.js')),
      "the log holds the webview's own resources (the check below sees the webviews)",
    );
    const origin = new URL(server.url).origin;
    const out = elsewhere(requests, origin, fromServiceWorker);
    assert.deepEqual([...new Set(out)], [], `requests to other hosts than ${origin}`);
  });
});
