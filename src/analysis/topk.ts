// Top-k over a row of logits, and the softmax helpers the analysis needs. Pure functions over
// plain arrays: no tensors here.
import type { TopPredictions } from '../shared/sessionTypes';

/** The k best entries of a row, best first. */
export interface TopK {
  ids: number[];
  values: number[];
}

/**
 * The `k` largest values of `data[offset .. offset+length)`, best first; ties keep the lower index
 * first. NaN entries are skipped. O(length + k·(number of improvements)).
 */
export function topK(data: ArrayLike<number>, k: number, offset = 0, length = data.length - offset): TopK {
  const n = Math.max(0, Math.min(k, length));
  const ids: number[] = [];
  const values: number[] = [];
  if (n === 0) return { ids, values };
  for (let i = 0; i < length; i++) {
    const v = data[offset + i];
    if (Number.isNaN(v)) continue;
    if (values.length === n && v <= values[n - 1]) continue;
    // Insertion into the sorted (descending) list; the list is short.
    let j = values.length < n ? values.length : n - 1;
    while (j > 0 && values[j - 1] < v) {
      if (j < n) {
        values[j] = values[j - 1];
        ids[j] = ids[j - 1];
      }
      j--;
    }
    values[j] = v;
    ids[j] = i;
  }
  return { ids, values };
}

/** log Σ exp(row) over `data[offset .. offset+length)`, computed stably. */
export function logSumExp(data: ArrayLike<number>, offset = 0, length = data.length - offset): number {
  let max = -Infinity;
  for (let i = 0; i < length; i++) if (data[offset + i] > max) max = data[offset + i];
  if (max === -Infinity) return -Infinity;
  if (max === Infinity) return Infinity;
  let sum = 0;
  for (let i = 0; i < length; i++) sum += Math.exp(data[offset + i] - max);
  return max + Math.log(sum);
}

/**
 * The top-k of softmax(row) for the row `row` of a [rows × width] logits matrix: ids, probabilities
 * and (through `decode`) texts. `lse`, the row's logSumExp, is computed when not given.
 */
export function topKSoftmax(
  logits: ArrayLike<number>,
  width: number,
  row: number,
  k: number,
  decode: (id: number) => string,
  lse = logSumExp(logits, row * width, width),
): TopPredictions {
  const offset = row * width;
  const best = topK(logits, k, offset, width);
  return {
    ids: best.ids,
    probs: best.values.map((v) => Math.exp(v - lse)),
    texts: best.ids.map((id) => decode(id)),
  };
}
