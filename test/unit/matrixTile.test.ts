// Max-pooled tiles of an attention matrix (the panel's level-of-detail view at long T): each pooled
// cell against a plain max over the cells it covers, at the tile's edges (a last row or column that
// pools fewer cells), the tile's coordinates, bad rects, and the host's band-by-band pooling.
import * as assert from 'node:assert/strict';
import { maxPoolTile } from '../../src/analysis/matrixTile';
import { EngineError } from '../../src/engine/errors';
import { AnalysisRun } from '../../src/panel/analysisRun';
import { MatrixTiles } from '../../src/panel/matrixTiles';
import { mulberry32 } from '../../src/shared/mulberry32';
import { MAX_TILE_CELLS, pooledCellMasked, tileProblem, tileShape, type TileRect } from '../../src/shared/tileRect';

/** A causal [T × T] matrix: row i random over keys 0..i, normalised; masked cells 0. */
function causal(T: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  const m = new Float32Array(T * T);
  for (let i = 0; i < T; i++) {
    let sum = 0;
    for (let j = 0; j <= i; j++) sum += m[i * T + j] = rand() ** 4;
    for (let j = 0; j <= i; j++) m[i * T + j] /= sum;
  }
  return m;
}

/** The reference: pooled cell (a, b) is the max over the cells it covers, clipped at the rect, by plain indexing. */
function reference(m: Float32Array, T: number, r: TileRect): number[][] {
  const out: number[][] = [];
  for (let i0 = r.row0; i0 < r.row1; i0 += r.stride) {
    const row: number[] = [];
    for (let j0 = r.col0; j0 < r.col1; j0 += r.stride) {
      let v = 0;
      for (let i = i0; i < Math.min(i0 + r.stride, r.row1); i++) for (let j = j0; j < Math.min(j0 + r.stride, r.col1); j++) v = Math.max(v, m[i * T + j]);
      row.push(v);
    }
    out.push(row);
  }
  return out;
}

function assertTile(m: Float32Array, T: number, r: TileRect): Float32Array {
  const got = maxPoolTile(m, T, r);
  const want = reference(m, T, r);
  const { rows, cols } = tileShape(r);
  assert.equal(rows, want.length, 'rows');
  assert.equal(cols, want[0].length, 'cols');
  for (let a = 0; a < rows; a++) for (let b = 0; b < cols; b++) assert.equal(got[a * cols + b], Math.fround(want[a][b]), `cell (${a}, ${b}) of ${JSON.stringify(r)}`);
  return got;
}

describe('matrix tiles (max-pooled)', () => {
  const T = 37;
  const m = causal(T, 3);

  it('pools the whole matrix, with a short last row and column of cells', () => {
    for (const stride of [1, 2, 4, 5, 36, 37, 50]) assertTile(m, T, { row0: 0, row1: T, col0: 0, col1: T, stride });
    assert.deepEqual(tileShape({ row0: 0, row1: T, col0: 0, col1: T, stride: 5 }), { rows: 8, cols: 8 }); // 37 = 7·5 + 2
  });

  it('pools a window by its own coordinates (offset rows and columns, a rect off the diagonal)', () => {
    assertTile(m, T, { row0: 3, row1: 29, col0: 2, col1: 17, stride: 3 });
    assertTile(m, T, { row0: 30, row1: 37, col0: 0, col1: 11, stride: 2 });
    const above = assertTile(m, T, { row0: 0, row1: 5, col0: 20, col1: 37, stride: 4 }); // all masked
    assert.ok(above.every((v) => v === 0));
    // one query's row at full resolution: its own weights, in order
    const row = assertTile(m, T, { row0: 20, row1: 21, col0: 0, col1: T, stride: 1 });
    assert.deepEqual(Array.from(row), Array.from(m.subarray(20 * T, 21 * T)));
  });

  it('keeps one sharp weight visible however far it is pooled (max, not mean)', () => {
    const n = 64;
    const sharp = new Float32Array(n * n);
    for (let i = 0; i < n; i++) sharp[i * n] = 1e-3; // faint first column
    sharp[50 * n + 41] = 0.9;
    const t = maxPoolTile(sharp, n, { row0: 0, row1: n, col0: 0, col1: n, stride: 16 });
    assert.equal(t[3 * 4 + 2], Math.fround(0.9));
  });

  it('says which pooled cells are wholly masked', () => {
    const r = { row0: 0, row1: 10, col0: 0, col1: 10, stride: 3 }; // pooled rows end at 2, 5, 8, 9
    assert.equal(pooledCellMasked(r, 0, 0), false);
    assert.equal(pooledCellMasked(r, 0, 1), true); // columns 3.. after row 2
    assert.equal(pooledCellMasked(r, 2, 2), false); // row 8 reaches column 6
    assert.equal(pooledCellMasked(r, 2, 3), true); // column 9 after row 8
    assert.equal(pooledCellMasked(r, 3, 3), false); // row 9, column 9: the diagonal
  });

  it('refuses rects outside the matrix or too large, by name', () => {
    assert.match(tileProblem({ row0: 0, row1: 38, col0: 0, col1: 5, stride: 1 }, T) ?? '', /rows \[0, 38\)/);
    assert.match(tileProblem({ row0: 4, row1: 4, col0: 0, col1: 5, stride: 1 }, T) ?? '', /rows/);
    assert.match(tileProblem({ row0: 0, row1: 5, col0: -1, col1: 5, stride: 1 }, T) ?? '', /columns/);
    assert.match(tileProblem({ row0: 0, row1: 5, col0: 0, col1: 5, stride: 0 }, T) ?? '', /stride 0/);
    assert.match(tileProblem({ row0: 0, row1: 5, col0: 0, col1: 5.5, stride: 1 }, T) ?? '', /integers/);
    const big = 1 << 11;
    assert.match(tileProblem({ row0: 0, row1: big, col0: 0, col1: big, stride: 1 }, big) ?? '', new RegExp(`limit of ${MAX_TILE_CELLS}`));
    assert.equal(tileProblem({ row0: 0, row1: big, col0: 0, col1: big, stride: 2 }, big), undefined);
    assert.throws(() => maxPoolTile(m, T, { row0: 0, row1: 5, col0: 0, col1: 40, stride: 1 }), RangeError);
  });
});

