// `npm run bench:paint -- --long`: the panel's matrix at T = 4,096 in VS Code for the Web (the
// level-of-detail view), with a model that reads 4,096 tokens (test/e2e/lib/longModel.ts: GPT-2's
// shape, 2 layers × 2 heads, random weights; the bundled model reads 256).
//   - first paint: Show Attention on a 4,096-token file → the matrix painted (overview and zoomed
//     window, full resolution), from the extension's own paint log as in the short cases (the
//     forward of the whole text is inside the figure);
//   - open a head: with the run shown, a click on another head of the model overview → the zoomed
//     window of that head drawn at full resolution with its overview, timed in the webview from the
//     click to the animation frame after (the host pools the head's map on the way);
//   - scrolling: a wheel event per animation frame on the zoomed window (an eighth of the window per
//     event, down the map and back), every frame's interval from requestAnimationFrame timestamps:
//     median, 95th percentile, the longest, and how many exceed 50 ms; beside it the same frames
//     with no scrolling (what this machine's Chromium gives an idle page: the baseline) and the
//     view's own draw times (its al:lod-draw performance measures).
import * as os from 'node:os';
import * as path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { outputLogFile, paintEntries } from '../test/e2e/lib/outputLog';
import { writeLongModel, writeLongText } from '../test/e2e/lib/longModel';
import type { Workbench } from '../test/e2e/lib/workbench';
import { openByQuickOpen } from '../test/e2e/lib/writer';

const T = 4096;
const zoom = '#matrix-zoom';

export interface LongPaintResult {
  tokens: number;
  firstPaintMs: number;
  openHeadMs: number[];
  /** Frame intervals waiting (the machine's baseline) and scrolling, and the view's draws while scrolling. */
  frames: { idle: FrameStats; scrolling: FrameStats; draws: FrameStats };
}

