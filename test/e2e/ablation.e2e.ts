// Ablation in the Heads tab, as a user does it: Show Attention on the first paragraph of
// samples/repeats.txt (names that repeat), sort the Heads tab by induction, tick the first head (an
// induction head of the bundled model) and ablate it: the loss of the tokens that repeat an earlier
// pair (the second "Abernathy Quill", "Odalys Fenwick") rises, and so does the repeated half's;
// then a later layer's head opens beside the original. Activation patching of two texts of the same
// length fills its two heatmaps, the last layer recovering all at the last position; Cancel stops a
// longer one, and the view says so with no error.
import * as assert from 'node:assert/strict';
import type { Frame } from 'playwright-core';
import { showRepeatsParagraph } from './lib/panelFrame';
import { session } from './lib/session';

const rows = '#heads-table tbody tr[data-layer][data-head]';

describe('Heads ablation', function () {
  let frame: Frame;

  before(async function () {
    this.timeout(180_000);
    const { workspace } = session();
    if (workspace.model.kind !== 'bundled') this.skip(); // the induction heads are the bundled model's
    frame = await showRepeatsParagraph('#tab-heads');
  });

  it('ablating the first head by induction raises the loss on the repeated tokens', async function () {
    this.timeout(120_000);
    const { workbench, workspace } = session();
    await frame.locator('#tab-heads').click();
    // Polled with locator counts: a string-evaluated predicate would need 'unsafe-eval', which the webview's CSP forbids.
    const want = workspace.model.nLayer * workspace.model.nHead;
    for (const deadline = Date.now() + 60_000; (await frame.locator(rows).count()) !== want; ) {
      if (Date.now() > deadline) throw new Error(`the Heads tab does not list ${want} heads`);
      await workbench.page.waitForTimeout(250);
    }
    const header = frame.locator('#heads-table th[data-score="induction"]');
    for (let i = 0; i < 2 && (await header.getAttribute('aria-sort')) !== 'descending'; i++) await header.locator('button').click();
    const first = frame.locator(rows).first();
    const name = `L${await first.getAttribute('data-layer')}H${await first.getAttribute('data-head')}`;
    assert.ok(['L2H1', 'L2H3'].includes(name), `first by induction: ${name}`);
    await first.locator('input.ablate-tick').check();
    await frame.locator('#ablate-heads', { hasText: '(1)' }).click();
    await frame.locator('#ablate-summary', { hasText: name }).waitFor({ timeout: 60_000 });
    const cells = await frame.$$eval('#ablate-strip .ablate-cell', (els) => els.map((e) => ({ text: e.textContent ?? '', delta: (e as HTMLElement).dataset.delta ?? '' })));
    await workbench.screenshot('heads-ablation');
    assert.ok(cells.length > 100, `one cell per token (${cells.length})`);
    // A token repeats an earlier pair when it and the token before it came in that order before: induction's targets.
    const repeated = (i: number): boolean => cells.some((_, j) => j > 0 && j < i - 1 && cells[j - 1].text === cells[i - 1].text && cells[j].text === cells[i].text);
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const delta = (i: number): number => Number(cells[i].delta);
    const all = cells.map((_, i) => i).filter((i) => cells[i].delta !== '');
    const rep = all.filter(repeated);
    const others = all.filter((i) => !repeated(i));
    assert.ok(rep.length >= 10, `the paragraph repeats names (${rep.length} tokens)`);
    const onRepeated = mean(rep.map(delta));
    assert.ok(onRepeated > 0.1 && onRepeated > mean(others.map(delta)), `loss change on repeated tokens ${onRepeated}, on the others ${mean(others.map(delta))}`);
    const half = all.filter((i) => i >= cells.length / 2);
    assert.ok(mean(half.map(delta)) > 0, `the repeated half's loss rises (${mean(half.map(delta))})`);
    // The predictions before and after at the selected position, and a later layer beside the original.
    assert.ok((await frame.locator('#ablate-before li').count()) > 0 && (await frame.locator('#ablate-after li').count()) > 0);
    await frame.locator('#ablate-open').click();
    await frame.locator('#ablate-map-ablated').waitFor({ timeout: 30_000 });
    assert.ok(await frame.locator('#ablate-map-original').isVisible());
  });

  it('activation patching shows the layer × position and layer × head heatmaps', async function () {
    this.timeout(180_000);
    const { workbench, workspace } = session();
    const clean = 'Captain Abernathy Quill met Mrs Odalys Fenwick at the port. Then Captain Abernathy';
    await frame.locator('#patch-clean').fill(clean);
    await frame.locator('#patch-corrupt').fill(clean.replace('Then Captain', 'Then Mrs')); // 31 tokens each
    await frame.locator('#patch-target').fill(' met');
    await frame.locator('#patch-contrast').fill(' at');
    await frame.locator('#patch-run').click();
    await frame.locator('#patch-layers').waitFor({ timeout: 150_000 });
    await workbench.screenshot('heads-patching');
    const { nLayer, nHead } = workspace.model;
    const layers = await frame.$$eval('#patch-layers tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => Number((td as HTMLElement).dataset.value))));
    const heads = await frame.$$eval('#patch-heads tbody tr', (trs) => trs.map((tr) => tr.querySelectorAll('td').length));
    assert.equal(layers.length, nLayer);
    assert.ok(layers.every((r) => r.length === 31), `31 positions per layer (${layers.map((r) => r.length)})`);
    assert.deepEqual(heads, Array.from({ length: nLayer }, () => nHead));
    const last = layers[nLayer - 1];
    assert.ok(Math.abs(last[30] - 1) < 1e-3 && last.slice(0, 30).every((x) => Math.abs(x) < 1e-3), `the last layer recovers 1 at the last position only: ${last}`);
  });

  it('Cancel stops a running patching: the view says cancelled, with no error', async function () {
    this.timeout(180_000);
    const { workbench } = session();
    const clean = 'Captain Abernathy Quill met Mrs Odalys Fenwick at the port. Then Captain Abernathy';
    const prefix = `${clean} `.repeat(6); // about 220 tokens: L × T forwards, long enough to cancel
    await frame.locator('#patch-clean').fill(prefix + clean);
    await frame.locator('#patch-corrupt').fill(prefix + clean.replace('Then Captain', 'Then Mrs'));
    await frame.locator('#patch-run').click();
    await frame.locator('#patch-cancel').click({ timeout: 10_000 });
    const status = frame.locator('#patch-status');
    let text = '';
    for (let i = 0; i < 600 && !(text = (await status.textContent()) ?? '').includes('cancelled'); i++) await workbench.page.waitForTimeout(250);
    await workbench.screenshot('heads-patching-cancelled');
    assert.equal(text, 'Patching cancelled.');
    assert.equal(await status.evaluate((e) => e.classList.contains('error')), false, 'a cancel is no error');
    assert.ok(await frame.locator('#patch-run').isEnabled(), 'Patch can run again');
    assert.ok(await frame.locator('#patch-cancel').isHidden(), 'Cancel is gone once stopped');
  });
});
