// The Heads tab, as a user meets it: Show Attention on the first paragraph of samples/repeats.txt
// (names that repeat), open the Heads tab, sort by induction: on the bundled model an induction
// head (L2H1 or L2H3, media/model/README.md) comes first; a click on its row opens it, its badge is
// on the overview and a click on the badge opens it too; the Probe button brings the probe's table,
// where an induction head is first as well.
import * as assert from 'node:assert/strict';
import type { Frame } from 'playwright-core';
import { showRepeatsParagraph } from './lib/panelFrame';
import { session } from './lib/session';

const INDUCTION_HEADS = ['L2H1', 'L2H3'];
const rows = '#heads-table tbody tr[data-layer][data-head]';

/** The first row of the table, as "L{layer}H{head}". */
async function firstRow(frame: Frame): Promise<string> {
  const r = frame.locator(rows).first();
  return `L${await r.getAttribute('data-layer')}H${await r.getAttribute('data-head')}`;
}

/** Clicks the induction header until the table is sorted by it, highest first (a second click reverses). */
async function sortByInduction(frame: Frame): Promise<void> {
  const header = frame.locator('#heads-table th[data-score="induction"]');
  for (let i = 0; i < 2 && (await header.getAttribute('aria-sort')) !== 'descending'; i++) await header.locator('button').click();
  assert.equal(await header.getAttribute('aria-sort'), 'descending');
}

describe('Heads tab', function () {
  let frame: Frame;

  before(async function () {
    this.timeout(180_000);
    const { workspace } = session();
    if (workspace.model.kind !== 'bundled') this.skip(); // the heads asserted are the bundled model's
    frame = await showRepeatsParagraph('#tab-heads');
  });

  it('sorted by induction, lists an induction head first; a click on the row opens it', async function () {
    this.timeout(90_000);
    const { workbench, workspace } = session();
    await frame.locator('#tab-heads').click();
    await frame.waitForFunction(([sel, n]) => document.querySelectorAll(sel as string).length === n, [rows, workspace.model.nLayer * workspace.model.nHead] as const, { timeout: 60_000 });
    await sortByInduction(frame);
    const first = await firstRow(frame);
    await workbench.screenshot('heads-sorted-by-induction');
    assert.ok(INDUCTION_HEADS.includes(first), `first by induction: ${first}`);
    await frame.locator(rows).first().click();
    const [layer, head] = first.slice(1).split('H');
    await frame.waitForFunction((want) => document.querySelector('#detail-title')?.textContent?.includes(want), `Layer ${layer} · Head ${head}`, { timeout: 10_000 });
  });

  it('the overview carries the induction badge on that head; clicking the badge opens it', async function () {
    this.timeout(60_000);
    await frame.locator('#tab-overview').click();
    const badges = frame.locator('.ov-badges .badge[data-badge="induction"]');
    await badges.first().waitFor({ timeout: 10_000 });
    const owners = await frame.$$eval('.ov-badges:has(.badge[data-badge="induction"])', (els) => els.map((e) => `L${e.getAttribute('data-layer')}H${e.getAttribute('data-head')}`));
    assert.ok(owners.length > 0 && owners.every((o) => INDUCTION_HEADS.includes(o)), `induction badges on ${owners.join(', ')}`);
    assert.ok(await frame.locator('#badge-legend').isVisible(), 'the badges have a legend');
    await badges.last().click();
    const [layer, head] = owners.at(-1)!.slice(1).split('H');
    await frame.waitForFunction((want) => document.querySelector('#detail-title')?.textContent?.includes(want), `Layer ${layer} · Head ${head}`, { timeout: 10_000 });
  });

  it('Probe: the probe\'s table, an induction head first', async function () {
    this.timeout(90_000);
    await frame.locator('#tab-heads').click();
    await frame.locator('#heads-probe').click();
    // The button gives way to the Text | Probe toggle once the probe's table is here.
    await frame.locator('#heads-probe').waitFor({ state: 'hidden', timeout: 60_000 });
    await frame.locator('#heads-status', { hasText: 'Scored on the probe' }).waitFor({ timeout: 10_000 });
    await sortByInduction(frame);
    assert.ok(INDUCTION_HEADS.includes(await firstRow(frame)), `first by induction on the probe: ${await firstRow(frame)}`);
  });
});