export interface FrameStats {
  median: number;
  p95: number;
  max: number;
  over50: number;
  count: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Clicks head (layer, head) in the model overview and times, in the webview, until its window and overview are drawn. */
function openHead(frame: Frame, layer: number, head: number): Promise<number> {
  return frame.evaluate(
    async ([l, h, sel]) => {
      const canvas = document.querySelector(sel) as HTMLCanvasElement;
      const cell = document.querySelector(`canvas[data-layer="${l}"][data-head="${h}"]`) as HTMLElement;
      // no named helpers in here: tsx names them with a __name() the page does not have
      const t0 = performance.now();
      cell.dispatchEvent(new MouseEvent('click', { bubbles: true }));
      const deadline = t0 + 120_000;
      for (;;) {
        await new Promise((r) => requestAnimationFrame(r));
        const d = canvas.dataset;
        if (d.source === `h:${l}:${h}` && d.fine === 'yes' && d.overview === 'yes') break;
        if (performance.now() > deadline) throw new Error(`head ${l}:${h} never painted`);
      }
      await new Promise((r) => requestAnimationFrame(r)); // the frame after the draw: the browser has painted it
      return performance.now() - t0;
    },
    [layer, head, zoom] as const,
  );
}

/**
 * Scrolls the zoomed window one wheel event per frame (down, then back up), or with `scroll` false
 * only waits the same frames (the machine's own frame rate, the baseline); returns every frame's
 * interval and the view's draws in that time (their durations, from its al:lod-draw measures).
 */
function scrollFrames(frame: Frame, events: number, scroll: boolean): Promise<{ intervals: number[]; draws: number[] }> {
  return frame.evaluate(
    async ([n, sel, wheel]) => {
      performance.clearMeasures('al:lod-draw');
      const canvas = document.querySelector(sel) as HTMLCanvasElement;
      canvas.focus();
      const r = canvas.getBoundingClientRect();
      const times: number[] = [];
      for (let i = 0; i <= n; i++) {
        times.push(await new Promise<number>((res) => requestAnimationFrame(res)));
        const deltaY = i < n / 2 ? 100 : -100;
        if (wheel && i < n) canvas.dispatchEvent(new WheelEvent('wheel', { deltaY, clientX: r.left + r.width / 2, clientY: r.top + r.height / 2, bubbles: true, cancelable: true }));
      }
      const draws = performance.getEntriesByName('al:lod-draw').map((m) => m.duration);
      return { intervals: times.slice(1).map((t, k) => t - times[k]), draws };
    },
    [events, zoom, scroll] as const,
  );
}

/** The long case: writes the model and text, points the workspace at the model, measures. */
export async function measureLong(page: Page, wb: Workbench, userDataDir: string, tmp: string, workspace: string, writeSettings: (s: Record<string, unknown>) => void, runs: number): Promise<LongPaintResult> {
  const model = writeLongModel(path.join(tmp, 'random-long'));
  const file = writeLongText(workspace, model, T);
  writeSettings({ 'attentionLens.modelPath': model });
  await page.waitForTimeout(2000); // the settings file is watched
  await wb.runCommand('View: Close All Editors');
  const skip = paintEntries(userDataDir).length;
  await openByQuickOpen(page, file); // written after the explorer listed the folder
  await wb.selectAll();
  await wb.runCommand('Attention Lens: Show Attention');
  const frame = await wb.findWebviewFrame(`${zoom}[data-fine="yes"][data-overview="yes"]`, 600_000);
  let firstPaintMs = NaN;
  const deadline = Date.now() + 600_000;
  while (Date.now() < deadline && Number.isNaN(firstPaintMs)) {
    const e = paintEntries(userDataDir).slice(skip).find((p) => p.what === 'matrix');
    if (e) {
      if (e.tokens !== T) throw new Error(`the run analysed ${e.tokens} tokens, expected ${T}`);
      firstPaintMs = e.ms;
    } else await page.waitForTimeout(200);
  }
  if (Number.isNaN(firstPaintMs)) throw new Error(`no matrix paint logged (log: ${outputLogFile(userDataDir) ?? 'none'})`);
  await page.waitForTimeout(3000); // the overview push and the head table finish
  const openHeadMs: number[] = [];
  const heads: [number, number][] = [[0, 1], [1, 0], [1, 1], [0, 0]];
  for (let r = 0; r < runs; r++) {
    const [l, h] = heads[r % heads.length];
    openHeadMs.push(Math.round(await openHead(frame, l, h)));
  }
  console.log(`  T = ${T}: first paint ${firstPaintMs} ms (forward included); open a head: ${openHeadMs.join(', ')} ms`);
  const idle = await scrollFrames(frame, 120, false);
  const scrolled = await scrollFrames(frame, 240, true);
  const frames = { idle: stats(idle.intervals), scrolling: stats(scrolled.intervals), draws: stats(scrolled.draws) };
  for (const [name, f] of Object.entries(frames)) console.log(`  ${name}: ${f.count}, median ${f.median} ms, p95 ${f.p95} ms, max ${f.max} ms, ${f.over50} over 50 ms`);
  return { tokens: T, firstPaintMs, openHeadMs, frames };
}

/** Median, 95th percentile, the longest, how many over 50 ms (ms, one decimal). */
function stats(xs: number[]): FrameStats {
  const sorted = [...xs].sort((a, b) => a - b);
  const r = (x: number | undefined): number => Math.round((x ?? NaN) * 10) / 10;
  return { median: r(median(xs)), p95: r(sorted[Math.floor(sorted.length * 0.95)]), max: r(sorted[sorted.length - 1]), over50: xs.filter((x) => x > 50).length, count: xs.length };
}

export function printLong(r: LongPaintResult): void {
  console.log(`\nThe panel at T = ${r.tokens} (VS Code for the Web 1.100.3 + Chromium, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(2)}):`);
  const f = (x: FrameStats): string => `${x.median} / ${x.p95} / ${x.max} ms, ${x.over50} of ${x.count} over 50 ms`;
  console.log('| T | Show Attention → matrix painted (forward included) | open a head → painted (median) | frames while scrolling: median / p95 / longest | frames waiting, no scroll (the machine\'s baseline) | the view\'s draws while scrolling |');
  console.log('|---|---|---|---|---|---|');
  console.log(`| ${r.tokens} | ${r.firstPaintMs} ms | ${median(r.openHeadMs)} ms (${r.openHeadMs.join(', ')}) | ${f(r.frames.scrolling)} | ${f(r.frames.idle)} | ${f(r.frames.draws)} |`);
  console.log(JSON.stringify({ long: r }));
}
