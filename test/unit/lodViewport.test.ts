// The level-of-detail matrix view's window math (webview/panel/viewport.ts) and the lines view's
// rows at long T (linesRows.ts): plain numbers, no DOM.
import * as assert from 'node:assert/strict';
import { LONG_T } from '../../src/shared/protocol';
import { linesRows, TOP_K } from '../../webview/panel/linesRows';
import {
  centreOn,
  clampWindow,
  covers,
  fetchRect,
  followQuery,
  labelStep,
  overviewCellAt,
  overviewStride,
  panWindow,
  windowCellAt,
  zoomWindow,
  ZOOM_SIZES,
} from '../../webview/panel/viewport';

const T = 4096;

describe('LOD matrix view: the window', () => {
  it('stays inside the map', () => {
    assert.deepEqual(clampWindow({ row0: -5, col0: 5000, size: 64 }, T), { row0: 0, col0: T - 64, size: 64 });
    assert.deepEqual(clampWindow({ row0: 3, col0: 3, size: 256 }, 100), { row0: 0, col0: 0, size: 100 }, 'no larger than the map');
    assert.deepEqual(panWindow({ row0: 10, col0: 10, size: 64 }, T, -30, 5000), { row0: 0, col0: T - 64, size: 64 });
  });

  it('zooms one step at a time, keeping the anchor cell in place', () => {
    const w = { row0: 1000, col0: 900, size: 64 };
    const inW = zoomWindow(w, T, -1, { i: 1016, j: 948 });
    assert.equal(inW.size, 32);
    // the anchor keeps its fraction of the window: (1016 − 1000) / 64 = 0.25, (948 − 900) / 64 = 0.75
    assert.equal((1016 - inW.row0) / inW.size, 0.25);
    assert.equal((948 - inW.col0) / inW.size, 0.75);
    const out = zoomWindow(w, T, 1);
    assert.deepEqual(out, { row0: 1000 - 32, col0: 900 - 32, size: 128 }, 'about the centre');
    const smallest = { row0: 0, col0: 0, size: ZOOM_SIZES[0] };
    assert.deepEqual(zoomWindow(smallest, T, -1), smallest, 'no step past the smallest');
    const largest = ZOOM_SIZES[ZOOM_SIZES.length - 1];
    assert.equal(zoomWindow({ row0: 0, col0: 0, size: largest }, T, 1).size, largest);
    assert.equal(zoomWindow({ row0: 0, col0: 0, size: 64 }, 100, 1).size, 100, 'clipped to a small map');
  });

  it('follows the selected query: stays while its row is shown, else centres on it with the diagonal to the right', () => {
    const w = { row0: 1000, col0: 900, size: 64 };
    assert.deepEqual(followQuery(w, T, 1063), w);
    const moved = followQuery(w, T, 3000);
    assert.deepEqual(moved, { row0: 3000 - 32, col0: 3000 - 48, size: 64 });
    assert.ok(moved.row0 <= 3000 && 3000 < moved.row0 + moved.size);
    assert.deepEqual(followQuery(w, T, 2), { row0: 0, col0: 0, size: 64 });
    assert.deepEqual(followQuery(w, T, T - 1), { row0: T - 64, col0: T - 64, size: 64 });
    assert.deepEqual(centreOn(w, T, 2000, 100), { row0: 1968, col0: 68, size: 64 });
  });

  it('asks for the window and a margin, aligned, and knows when a tile covers it', () => {
    const w = { row0: 1000, col0: 905, size: 64 };
    const r = fetchRect(w, T);
    assert.deepEqual(r, { row0: 960, row1: 1104, col0: 864, col1: 1008, stride: 1 });
    assert.ok(covers(r, w, T));
    assert.ok(covers(r, panWindow(w, T, 30, -30), T), 'a small scroll is served from the same tile');
    assert.ok(!covers(r, panWindow(w, T, 60, 0), T));
    assert.ok(!covers({ ...r, stride: 2 }, w, T), 'a pooled tile is not full resolution');
    const edge = fetchRect({ row0: T - 64, col0: 0, size: 64 }, T);
    assert.equal(edge.row1, T);
    assert.equal(edge.col0, 0);
  });

  it('maps points to cells in the window and in the overview', () => {
    const w = { row0: 100, col0: 40, size: 32 };
    // a 320 px window at (96, 96): 10 px per cell
    assert.deepEqual(windowCellAt(96, 96, 96, 96, 320, w), { i: 100, j: 40 });
    assert.deepEqual(windowCellAt(96 + 319, 96 + 15, 96, 96, 320, w), { i: 101, j: 71 });
    assert.equal(windowCellAt(95, 100, 96, 96, 320, w), undefined);
    assert.equal(windowCellAt(96 + 320, 100, 96, 96, 320, w), undefined);
    assert.deepEqual(overviewCellAt(0, 255.95, 256, T), { i: 4095, j: 0 });
    assert.equal(overviewCellAt(256, 10, 256, T), undefined);
  });

  it('pools the overview to fit its pixels, and labels only rows that fit', () => {
    assert.equal(overviewStride(4096, 256), 16);
    assert.equal(overviewStride(4096, 250), 17);
    assert.equal(overviewStride(100, 256), 1);
    assert.equal(labelStep(12, 12), 1);
    assert.equal(labelStep(720 / 256, 12), 5);
  });
});

describe('lines view rows', () => {
  const row = new Float32Array(LONG_T + 10);
  row[3] = 0.5;
  row[700] = 0.2;
  row[1000] = 0.25;

  it('lists every token below LONG_T', () => {
    const r = linesRows(10, 4, row);
    assert.deepEqual(r.left, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(r.right, r.left);
    assert.equal(r.topK, false);
  });

  it('lists the queries around the selected one and its top-k keys in text order at long T', () => {
    const T = LONG_T + 10;
    const r = linesRows(T, 1005, row);
    assert.equal(r.left.length, TOP_K);
    assert.ok(r.left.includes(1005));
    assert.equal(r.right.length, TOP_K);
    assert.deepEqual(r.right.slice(0, 3), [0, 1, 2], 'ties (weight 0) by position');
    assert.ok([3, 700, 1000].every((j) => r.right.includes(j)));
    assert.deepEqual([...r.right].sort((a, b) => a - b), r.right);
    assert.ok(r.right.every((j) => j <= 1005), 'no masked key');
    assert.deepEqual(linesRows(T, T - 1, undefined).left.at(-1), T - 1);
    assert.deepEqual(linesRows(T, 2, undefined, 4), { left: [0, 1, 2, 3], right: [], topK: true });
  });
});
