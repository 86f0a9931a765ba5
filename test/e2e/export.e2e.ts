// Export, as a user does it: Show Attention, then the panel's Export menu saves the head's matrix
// as PNG and as SVG through VS Code's save dialog (in VS Code for the Web the simple dialog: a quick
// input holding the path, accepted with Enter), and "Export Report…" writes the HTML report, which
// a browser with the network off opens and paints (its canvases hold pixels in several colours).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame } from 'playwright-core';
import { canvasStats, isNonBlank } from './lib/canvas';
import { artifactsDir } from './lib/paths';
import { session } from './lib/session';

const phrase = 'The old lighthouse keeper climbed the stairs every evening at dusk.';
const overview = 'canvas[data-layer][data-head]';
const quickInput = '.quick-input-widget';
const quickInputBox = `${quickInput} .quick-input-box input`;

/** Waits for a file to appear and stop growing; its bytes. */
async function fileWritten(file: string, timeoutMs = 30_000): Promise<Buffer> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  while (Date.now() < deadline) {
    if (fs.existsSync(file)) {
      const size = fs.statSync(file).size;
      if (size > 0 && size === last) return fs.readFileSync(file);
      last = size;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${file} was not written within ${timeoutMs} ms`);
}

/** Accepts the quick input on screen (the save dialog, or the report's heads box); returns the value it held. */
async function acceptQuickInput(expect: RegExp): Promise<string> {
  const { page } = session().workbench;
  await page.waitForSelector(`${quickInputBox}:visible`, { timeout: 20_000 });
  // The simple save dialog fills its box in steps (the folder first, then the offered name; a box
  // reused from the dialog before may still hold that one's path for a moment): wait for the value.
  let value = await page.inputValue(quickInputBox);
  for (let i = 0; i < 50 && !expect.test(value); i++) {
    await page.waitForTimeout(200);
    value = await page.inputValue(quickInputBox);
  }
  assert.match(value, expect);
  await page.keyboard.press('Enter');
  await page.waitForSelector(quickInput, { state: 'hidden', timeout: 20_000 });
  return value;
}

describe('Export', function () {
  let frame: Frame;
  let T = 0;

  before(async function () {
    this.timeout(180_000);
    const { workbench, workspace } = session();
    await workbench.openFile('paragraph.txt');
    await workbench.selectText(phrase);
    await workbench.runCommand('Attention Lens: Show Attention');
    frame = await workbench.findWebviewFrame(overview, 120_000);
    const n = workspace.model.nLayer * workspace.model.nHead;
    await frame.waitForFunction(([sel, k]) => document.querySelectorAll(sel as string).length === k, [overview, n] as const, { timeout: 60_000 });
    T = await frame.locator('.token[data-index]').count();
  });

  /** Opens the Export menu once the detail's matrix has arrived (its buttons are enabled then). */
  async function openMenu(): Promise<void> {
    for (let i = 0; i < 60; i++) {
      if (await frame.locator('#export-menu').isHidden()) await frame.click('#export-button');
      if (await frame.locator('[data-export="detail:svg"]:not([disabled])').count()) return;
      await frame.click('#export-button'); // closes it; opened again with fresh readiness
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error('the Export menu never enabled the detail');
  }

  it('saves the head as SVG in light colours through the save dialog: one rect per cell, token text as text', async function () {
    this.timeout(90_000);
    const { workspace, workbench } = session();
    await openMenu();
    await workbench.screenshot('59-export-menu');
    await frame.click('#export-theme [data-value="light"]');
    await frame.click('[data-export="detail:svg"]');
    const target = await acceptQuickInput(/paragraph-L0H0\.svg$/);
    const svg = (await fileWritten(path.join(workspace.dir, 'paragraph-L0H0.svg'))).toString('utf8');
    assert.ok(target.endsWith('paragraph-L0H0.svg'));
    assert.match(svg, /^<\?xml[^>]*>\s*<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.equal((svg.match(/<rect class="c" /g) ?? []).length, T * T, `${T} × ${T} cells`);
    assert.match(svg, /class="bg"[^>]*fill="#ffffff"/, 'light background');
    assert.match(svg, />·old</, 'a token as text (its space made visible, as the panel shows it)');
    assert.doesNotMatch(svg, /var\(--/);
    fs.copyFileSync(path.join(workspace.dir, 'paragraph-L0H0.svg'), path.join(artifactsDir, '59-export.svg'));
  });

  it('saves the head as PNG at twice the SVG size, through the save dialog', async function () {
    this.timeout(90_000);
    const { workspace } = session();
    await openMenu();
    await frame.click('[data-export="detail:png"]');
    await acceptQuickInput(/paragraph-L0H0\.png$/);
    const png = await fileWritten(path.join(workspace.dir, 'paragraph-L0H0.png'));
    assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], 'PNG signature');
    const svg = fs.readFileSync(path.join(workspace.dir, 'paragraph-L0H0.svg'), 'utf8');
    const [w, h] = [/ width="([\d.]+)"/.exec(svg)?.[1], / height="([\d.]+)"/.exec(svg)?.[1]].map(Number);
    assert.equal(png.readUInt32BE(16), Math.round(w * 2), 'width 2×');
    assert.equal(png.readUInt32BE(20), Math.round(h * 2), 'height 2×');
    fs.writeFileSync(path.join(artifactsDir, '59-export.png'), png);
  });

  it('writes the HTML report, which paints its heatmaps in a browser with the network off', async function () {
    this.timeout(120_000);
    const { workspace, browser, workbench } = session();
    await openMenu();
    await frame.click('[data-export="report"]');
    await acceptQuickInput(/^0\.0$/); // the heads to pin: the open head offered
    await acceptQuickInput(/paragraph-attention-report\.html$/);
    const file = path.join(workspace.dir, 'paragraph-attention-report.html');
    const html = (await fileWritten(file)).toString('utf8');
    assert.doesNotMatch(html, /https?:\/\//);
    await workbench.screenshot('60-export-report-saved');

    const context = await browser.newContext({ offline: true });
    try {
      const requests: string[] = [];
      context.on('request', (r) => requests.push(r.url()));
      await context.route('**/*', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      await page.goto(`file://${file}`);
      await page.waitForSelector('body[data-painted="true"]', { timeout: 20_000 });
      await page.screenshot({ path: path.join(artifactsDir, '62-export-report.png'), fullPage: true });
      assert.deepEqual(errors, [], 'no script error, no CSP violation');
      assert.deepEqual(requests.filter((u) => !u.startsWith('file:')), [], 'nothing requested from the network');
      const { nLayer, nHead } = workspace.model;
      const thumbs = await canvasStats(page.mainFrame(), '#overview canvas');
      assert.equal(thumbs.length, nLayer * nHead);
      for (const s of thumbs) assert.ok(isNonBlank(s), `overview L${s.layer} H${s.head} is painted: ${JSON.stringify(s)}`);
      const heads = await canvasStats(page.mainFrame(), 'canvas.head-map');
      assert.equal(heads.length, 1, 'the pinned head');
      assert.ok(isNonBlank(heads[0]) && heads[0].colours > 8, `the pinned head is a heatmap: ${JSON.stringify(heads[0])}`);
      assert.equal(await page.locator('#tokens .tok').count(), T);
    } finally {
      await context.close();
    }
  });
});