describe('MatrixTiles (the host pools band by band)', () => {
  it('gives the same tile as pooling at once, over several bands, and keeps it', async () => {
    const T = 2048; // 4M cells: two bands of 2M
    const m = causal(T, 9);
    let asked = 0;
    const tiles = new MatrixTiles(async () => (asked++, m), T);
    const r = { row0: 0, row1: T, col0: 0, col1: T, stride: 1 };
    const got = await tiles.tile({ kind: 'head', layer: 0, head: 0 }, { ...r, stride: 7 });
    assert.deepEqual(got, maxPoolTile(m, T, { ...r, stride: 7 }));
    const win = await tiles.tile({ kind: 'head', layer: 0, head: 0 }, { row0: 1000, row1: 1100, col0: 950, col1: 1050, stride: 1 });
    assert.deepEqual(win, maxPoolTile(m, T, { row0: 1000, row1: 1100, col0: 950, col1: 1050, stride: 1 }));
    assert.equal(await tiles.tile({ kind: 'head', layer: 0, head: 0 }, { ...r, stride: 7 }), got, 'kept');
    assert.equal(asked, 2);
  });

  it('stops between bands when cancelled, and names a bad rect', async () => {
    const T = 2048;
    const tiles = new MatrixTiles(async () => new Float32Array(T * T), T);
    const stop = new AbortController();
    const p = tiles.tile({ kind: 'layerMean', layer: 1 }, { row0: 0, row1: T, col0: 0, col1: T, stride: 2 }, stop.signal);
    stop.abort();
    await assert.rejects(p, (e: unknown) => e instanceof EngineError && e.code === 'CANCELLED');
    await assert.rejects(tiles.tile({ kind: 'layerMean', layer: 1 }, { row0: 0, row1: T + 1, col0: 0, col1: 4, stride: 1 }), (e: unknown) => e instanceof EngineError && e.code === 'BAD_ARGUMENT' && /rows/.test(e.message));
  });
});

describe('AnalysisRun: one matrix asked by several at once', () => {
  it('asks the engine once (the overview tile, the window tile and the editor row of a newly opened head at long T)', async () => {
    const T = 8;
    let asked = 0;
    const engine = {
      attention: async (): Promise<Float32Array> => {
        asked++;
        await new Promise((r) => setTimeout(r, 5));
        return causal(T, 4);
      },
      release: async (): Promise<void> => undefined,
    };
    const summary = { runId: 1, T, nLayer: 2, nHead: 2 } as unknown as ConstructorParameters<typeof AnalysisRun>[1];
    const run = new AnalysisRun(engine as unknown as ConstructorParameters<typeof AnalysisRun>[0], summary);
    const head = { kind: 'head', layer: 1, head: 0 } as const;
    const [a, b, row] = await Promise.all([run.matrix(head), run.tiles.tile(head, { row0: 0, row1: T, col0: 0, col1: T, stride: 3 }), run.row(head, 5)]);
    assert.equal(asked, 1);
    assert.deepEqual(b, maxPoolTile(a, T, { row0: 0, row1: T, col0: 0, col1: T, stride: 3 }));
    assert.deepEqual(row, a.slice(5 * T, 6 * T));
    await run.matrix(head);
    assert.equal(asked, 1, 'then kept');
  });
});
