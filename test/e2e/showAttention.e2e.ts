// The Show Attention scenario, as a user runs it: open a sample file, select text, run
// "Attention Lens: Show Attention" from the palette, then check what the panel shows.
import * as assert from 'node:assert/strict';
import type { Frame } from 'playwright-core';
import { canvasStats, isNonBlank } from './lib/canvas';
import { paintEntries } from './lib/outputLog';
import { session } from './lib/session';

const command = 'Attention Lens: Show Attention';
const overview = 'canvas[data-layer][data-head]';
const matrixSelector = '#matrix';
const threeDecimals = /(?<![\d.])[01]\.\d{3}(?!\d)/;
const phrase = 'The old lighthouse keeper climbed the stairs every evening at dusk.';

function same(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

describe('Show Attention', function () {
  let frame: Frame;

  before(async function () {
    this.timeout(180_000);
    const { workbench, workspace } = session();
    await workbench.openFile('paragraph.txt');
    await workbench.selectText(phrase);
    await workbench.runCommand(command);
    const expected = workspace.model.nLayer * workspace.model.nHead;
    try {
      frame = await workbench.findWebviewFrame(overview, 120_000);
      await frame.waitForFunction(
        ([sel, n]) => document.querySelectorAll(sel as string).length === n,
        [overview, expected] as const,
        { timeout: 60_000 },
      );
    } catch (err) {
      await workbench.screenshot('10-show-attention-failed');
      const notes = await workbench.notifications();
      throw new Error(`${(err as Error).message}\nnotifications: ${notes.join(' | ') || '-'}`);
    }
  });

  it('draws every layer × head overview canvas with non-blank pixels', async function () {
    this.timeout(90_000);
    const { workbench, workspace } = session();
    const { nLayer, nHead } = workspace.model;
    // Drawing follows the data, and a cell whose layer has not arrived yet is one flat colour:
    // wait until every canvas holds at least two colours (a heatmap), then check each one.
    await frame
      .waitForFunction(
        (sel) =>
          [...document.querySelectorAll(sel)].every((c) => {
            const cv = c as HTMLCanvasElement;
            const ctx = cv.width && cv.height ? cv.getContext('2d') : null;
            if (!ctx) return false;
            const px = new Uint32Array(ctx.getImageData(0, 0, cv.width, cv.height).data.buffer);
            return px.some((v) => v >>> 24 > 0) && px.some((v) => v !== px[0]);
          }),
        overview,
        { timeout: 60_000 },
      )
      .catch(() => undefined); // the assertions below say which canvas is blank
    await workbench.screenshot('11-show-attention');
    const stats = await canvasStats(frame, overview);
    assert.equal(stats.length, nLayer * nHead, `${nLayer} layers × ${nHead} heads of overview canvases`);
    for (let l = 0; l < nLayer; l++) {
      for (let h = 0; h < nHead; h++) {
        const s = stats.find((x) => x.layer === String(l) && x.head === String(h));
        assert.ok(s, `a canvas for layer ${l} head ${h}`);
        assert.ok(isNonBlank(s), `layer ${l} head ${h} is painted: ${JSON.stringify(s)}`);
      }
    }
  });

  it('logs, once per run, when its overview and its head matrix were painted, counted from the command', async function () {
    this.timeout(30_000);
    const { server, workbench } = session();
    const tokens = await frame.locator('.token[data-index]').count();
    let entries = paintEntries(server.userDataDir);
    for (let i = 0; i < 100 && !(entries.some((e) => e.what === 'overview') && entries.some((e) => e.what === 'matrix')); i++) {
      await workbench.page.waitForTimeout(200);
      entries = paintEntries(server.userDataDir);
    }
    // The newest run is the last one logged (run ids start again at 1 in each new engine worker).
    const runId = entries[entries.length - 1].runId;
    let first = entries.length - 1;
    while (first > 0 && entries[first - 1].runId === runId) first--;
    const run = entries.slice(first);
    assert.deepEqual(run.map((e) => e.what).sort(), ['matrix', 'overview'], `one line per kind: ${JSON.stringify(entries)}`);
    for (const e of run) {
      assert.equal(e.tokens, tokens, 'the logged run is the one shown');
      assert.ok(e.ms > 0 && e.ms < 180_000, `a time since the command: ${e.ms} ms`);
      assert.ok(e.ms <= e.arrivedMs, `painted (${e.ms} ms) before its message reached the host (${e.arrivedMs} ms)`);
    }
  });

  it('fills in the next-token predictions after the heatmaps (the second phase)', async function () {
    this.timeout(60_000);
    await frame.waitForFunction(
      () => document.querySelector('.predictions-card')?.getAttribute('aria-busy') === 'false' && document.querySelectorAll('.pred-row').length > 0,
      undefined,
      { timeout: 45_000 },
    );
    const rows = await frame.locator('.predictions-card .pred-row').count();
    assert.ok(rows >= 1, `prediction rows shown: ${rows}`);
    const probs = await frame.locator('.predictions-card .pred-prob').allTextContents();
    assert.ok(probs.length === rows && probs.every((p) => /\d/.test(p)), `each row has a probability: ${probs.join(', ')}`);
  });

  it('shows a tooltip with a three-decimal weight when hovering the matrix', async function () {
    this.timeout(60_000);
    const { workbench } = session();
    const matrix = frame.locator(matrixSelector);
    await matrix.waitFor({ state: 'visible', timeout: 30_000 });
    const box = await matrix.boundingBox();
    assert.ok(box && box.width > 0 && box.height > 0, 'the matrix canvas has a size');
    // The grid sits somewhere inside the canvas (labels take a margin): walk points in its lower
    // left, where a causal matrix has weights, until the tooltip shows one.
    const tooltip = frame.locator('#tooltip');
    let text = '';
    for (const fy of [0.9, 0.8, 0.7, 0.6, 0.5]) {
      for (const fx of [0.3, 0.45, 0.2, 0.6]) {
        await matrix.hover({ position: { x: box.width * fx, y: box.height * fy } });
        text = (await tooltip.isVisible()) ? await tooltip.innerText() : '';
        if (threeDecimals.test(text)) break;
      }
      if (threeDecimals.test(text)) break;
    }
    await workbench.screenshot('12-tooltip');
    await workbench.page.mouse.move(1, 1); // leave the matrix so the tooltip goes away
    assert.match(text, threeDecimals, `hovering the matrix shows a weight with three decimals: "${text}"`);
  });

  it('decorates the editor when a token chip is clicked', async function () {
    this.timeout(60_000);
    const { workbench } = session();
    const before = await workbench.editorDecorations();
    const chips = frame.locator('.token[data-index]');
    assert.ok((await chips.count()) > 2, 'the panel shows the selection as token chips');
    // The panel starts on the last token as the query: click another one, the second token.
    await chips.nth(1).click();
    let after = before;
    for (let i = 0; i < 60 && (after.length === 0 || same(after, before)); i++) {
      await workbench.page.waitForTimeout(250);
      after = await workbench.editorDecorations();
    }
    await workbench.screenshot('13-token-decorations');
    assert.ok(after.length > 0, 'the editor shows decorations after the click');
    assert.ok(!same(after, before), `the decorations follow the clicked token (before: ${before.length}, after: ${after.length})`);
  });

  it('shows a notice naming the limit when the selection is longer than the context', async function () {
    this.timeout(120_000);
    const { workbench, workspace } = session();
    await workbench.openFile(workspace.longFile);
    await workbench.selectAll();
    await workbench.runCommand(command);
    const noticeFrame = await workbench.findWebviewFrame('#notice:not(:empty)', 90_000);
    const notice = noticeFrame.locator('#notice');
    await notice.waitFor({ state: 'visible', timeout: 30_000 });
    await workbench.screenshot('14-too-long-notice');
    const text = (await notice.textContent()) ?? '';
    assert.ok(
      text.includes(String(workspace.model.nPositions)),
      `the notice mentions the ${workspace.model.nPositions}-token limit: "${text}"`,
    );
  });
});
