// Compare Attention, as a user meets it: the test fine-tunes the workspace's model for a few steps
// (`node dist/train.js finetune`, what `npm run finetune` runs: 3 steps on two prompt/response
// pairs, a few seconds), then selects a sentence of paragraph.txt, runs
// **Attention Lens: Compare Attention…** from the palette, picks "Same text, another model…" and
// types the fine-tuned folder. The panel's Compare section shows both sides done, notes that both
// models tokenize alike, ranks every head, and paints A's map, B's map and the difference map
// (with its legend) in several colours; a click on another head pair shows that pair; Close hides
// the section. Then two texts under one model: a word inserted in B is marked as inserted.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { canvasStats, isNonBlank } from './lib/canvas';
import { session } from './lib/session';

const ROOT = join(__dirname, '..', '..');
const quickInput = '.quick-input-widget';
const rows = `${quickInput} .quick-input-list .monaco-list-row`;
const box = `${quickInput} .quick-input-box input`;

/** Filters the open quick pick to `text` and accepts the one row left. */
async function pick(page: Page, text: string): Promise<void> {
  await page.locator(rows, { hasText: text }).first().waitFor({ timeout: 15_000 });
  await page.fill(box, text);
  await page.waitForFunction(([sel, t]) => {
    const r = [...document.querySelectorAll(sel as string)];
    return r.length === 1 && (r[0].textContent ?? '').includes(t as string);
  }, [rows, text] as const, { timeout: 10_000 });
  await page.keyboard.press('Enter');
}

/**
 * Polls `check` from the test's side until it holds: the webview's CSP forbids eval, which
 * frame.waitForFunction needs once its predicate has to be polled in the page.
 */
async function until(page: Page, check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await check()); ) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await page.waitForTimeout(250);
  }
}

const COMMAND = 'Attention Lens: Compare Attention…';

/**
 * Runs Compare Attention from the palette and waits for its first question (not
 * workbench.runCommand: that waits for the quick input to close, and this command opens another).
 */
async function openCompare(page: Page): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await page.keyboard.press('F1');
      await page.waitForSelector(`${quickInput}:visible`, { timeout: 5000 });
      await page.fill(box, `>${COMMAND}`);
      await page.locator(rows).filter({ has: page.locator('.label-name', { hasText: COMMAND }) }).first().click({ timeout: 10_000 });
      await page.locator(rows, { hasText: 'Same text, another model' }).waitFor({ timeout: 30_000 });
      return;
    } catch (err) {
      await page.keyboard.press('Escape');
      if (attempt === 3) throw err;
    }
  }
}

