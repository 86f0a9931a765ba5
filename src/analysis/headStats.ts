// Per-head statistics of one layer's attention, the numbers interpretability work uses to name
// heads: previous-token heads, induction heads, attention sinks, and how spread out a head looks.
// Pure functions over plain arrays. `att` is [H, T, T] row-major (att[(h*T + t)*T + s] is how much
// query t attends to key s), causal and post-softmax. A score with no position to average over is NaN.
import { mulberry32 } from '../shared/mulberry32';

export interface HeadSummary {
  layer: number;
  head: number;
  prevToken: number;
  induction: number;
  sink: number;
  /** Mean row entropy in bits. */
  entropy: number;
}

function check(att: ArrayLike<number>, H: number, T: number): void {
  if (!Number.isInteger(H) || !Number.isInteger(T) || H < 0 || T < 0 || att.length !== H * T * T) {
    throw new RangeError(`attention has ${att.length} values, expected H·T·T = ${H}·${T}·${T}`);
  }
}

/** Mean over query positions t in `queries` of att[h, t, target(t)], per head. */
function meanAt(att: ArrayLike<number>, H: number, T: number, queries: number[], target: (t: number) => number): number[] {
  const out: number[] = [];
  for (let h = 0; h < H; h++) {
    if (queries.length === 0) {
      out.push(NaN);
      continue;
    }
    let sum = 0;
    for (const t of queries) sum += att[(h * T + t) * T + target(t)];
    out.push(sum / queries.length);
  }
  return out;
}

const range = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);

/** Per head: mean over queries t ≥ 1 of the attention to the previous token, att[h, t, t-1]. */
export function previousTokenScore(att: ArrayLike<number>, H: number, T: number): number[] {
  check(att, H, T);
  return meanAt(att, H, T, range(1, T), (t) => t - 1);
}

/** Per head: mean over queries t ≥ 1 of the attention to the first position, att[h, t, 0]. */
export function firstTokenSinkScore(att: ArrayLike<number>, H: number, T: number): number[] {
  check(att, H, T);
  return meanAt(att, H, T, range(1, T), () => 0);
}

/**
 * Per head: for every query t whose token occurred before at some j with j + 1 < t (the latest such
 * j), the attention to j + 1 — the token that followed the earlier occurrence — averaged over those
 * queries. On `makeRepeatedRandomTokens(n, …)` (T = 2n) these are the queries of the second half,
 * and t attends to t − n + 1.
 */
export function inductionScore(att: ArrayLike<number>, H: number, T: number, ids: readonly number[]): number[] {
  check(att, H, T);
  if (ids.length < T) throw new RangeError(`${ids.length} token ids for T = ${T}`);
  const latest = new Map<number, number>();
  const queries: number[] = [];
  const targets = new Map<number, number>();
  for (let t = 2; t < T; t++) {
    latest.set(ids[t - 2], t - 2); // positions ≤ t − 2 are the candidates j
    const j = latest.get(ids[t]);
    if (j !== undefined) {
      queries.push(t);
      targets.set(t, j + 1);
    }
  }
  return meanAt(att, H, T, queries, (t) => targets.get(t)!);
}

/**
 * Per head: for every query t whose token occurred before (some j < t with ids[j] = ids[t]), the
 * attention summed over all those earlier occurrences, averaged over such queries. A head that
 * puts all its weight on earlier copies of the current token scores 1.
 */
export function duplicateTokenScore(att: ArrayLike<number>, H: number, T: number, ids: readonly number[]): number[] {
  check(att, H, T);
  if (ids.length < T) throw new RangeError(`${ids.length} token ids for T = ${T}`);
  const seen = new Map<number, number[]>(); // id → its positions so far
  const earlier: number[][] = []; // per query: the earlier positions of its token ([] when none)
  for (let t = 0; t < T; t++) {
    const at = seen.get(ids[t]);
    earlier.push(at ? at.slice() : []);
    if (at) at.push(t);
    else seen.set(ids[t], [t]);
  }
  const queries = range(0, T).filter((t) => earlier[t].length > 0);
  const out: number[] = [];
  for (let h = 0; h < H; h++) {
    if (queries.length === 0) {
      out.push(NaN);
      continue;
    }
    let sum = 0;
    for (const t of queries) for (const j of earlier[t]) sum += att[(h * T + t) * T + j];
    out.push(sum / queries.length);
  }
  return out;
}

