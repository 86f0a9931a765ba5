// The Show Attention scenario, as a user runs it: open a sample file, select text, run
// "Attention Lens: Show Attention" from the palette, then check what the panel shows.
import * as assert from 'node:assert/strict';
import type { Frame } from 'playwright-core';
import { canvasStats, isNonBlank } from './lib/canvas';
import { session } from './lib/session';

const command = 'Attention Lens: Show Attention';
const overview = 'canvas[data-layer][data-head]';
const phrase = 'The old lighthouse keeper climbed the stairs every evening at dusk.';

/** The panel's largest canvas that is not an overview thumbnail: the big attention matrix. */
async function matrixSelector(frame: Frame): Promise<string> {
  const id = await frame.$$eval('canvas:not([data-layer])', (els) => {
    const canvases = els as HTMLCanvasElement[];
    let best: HTMLCanvasElement | undefined;
    for (const c of canvases) {
      const r = c.getBoundingClientRect();
      const area = r.width * r.height;
      if (area > 0 && (!best || area > best.getBoundingClientRect().width * best.getBoundingClientRect().height)) best = c;
    }
    if (!best) return null;
    best.setAttribute('data-e2e', 'matrix');
    return 'canvas[data-e2e="matrix"]';
  });
  assert.ok(id, 'the panel has a large matrix canvas besides the overview');
  return id;
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
    // Drawing follows the data; wait until every canvas has something, then check each one.
    await frame
      .waitForFunction(
        (sel) =>
          [...document.querySelectorAll(sel)].every((c) => {
            const cv = c as HTMLCanvasElement;
            const ctx = cv.width && cv.height ? cv.getContext('2d') : null;
            return !!ctx && ctx.getImageData(0, 0, cv.width, cv.height).data.some((v, i) => i % 4 === 3 && v > 0);
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

  it('shows a tooltip with a three-decimal weight when hovering the matrix', async function () {
    this.timeout(60_000);
    const { workbench } = session();
    const matrix = await matrixSelector(frame);
    const box = await frame.$eval(matrix, (e) => {
      const r = e.getBoundingClientRect();
      return { w: r.width, h: r.height };
    });
    // Below the diagonal (a query attending to an earlier key), where a causal matrix has weights.
    await frame.hover(matrix, { position: { x: box.w * 0.2, y: box.h * 0.8 } });
    const tooltip = frame.locator('#tooltip');
    await tooltip.waitFor({ state: 'visible', timeout: 15_000 });
    await frame.waitForFunction(() => /\d\.\d{3}/.test(document.querySelector('#tooltip')?.textContent ?? ''), undefined, {
      timeout: 15_000,
    });
    await workbench.screenshot('12-tooltip');
    const text = (await tooltip.textContent()) ?? '';
    await workbench.page.mouse.move(1, 1); // leave the matrix so the tooltip goes away
    assert.match(text, /\b[01]\.\d{3}\b/, `tooltip shows a weight with three decimals: "${text}"`);
  });

  it('decorates the editor when a token chip is clicked', async function () {
    this.timeout(60_000);
    const { workbench } = session();
    const before = await workbench.editorDecorationCount();
    const chips = frame.locator('.token[data-index]');
    assert.ok((await chips.count()) > 1, 'the panel shows the selection as token chips');
    await chips.nth(1).click();
    await workbench.page.waitForFunction(
      (n) =>
        document.querySelectorAll(
          '.part.editor .monaco-editor .view-overlays [class*="ced-"], .part.editor .monaco-editor .view-lines span[class*="ced-"]',
        ).length > n,
      before,
      { timeout: 15_000 },
    ).catch(() => undefined);
    await workbench.screenshot('13-token-decorations');
    const after = await workbench.editorDecorationCount();
    assert.ok(after > before, `editor decorations after the click: ${after} (before: ${before})`);
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
