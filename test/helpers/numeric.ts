// Numeric comparison with named tolerances: reports the path and index of the first mismatch.
import * as assert from 'assert';

/** Absolute tolerances, named after what they compare. */
export const TOL = {
  /** Logits against the PyTorch/numpy reference and KV-cache vs full forward. */
  logits: 1e-4,
  /** Post-softmax attention weights against the reference. */
  attention: 1e-5,
  /** Reassembling a block's internals (residual stream identities) within one pass. */
  residual: 1e-5,
  /** A probability row summing to 1. */
  probSum: 1e-5,
  /** log-probabilities recomputed from a forward pass. */
  logprob: 1e-4,
} as const;

/** "[i, j, k]" for flat index `i` in a row-major array of `shape`. */
export function indexPath(flat: number, shape?: readonly number[]): string {
  if (!shape || shape.length === 0) return `[${flat}]`;
  const idx: number[] = [];
  let rest = flat;
  for (let a = shape.length - 1; a >= 0; a--) {
    idx.unshift(rest % shape[a]);
    rest = Math.floor(rest / shape[a]);
  }
  return `[${idx.join(', ')}]`;
}

export interface Mismatch {
  index: number;
  path: string;
  actual: number;
  expected: number;
}

/**
 * First index where |actual − expected| > atol (equal infinities match; NaN never does), or
 * undefined. A length difference is reported at the first missing index.
 */
export function firstMismatch(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  atol: number,
  shape?: readonly number[],
): Mismatch | undefined {
  const n = Math.max(actual.length, expected.length);
  for (let i = 0; i < n; i++) {
    const a = actual[i];
    const e = expected[i];
    const ok = a === e || Math.abs(a - e) <= atol;
    if (!ok) return { index: i, path: indexPath(i, shape), actual: a, expected: e };
  }
  return undefined;
}

/** Largest finite |actual − expected| (for messages). */
export function maxAbsDiff(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < Math.min(actual.length, expected.length); i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (Number.isFinite(d) && d > m) m = d;
  }
  return m;
}

/** Asserts element-wise closeness; the message names `what`, the first bad index and the max diff. */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  atol: number,
  what: string,
  shape?: readonly number[],
): void {
  if (shape) {
    const size = shape.reduce((a, b) => a * b, 1);
    assert.strictEqual(expected.length, size, `${what}: expected holds ${expected.length} values, shape [${shape}] needs ${size}`);
  }
  if (actual.length !== expected.length) {
    assert.fail(`${what}: length ${actual.length}, expected ${expected.length}`);
  }
  const m = firstMismatch(actual, expected, atol, shape);
  if (m) {
    assert.fail(
      `${what}${m.path}: got ${m.actual}, expected ${m.expected} (|diff| ${Math.abs(m.actual - m.expected)} > ${atol}; ` +
        `max |diff| ${maxAbsDiff(actual, expected)})`,
    );
  }
}

/** Rows of a row-major matrix [rows × cols] as subarrays. */
export function rowOf(data: Float32Array, cols: number, row: number): Float32Array {
  return data.subarray(row * cols, (row + 1) * cols);
}