/**
 * Per head: the mean attention distance in tokens, the mean over queries t ≥ 1 of Σ_s att[h,t,s]·(t − s).
 * 0 for a head that looks only at itself, 1 for a previous-token head; a uniform causal head scores
 * about T/4. Smaller is more local.
 */
export function meanAttentionDistance(att: ArrayLike<number>, H: number, T: number): number[] {
  check(att, H, T);
  const out: number[] = [];
  for (let h = 0; h < H; h++) {
    if (T < 2) {
      out.push(NaN);
      continue;
    }
    let sum = 0;
    for (let t = 1; t < T; t++) {
      const row = (h * T + t) * T;
      for (let s = 0; s < t; s++) sum += att[row + s] * (t - s);
    }
    out.push(sum / (T - 1));
  }
  return out;
}

/** Per head: the mean over all T query rows of the row's entropy in bits (row t of a uniform causal head: log2(t+1)). */
export function attentionEntropy(att: ArrayLike<number>, H: number, T: number): number[] {
  check(att, H, T);
  const out: number[] = [];
  for (let h = 0; h < H; h++) {
    if (T === 0) {
      out.push(NaN);
      continue;
    }
    let sum = 0;
    for (let t = 0; t < T; t++) {
      const row = (h * T + t) * T;
      let e = 0;
      for (let s = 0; s < T; s++) {
        const p = att[row + s];
        if (p > 0) e -= p * Math.log2(p);
      }
      sum += e;
    }
    out.push(sum / T);
  }
  return out;
}

/**
 * The standard induction test: `n` distinct random ids from [0, vocabSize) (none in `avoid`, e.g.
 * the special tokens), followed by the same `n` ids again. Deterministic for a given seed.
 */
export function makeRepeatedRandomTokens(n: number, vocabSize: number, seed: number, avoid: readonly number[] = []): number[] {
  const banned = new Set(avoid.filter((id) => id >= 0 && id < vocabSize));
  const available = vocabSize - banned.size;
  if (!Number.isInteger(n) || n < 0 || n > available) {
    throw new RangeError(`cannot draw ${n} distinct ids from a vocabulary of ${vocabSize} avoiding ${banned.size}`);
  }
  const rand = mulberry32(seed);
  // Partial Fisher–Yates over all ids (a sparse swap table: the vocabulary can be large); banned
  // ids are skipped as they come up, so n ≤ available ids always suffices.
  const swapped = new Map<number, number>();
  const at = (i: number): number => swapped.get(i) ?? i;
  const first: number[] = [];
  for (let i = 0; first.length < n; i++) {
    const j = i + Math.floor(rand() * (vocabSize - i));
    const id = at(j);
    swapped.set(j, at(i));
    if (!banned.has(id)) first.push(id);
  }
  return [...first, ...first];
}

/** Every statistic for every head of every layer, layer-major. */
export function summarizeHeads(attentions: readonly ArrayLike<number>[], H: number, T: number, ids: readonly number[]): HeadSummary[] {
  const out: HeadSummary[] = [];
  attentions.forEach((att, layer) => {
    const prev = previousTokenScore(att, H, T);
    const induction = inductionScore(att, H, T, ids);
    const sink = firstTokenSinkScore(att, H, T);
    const entropy = attentionEntropy(att, H, T);
    for (let head = 0; head < H; head++) {
      out.push({ layer, head, prevToken: prev[head], induction: induction[head], sink: sink[head], entropy: entropy[head] });
    }
  });
  return out;
}
