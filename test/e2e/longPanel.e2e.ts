// The panel at long T (issue 18): Show Attention on a text of 1,500 tokens with a model that reads
// 4,096 (test/e2e/lib/longModel.ts). The matrix view is the level-of-detail one: its overview (the
// whole map, max-pooled on the host) and its zoomed window are painted, the window at full
// resolution; the keyboard zooms and scrolls the window (its cells change on the canvas); the token
// strip is tinted by the selected query's row (a one-row tile) and the lines view lists its top keys.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Frame } from 'playwright-core';
import { canvasStats, isNonBlank } from './lib/canvas';
import { writeLongModel, writeLongText } from './lib/longModel';
import { useModelCopy, type ModelSetting } from './lib/modelSetting';
import { session } from './lib/session';
import { openByQuickOpen } from './lib/writer';

const N = 1500;
const zoom = '#matrix-zoom';
const overviewMap = '#matrix-overview';

/** The zoomed window as the view mirrors it in data-window: row0, col0, size. */
async function windowOf(frame: Frame): Promise<[number, number, number]> {
  const w = (await frame.getAttribute(zoom, 'data-window')) ?? '';
  const [r, c, s] = w.split(',').map(Number);
  return [r, c, s];
}

/** A hash of the zoom canvas's pixels (what the user sees of the window's cells). */
function pixels(frame: Frame): Promise<number> {
  return frame.$eval(zoom, (c) => {
    const cv = c as HTMLCanvasElement;
    const px = cv.getContext('2d')?.getImageData(0, 0, cv.width, cv.height).data ?? new Uint8ClampedArray();
    let h = 0;
    for (let i = 0; i < px.length; i++) h = (Math.imul(h, 31) + px[i]) | 0;
    return h;
  });
}

/**
 * Polls `fn` in the frame until it is true. Not frame.waitForFunction: its polling evaluates a string
 * in the page, which the webview's CSP (no 'unsafe-eval') refuses once the first check is false.
 */
async function until<A>(frame: Frame, fn: (arg: A) => boolean, arg: A, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await frame.evaluate(fn as (a: unknown) => boolean, arg as unknown))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits for the window to show `size` cells per side at full resolution (its own tile drawn). */
async function waitForWindow(frame: Frame, size?: number): Promise<void> {
  await until(
    frame,
    ([sel, n]) => {
      const c = document.querySelector(sel) as HTMLCanvasElement | null;
      return !!c && c.dataset.fine === 'yes' && c.dataset.overview === 'yes' && (n === 0 || c.dataset.window?.split(',')[2] === String(n));
    },
    [zoom, size ?? 0] as [string, number],
    `the window at full resolution${size ? `, ${size} a side` : ''}`,
  );
}

