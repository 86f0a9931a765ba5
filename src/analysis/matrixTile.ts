// A tile of a [T × T] attention matrix, max-pooled: what the panel's level-of-detail matrix view
// asks for at long T instead of the whole map (16M cells at T = 4,096). Max rather than mean, so a
// sharp weight on one key stays as bright in the overview as it is at full resolution.

import { tileProblem, tileShape, type TileRect } from '../shared/tileRect';

/**
 * Max-pools source rows [from, to) (absolute, inside [r.row0, r.row1)) of `m` [T × T] into `out`
 * [rows × cols] (tileShape): pooled cell (a, b) is the max over rows row0 + a·stride … and columns
 * col0 + b·stride …, clipped at row1 and col1. Only keys j ≤ i are read (the rest are masked, 0);
 * `out` must start at 0. Called band by band, so that a caller can yield between bands.
 */
export function maxPoolRows(m: Float32Array, T: number, r: TileRect, out: Float32Array, from: number, to: number): void {
  const { cols } = tileShape(r);
  const s = r.stride;
  for (let i = from; i < to; i++) {
    const base = i * T; // row i of m
    const o = Math.floor((i - r.row0) / s) * cols; // its pooled row in out
    const jEnd = Math.min(r.col1, i + 1); // causal: keys after the query are masked
    for (let b = 0, j0 = r.col0; j0 < jEnd; b++, j0 += s) {
      const j1 = Math.min(j0 + s, jEnd);
      let v = out[o + b];
      for (let j = j0; j < j1; j++) if (m[base + j] > v) v = m[base + j];
      out[o + b] = v;
    }
  }
}

/** The whole tile at once: [rows × cols] (tileShape). Throws a RangeError for a bad rect. */
export function maxPoolTile(m: Float32Array, T: number, r: TileRect): Float32Array {
  const problem = tileProblem(r, T);
  if (problem) throw new RangeError(problem);
  const { rows, cols } = tileShape(r);
  const out = new Float32Array(rows * cols); // [rows × cols]
  maxPoolRows(m, T, r, out, r.row0, r.row1);
  return out;
}
