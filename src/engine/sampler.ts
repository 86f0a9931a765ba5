// Sampling (llama2.c's Sampler): a seeded PRNG, log-softmax, top-k and top-p (nucleus) filters and
// one draw. Pure functions over Float32Array logits; ties always break towards the lowest id so a
// seed fully determines the output.
import { Mulberry32 } from '../shared/mulberry32';

/**
 * The sampler's seeded generator: mulberry32 with its state started at `seed ^ 0x6d2b79f5` (so seed
 * 0 draws what the canonical mulberry32(0x6d2b79f5) draws; every seeded completion depends on it).
 */
export class Rng extends Mulberry32 {
  constructor(seed: number) {
    super((Math.floor(seed) >>> 0) ^ 0x6d2b79f5);
  }
}

export interface SamplerOptions {
  /** 0 (or undefined with no topK/topP) = greedy. */
  temperature?: number;
  topK?: number;
  topP?: number;
}

/** log softmax, computed in float64 then stored as float32. −Infinity logits give −Infinity. */
export function logSoftmax(logits: Float32Array): Float32Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] - max);
  const logZ = max + Math.log(sum);
  const out = new Float32Array(logits.length);
  for (let i = 0; i < logits.length; i++) out[i] = logits[i] - logZ;
  return out;
}

/** Index of the largest logit, the lowest id on ties. */
export function argmax(logits: Float32Array): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}

/**
 * The k-th largest value of `xs` (duplicates counted), as `xs.slice().sort()[n − k]` gives it, in
 * O(n log k): a min-heap of the k largest seen so far. Per token this replaces two sorts of the
 * whole vocabulary (50,257 values for GPT-2), which cost more than a decoding step's bookkeeping.
 */
function kthLargest(xs: Float32Array, k: number): number {
  const heap = new Float64Array(k);
  let size = 0;
  const down = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < size && heap[l] < heap[m]) m = l;
      if (r < size && heap[r] < heap[m]) m = r;
      if (m === i) return;
      const t = heap[i];
      heap[i] = heap[m];
      heap[m] = t;
      i = m;
    }
  };
  for (let n = 0; n < xs.length; n++) {
    const x = xs[n];
    if (size < k) {
      let i = size++;
      heap[i] = x;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (heap[parent] <= heap[i]) break;
        const t = heap[i];
        heap[i] = heap[parent];
        heap[parent] = t;
        i = parent;
      }
    } else if (x > heap[0]) {
      heap[0] = x;
      down(0);
    }
  }
  return heap[0];
}

/** Keeps the k highest logits (exactly k, ties to the lowest ids); the rest become −Infinity. */
export function filterTopK(logits: Float32Array, k: number): Float32Array {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`topK must be a positive integer, got ${k}`);
  if (k >= logits.length) return logits.slice();
  // The k-th largest value, then one pass (ties: lowest ids first).
  const threshold = kthLargest(logits, k);
  const out = new Float32Array(logits.length).fill(-Infinity);
  let above = 0;
  for (let i = 0; i < logits.length; i++) if (logits[i] > threshold) above++;
  let ties = k - above;
  for (let i = 0; i < logits.length; i++) {
    if (logits[i] > threshold || (logits[i] === threshold && ties-- > 0)) out[i] = logits[i];
  }
  return out;
}

/**
 * Nucleus filter: keeps the smallest set of highest-probability ids whose probability mass
 * (softmax of these logits) is ≥ p; the rest become −Infinity. p ≥ 1 keeps everything.
 */
export function filterTopP(logits: Float32Array, p: number): Float32Array {
  if (!(p > 0 && p <= 1)) throw new RangeError(`topP must be in (0, 1], got ${p}`);
  if (p >= 1) return logits.slice();
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  const probs = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += probs[i] = Math.exp(logits[i] - max);
  for (let i = 0; i < logits.length; i++) probs[i] /= sum;
  // Walk the probabilities in descending order (a native typed-array sort) to the value at which
  // the mass reaches p, then keep everything above it and just enough ties, lowest ids first.
  // Only the non-zero ones need sorting (after top-k, 40 of 50,257): zeros add no mass.
  let nonZero = 0;
  for (let i = 0; i < probs.length; i++) if (probs[i] > 0) nonZero++;
  let sorted: Float64Array;
  if (nonZero < probs.length) {
    sorted = new Float64Array(nonZero);
    let j = 0;
    for (let i = 0; i < probs.length; i++) if (probs[i] > 0) sorted[j++] = probs[i];
    sorted.sort();
  } else sorted = probs.slice().sort();
  let mass = 0;
  let threshold = 0;
  let tiesNeeded = 0;
  for (let i = sorted.length - 1; i >= 0; i--) {
    mass += sorted[i];
    if (sorted[i] !== threshold) tiesNeeded = 0;
    threshold = sorted[i];
    tiesNeeded++;
    if (mass >= p) break;
  }
  const out = new Float32Array(logits.length).fill(-Infinity);
  for (let i = 0; i < logits.length; i++) {
    if (probs[i] > threshold || (probs[i] === threshold && tiesNeeded-- > 0)) out[i] = logits[i];
  }
  return out;
}

/** True when these options draw at random rather than take the argmax. */
export function isSampling(opts: SamplerOptions): boolean {
  if (opts.temperature === undefined) return opts.topK !== undefined || opts.topP !== undefined;
  return opts.temperature > 0;
}

/**
 * Picks the next id: greedy argmax when not sampling (see isSampling), else divides by the
 * temperature, filters top-k then top-p, and draws one id with `rng`.
 */
export function sampleNext(logits: Float32Array, opts: SamplerOptions, rng: Rng): number {
  if (logits.length === 0) throw new RangeError('sampleNext needs at least one logit');
  if (opts.temperature !== undefined && !(opts.temperature >= 0)) {
    throw new RangeError(`temperature must be ≥ 0, got ${opts.temperature}`);
  }
  if (!isSampling(opts)) return argmax(logits);
  const temperature = opts.temperature ?? 1;
  let scaled: Float32Array = new Float32Array(logits.length);
  for (let i = 0; i < logits.length; i++) scaled[i] = logits[i] / temperature;
  if (opts.topK !== undefined) scaled = filterTopK(scaled, opts.topK);
  if (opts.topP !== undefined) scaled = filterTopP(scaled, opts.topP);

  let max = -Infinity;
  for (let i = 0; i < scaled.length; i++) if (scaled[i] > max) max = scaled[i];
  // A temperature so small that logits / T overflows float32 is the greedy limit.
  if (!Number.isFinite(max)) return argmax(logits);
  let sum = 0;
  for (let i = 0; i < scaled.length; i++) sum += Math.exp(scaled[i] - max);
  const u = rng.next() * sum;
  let acc = 0;
  let last = -1;
  for (let i = 0; i < scaled.length; i++) {
    if (scaled[i] === -Infinity) continue;
    acc += Math.exp(scaled[i] - max);
    last = i;
    if (u < acc) return i;
  }
  return last; // rounding left u just above the total: the last candidate
}