describe('The panel at long T', function () {
  let setting: ModelSetting | undefined;
  let frame: Frame;

  before(async function () {
    this.timeout(300_000);
    const { workbench, workspace, server } = session();
    const model = writeLongModel(path.join(server.tmpDir, 'written', 'random-long'));
    setting = useModelCopy(model);
    const file = writeLongText(workspace.dir, model, N);
    // A new panel: an open one keeps the query selected before (the earlier suites'), not the last token.
    await workbench.runCommand('View: Close All Editor Groups');
    await workbench.runCommand('View: Show Explorer');
    await openByQuickOpen(workbench.page, file); // written after the explorer listed the folder
    await workbench.selectAll();
    // The settings file is re-read when its watcher fires: run the command until the panel shows the long run.
    for (let attempt = 0; attempt < 6 && !frame; attempt++) {
      await workbench.runCommand('Attention Lens: Show Attention');
      try {
        const f = await workbench.findWebviewFrame(`${zoom}:not([hidden])`, 60_000);
        await until(f, (n) => document.querySelector('#meta')?.textContent?.includes(`${n}`) ?? false, N, `${N} tokens in the meta line`);
        frame = f;
      } catch {
        await workbench.page.waitForTimeout(1000);
      }
    }
    if (!frame) {
      await workbench.screenshot('70-long-show-attention-failed');
      throw new Error(`the panel never showed the ${N}-token run in the level-of-detail view`);
    }
  });

  after(async function () {
    this.timeout(60_000);
    setting?.restore();
    await session().workbench.runCommand('View: Close All Editors').catch(() => undefined);
  });

  it('paints the overview and the zoomed window at full resolution, on the last token', async function () {
    this.timeout(120_000);
    await waitForWindow(frame);
    await frame.$eval(zoom, (c) => c.scrollIntoView({ block: 'center' }));
    await session().workbench.screenshot('70-long-matrix');
    const [ov] = await canvasStats(frame, overviewMap);
    const [win] = await canvasStats(frame, zoom);
    assert.ok(isNonBlank(ov), `overview painted: ${JSON.stringify(ov)}`);
    assert.ok(ov.colours >= 8, `the overview shows a map, not a flat fill: ${ov.colours} colours`);
    assert.ok(isNonBlank(win), `window painted: ${JSON.stringify(win)}`);
    const [row0, , size] = await windowOf(frame);
    assert.ok(row0 <= N - 1 && N - 1 < row0 + size, `the window holds the selected (last) query's row: ${row0}+${size}`);
    assert.equal(await frame.$$eval('#matrix', (els) => els.filter((e) => !(e.closest('[hidden]') ?? null)).length), 0, 'the whole-matrix view is not shown');
  });

  it('zooms and scrolls the window from the keyboard, and its cells change', async function () {
    this.timeout(120_000);
    await waitForWindow(frame);
    const [r0, c0, s0] = await windowOf(frame);
    const before = await pixels(frame);
    await frame.focus(zoom);
    await frame.press(zoom, '+');
    await waitForWindow(frame, s0 / 2);
    const [r1, c1, s1] = await windowOf(frame);
    assert.equal(s1, s0 / 2, 'one zoom step in halves the window');
    assert.ok(r1 >= r0 && c1 >= c0 && r1 + s1 <= r0 + s0, 'zoomed about its centre, inside the old window');
    assert.notEqual(await pixels(frame), before, 'the zoomed cells are drawn');
    await frame.press(zoom, 'PageUp');
    await frame.press(zoom, 'PageUp');
    await waitForWindow(frame, s1);
    const [r2] = await windowOf(frame);
    assert.equal(r2, r1 - 2 * s1, 'two pages up');
    const zoomed = await pixels(frame);
    await frame.press(zoom, '-');
    await frame.press(zoom, '-');
    await waitForWindow(frame, s1 * 4);
    assert.notEqual(await pixels(frame), zoomed);
    const where = (await frame.textContent('.zoom-where')) ?? '';
    assert.match(where, new RegExp(`${s1 * 4} × ${s1 * 4}`), `the window's place is said: "${where}"`);
  });

  it('tints the token strip by the query row and lists the top keys in the lines view', async function () {
    this.timeout(120_000);
    await until(frame, () => [...document.querySelectorAll<HTMLElement>('.token[data-index]')].some((c) => c.style.backgroundColor !== ''), undefined, 'a tinted token chip');
    await frame.click('button.seg[data-value="lines"]');
    await until(frame, () => ((document.querySelector('#lines') as HTMLCanvasElement | null)?.height ?? 0) > 0, undefined, 'the lines view');
    const [lines] = await canvasStats(frame, '#lines');
    assert.ok(isNonBlank(lines), `lines painted: ${JSON.stringify(lines)}`);
    // 24 query rows and 24 top keys: one screen, not 1,500 rows of 14 px
    const cssHeight = await frame.$eval('#lines', (c) => (c as HTMLCanvasElement).getBoundingClientRect().height);
    assert.ok(cssHeight < 24 * 18 + 40, `the lines view is ${cssHeight} px tall`);
    await frame.click('button.seg[data-value="matrix"]');
  });
});