describe('Compare Attention', function () {
  let tuned: string;
  let frame: Frame;

  before(async function () {
    this.timeout(240_000);
    const { workbench, workspace } = session();
    const work = mkdtempSync(join(tmpdir(), 'al-e2e-compare-'));
    tuned = join(work, 'tuned');
    const data = join(work, 'pairs.jsonl');
    writeFileSync(data, ['{"prompt":"The cat sat on","response":" the mat and purred."}', '{"prompt":"Alice went to","response":" the market to buy bread."}'].join('\n'));
    execFileSync(process.execPath, [join(ROOT, 'dist', 'train.js'), 'finetune', '--base', workspace.model.dir, '--data', data, '--out', tuned, '--steps', '3', '--lr', '0.01'], { stdio: 'ignore', timeout: 180_000 });

    await workbench.openFile('paragraph.txt');
    await workbench.focusEditor();
    await workbench.page.keyboard.press('Control+Home'); // no selection: the first paragraph is compared
    await openCompare(workbench.page);
    await pick(workbench.page, 'Same text, another model');
    await pick(workbench.page, 'Enter a folder path or repo id');
    await workbench.page.waitForFunction((sel) => (document.querySelector(sel) as HTMLInputElement | null)?.placeholder === 'Folder path or repo id', box, { timeout: 10_000 });
    await workbench.page.fill(box, tuned);
    await workbench.page.keyboard.press('Enter');
    frame = await workbench.findWebviewFrame('#compare-diff', 120_000);
  });

  after(() => {
    if (tuned) rmSync(join(tuned, '..'), { recursive: true, force: true });
  });

  it('shows both runs done, the heads ranked and the difference map of the top pair', async function () {
    this.timeout(180_000);
    const { workbench, workspace } = session();
    const headRows = '#compare-heads tbody tr[data-layer-a][data-head-a]';
    const want = workspace.model.nLayer * workspace.model.nHead;
    for (const deadline = Date.now() + 150_000; (await frame.locator(headRows).count()) !== want; ) {
      if (Date.now() > deadline) throw new Error(`the Compare section lists ${await frame.locator(headRows).count()} head pairs, expected ${want}`);
      await workbench.page.waitForTimeout(250);
    }
    assert.equal(await frame.locator('.compare-body').isVisible(), true);
    const stages = await frame.$$eval('#compare-progress .compare-side', (els) => els.map((e) => `${e.getAttribute('data-side')}:${e.getAttribute('data-stage')}`));
    assert.deepEqual(stages, ['a:done', 'b:done']);
    const notes = await frame.locator('#compare-notes').innerText();
    assert.match(notes, /tokenize the text alike/);
    // the map of the top-ranked pair arrives after the ranking
    await until(workbench.page, async () => (await frame.locator('#compare-pair').innerText()) !== '', 30_000, 'the first head pair\'s maps');
    const top = frame.locator(headRows).first();
    const topPair = `A L${await top.getAttribute('data-layer-a')}H${await top.getAttribute('data-head-a')} `;
    assert.ok((await frame.locator('#compare-pair').innerText()).startsWith(topPair), `the first map shown is the top pair ${topPair}`);
    const maps = await canvasStats(frame, '#compare-map-a, #compare-map-b, #compare-diff, #compare-legend, #compare-surprisal');
    await workbench.screenshot('compare-difference-map');
    assert.equal(maps.length, 5);
    for (const m of maps) assert.ok(isNonBlank(m), `a blank canvas: ${JSON.stringify(m)}`);
    assert.ok(maps[2].colours >= 3, `the difference map has ${maps[2].colours} colours: fine-tuning changed nothing?`);
    // a fine-tuned copy differs: the top pair's mean |B − A| is above 0
    const topDiff = Number(await top.locator('td.num').innerText());
    assert.ok(topDiff > 0, `top difference ${topDiff}`);
    assert.ok((await frame.locator('#compare-tokens .cmp-token[data-kind="same"]').count()) > 3);
  });

  it('opens another head pair on a click, and Close hides the section', async function () {
    this.timeout(60_000);
    const { page } = session().workbench;
    const row = frame.locator('#compare-heads tbody tr[data-layer-a][data-head-a]').nth(1);
    const want = `A L${await row.getAttribute('data-layer-a')}H${await row.getAttribute('data-head-a')} `;
    await row.locator('button').click();
    await until(page, async () => (await frame.locator('#compare-pair').innerText()).startsWith(want), 20_000, `the maps of ${want}`);
    assert.equal(await row.getAttribute('aria-selected'), 'true');
    await frame.locator('#compare-close').click();
    await until(page, async () => !(await frame.locator('#compare').isVisible()), 10_000, 'the Compare section to close');
  });

  it('two texts under one model: the inserted word is marked and the difference map painted', async function () {
    this.timeout(180_000);
    const { workbench } = session();
    const { page } = workbench;
    await page.keyboard.press('Control+1'); // the editor's group: the click on Close made the panel's the active one
    // one line: the input box that takes text B holds no line breaks
    await workbench.selectText('The old lighthouse keeper climbed the stairs');
    await openCompare(workbench.page);
    await pick(page, 'Another text, same model');
    // the box holds text A: B is the same with a word inserted
    await until(page, async () => ((await page.inputValue(box).catch(() => '')) ?? '').startsWith('The old'), 10_000, 'the text box holding text A');
    const textA = await page.inputValue(box);
    await page.fill(box, textA.replace('The old', 'The very old'));
    await page.keyboard.press('Enter');
    frame = await workbench.findWebviewFrame('#compare-tokens', 60_000);
    const inserted = frame.locator('#compare-tokens .cmp-token[data-kind="onlyB"]');
    await until(page, async () => (await inserted.count()) > 0, 150_000, 'tokens marked as inserted');
    assert.match((await inserted.allInnerTexts()).join(''), /very/);
    assert.equal(await frame.locator('#compare-tokens .cmp-token[data-kind="onlyA"]').count(), 0);
    assert.match(await frame.locator('#compare-notes').innerText(), /diff of the two texts/);
    await until(page, async () => (await frame.locator('#compare-pair').innerText()) !== '', 30_000, 'the first head pair\'s maps');
    const [diff] = await canvasStats(frame, '#compare-diff');
    await workbench.screenshot('compare-two-texts');
    assert.ok(isNonBlank(diff), `a blank difference map: ${JSON.stringify(diff)}`);
  });
});
