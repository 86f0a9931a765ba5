// The Layer Stepper follows the Show Attention panel: run Show Attention on a selection, open the
// Attention Lens view, and the stepper shows the panel's tokens without its Analyse button being
// pressed (whatever run it showed before, e.g. from stepper.e2e.ts).
import * as assert from 'node:assert/strict';
import type { Frame } from 'playwright-core';
import { session } from './lib/session';

const phrase = 'He lit the lamp, wound the clock';
const panelChips = '.token[data-index]';
const stepperChips = 'body.layer-stepper .chip[data-index]';

/** Token ids from chip titles: the panel's "#3 · id 262", the stepper's `3: " the" (id 262)`. */
async function chipIds(frame: Frame, selector: string): Promise<number[]> {
  const titles = await frame.$$eval(selector, (els) => els.map((e) => e.getAttribute('title') ?? ''));
  return titles.map((t) => Number(/\bid (\d+)/.exec(t)?.[1] ?? NaN));
}

describe('Layer Stepper follows Show Attention', function () {
  it('shows the panel’s tokens without pressing Analyse', async function () {
    this.timeout(240_000);
    const { workbench } = session();
    const page = workbench.page;
    await workbench.runCommand('View: Show Explorer'); // an earlier suite may have left another side view open
    await workbench.openFile('paragraph.txt');
    await workbench.selectText(phrase);
    await workbench.runCommand('Attention Lens: Show Attention');
    // The panel's frame, once it shows this phrase (the panel may still show an older run).
    let panel: Frame | undefined;
    let panelIds: number[] = [];
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      panel = await workbench.findWebviewFrame(panelChips, 120_000);
      const text = (await panel.$$eval(panelChips, (els) => els.map((e) => e.textContent ?? '').join(''))).replace(/[␣·]/g, ' ');
      if (text.replace(/\s+/g, ' ').trim() === phrase) {
        panelIds = await chipIds(panel, panelChips);
        break;
      }
      await page.waitForTimeout(250);
    }
    await workbench.screenshot('30-follow-panel');
    assert.ok(panelIds.length > 3 && panelIds.every(Number.isInteger), `the panel shows the phrase as tokens: ${panelIds.join(',')}`);

    // Open the Attention Lens view container unless it is open already (a click would close it).
    const item = page.locator('.activitybar .action-item', { has: page.locator('a[aria-label^="Attention Lens"]') }).first();
    await item.waitFor({ timeout: 60_000 });
    if (!((await item.getAttribute('class')) ?? '').split(/\s+/).includes('checked')) await item.locator('a').click();
    const stepper = await workbench.findWebviewFrame(stepperChips, 120_000);
    let ids: number[] = [];
    for (let i = 0; i < 240; i++) {
      ids = await chipIds(stepper, stepperChips);
      if (ids.length === panelIds.length && ids.every((id, j) => id === panelIds[j])) break;
      await page.waitForTimeout(250);
    }
    await workbench.screenshot('31-follow-stepper');
    assert.deepEqual(ids, panelIds, 'the stepper’s query chips are the panel’s tokens');
    const label = (await stepper.locator('.run-label').textContent()) ?? '';
    assert.match(label, /^paragraph\.txt:1 · T = \d+$/, `the stepper names the panel's range: "${label}"`);
    assert.ok(label.endsWith(`T = ${panelIds.length}`), label);
    await stepper.waitForSelector('article.step[data-kind="tokens"] .token-table', { timeout: 60_000 });
    const tableIds = await stepper.$$eval('.token-table tr td:nth-child(3)', (tds) => tds.map((td) => Number(td.textContent)));
    assert.deepEqual(tableIds, panelIds, 'the first step lists the panel’s token ids');

    // Close the panel: the stepper still holds the run, so the engine still answers its steps.
    await workbench.runCommand('View: Close All Editors');
    await page.waitForSelector('.tabs-container .tab[aria-label^="Attention Lens"]', { state: 'detached', timeout: 30_000 });
    await stepper.locator('.stage').click();
    await page.keyboard.press('ArrowRight');
    await stepper.waitForSelector('article.step[data-step="1"][data-kind="tokenEmbedding"]', { timeout: 30_000 });
    let shown = 'nothing';
    for (let i = 0; i < 240 && shown === 'nothing'; i++) {
      if (await stepper.$('article.step canvas.strip')) shown = 'capture';
      else if (await stepper.$('.banner.error')) shown = `error: ${await stepper.locator('.banner.error').textContent()}`;
      else await page.waitForTimeout(250);
    }
    await workbench.screenshot('32-follow-panel-closed');
    assert.equal(shown, 'capture', 'after the panel closed, the stepper still gets the engine’s capture');
  });
});
