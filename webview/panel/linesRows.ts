// Which tokens the lines view lists on each side. Up to LONG_T tokens: every token on both sides.
// From LONG_T on (thousands of rows would not fit a canvas, nor be read): on the left the queries
// around the selected one, on the right only the top-k keys it attends to most, in text order, so
// the view stays one screen high and its lines stay few.
import { LONG_T } from '../../src/shared/protocol';

/** Keys listed at long T. */
export const TOP_K = 24;

export interface LinesRows {
  /** Token indices on the left (queries), top to bottom. */
  left: number[];
  /** Token indices on the right (keys), top to bottom. */
  right: number[];
  /** True when the right side is the query's top-k only. */
  topK: boolean;
}

/** The rows for query `q` of T tokens; `row`: q's weights (T entries), undefined while loading. */
export function linesRows(T: number, q: number, row: ArrayLike<number> | undefined, k = TOP_K): LinesRows {
  if (T < LONG_T) {
    const all = Array.from({ length: T }, (_, i) => i);
    return { left: all, right: all, topK: false };
  }
  const n = Math.min(k, T);
  const from = Math.max(0, Math.min(q - Math.floor(n / 2), T - n));
  const left = Array.from({ length: n }, (_, i) => from + i);
  if (!row) return { left, right: [], topK: true };
  // the k largest weights among keys 0..q (ties: the earlier key), then in text order
  const keys = Array.from({ length: q + 1 }, (_, j) => j)
    .sort((a, b) => row[b] - row[a] || a - b)
    .slice(0, n)
    .sort((a, b) => a - b);
  return { left, right: keys, topK: true };
}
