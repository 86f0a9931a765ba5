// The numbers of Compare, on plain arrays: attention maps carried onto aligned token groups
// (tokenAlignment.ts), their difference B − A, its mean absolute size per head, the layers and
// heads of two models of different depth paired by relative depth, and per-group surprisal.
import type { AlignedGroup, TokenRange } from './tokenAlignment';

/** The groups compared (tokens on both sides), with each side's token ranges in order. */
export interface PairedRanges {
  /** Index of each compared group in the full alignment. */
  groups: number[];
  a: TokenRange[];
  b: TokenRange[];
}

export function pairedRanges(alignment: readonly AlignedGroup[]): PairedRanges {
  const out: PairedRanges = { groups: [], a: [], b: [] };
  alignment.forEach((g, i) => {
    if (g.a[1] > g.a[0] && g.b[1] > g.b[0]) {
      out.groups.push(i);
      out.a.push(g.a);
      out.b.push(g.b);
    }
  });
  return out;
}

/**
 * One side's attention [T, T] (row = query, column = key) carried onto groups of its tokens:
 * cell (g, h) is the attention the queries of group g pay to the keys of group h, summed over
 * the keys and averaged over the queries, so a row still sums to the share of attention that
 * lands on compared groups. With one token per group it is the map itself. → [G, G]
 */
export function projectAttention(att: Float32Array, T: number, ranges: readonly TokenRange[]): Float32Array {
  const G = ranges.length;
  const out = new Float32Array(G * G); // [G, G]
  const keyGroup = new Int32Array(T).fill(-1); // token → its group, −1 when not compared
  ranges.forEach(([from, to], g) => {
    for (let k = from; k < to; k++) keyGroup[k] = g;
  });
  const row = new Float64Array(G);
  for (let g = 0; g < G; g++) {
    const [from, to] = ranges[g];
    row.fill(0);
    for (let q = from; q < to; q++) {
      const base = q * T;
      for (let k = 0; k <= q && k < T; k++) {
        const h = keyGroup[k];
        if (h >= 0) row[h] += att[base + k];
      }
    }
    const n = to - from;
    for (let h = 0; h < G; h++) out[g * G + h] = row[h] / n;
  }
  return out;
}

/** Both sides' maps on the compared groups and their difference B − A, each [G, G]. */
export interface MapDifference {
  G: number;
  a: Float32Array;
  b: Float32Array;
  diff: Float32Array;
}

/** A's map [Ta, Ta] and B's [Tb, Tb] on the compared groups, and B − A. */
export function differenceOnAligned(a: Float32Array, Ta: number, b: Float32Array, Tb: number, paired: PairedRanges): MapDifference {
  const G = paired.a.length;
  const pa = projectAttention(a, Ta, paired.a); // [G, G]
  const pb = projectAttention(b, Tb, paired.b); // [G, G]
  const diff = new Float32Array(G * G); // [G, G]
  for (let i = 0; i < diff.length; i++) diff[i] = pb[i] - pa[i];
  return { G, a: pa, b: pb, diff };
}

/**
 * Mean of |diff| over the cells a causal model can fill (key group ≤ query group); NaN when there
 * are none (no compared groups).
 */
export function meanAbsDifference(diff: Float32Array, G: number): number {
  let sum = 0;
  for (let g = 0; g < G; g++) for (let h = 0; h <= g; h++) sum += Math.abs(diff[g * G + h]);
  const cells = (G * (G + 1)) / 2;
  return cells > 0 ? sum / cells : NaN;
}

/** A pair of indices compared: layer (or head) `a` of A with `b` of B. */
export interface IndexPair {
  a: number;
  b: number;
}

/**
 * Pairs the layers (or heads) of two models: one to one when the counts are equal; else each index
 * of the shallower one with the index of the deeper one at the same relative depth, measured at the
 * middle of each ((k + ½) / n), so 6 layers against 12 pair 0↔1, 1↔3, …, 5↔11.
 */
export function relativeDepthPairs(nA: number, nB: number): { pairs: IndexPair[]; relative: boolean } {
  if (nA === nB) return { pairs: Array.from({ length: nA }, (_, k) => ({ a: k, b: k })), relative: false };
  const pairs: IndexPair[] = [];
  for (let k = 0; k < Math.min(nA, nB); k++) pairs.push(nA < nB ? { a: k, b: relativeIndex(k, nA, nB) } : { a: relativeIndex(k, nB, nA), b: k });
  return { pairs, relative: true };
}

/** The index of n `nTo` at the relative depth of index k of `nFrom`, both measured at the middle ((k + ½) / n). */
export function relativeIndex(k: number, nFrom: number, nTo: number): number {
  if (nFrom === nTo) return k;
  return Math.min(nTo - 1, Math.floor(((k + 0.5) * nTo) / nFrom));
}

/** One head of A compared with one of B, and how far apart their maps are. */
export interface HeadDifference {
  layerA: number;
  headA: number;
  layerB: number;
  headB: number;
  /** meanAbsDifference of the maps on the compared groups. */
  meanAbsDiff: number;
}

/** Every head pair to compare: layers and heads paired by relativeDepthPairs, layer-major. */
export function headPairs(shapeA: { nLayer: number; nHead: number }, shapeB: { nLayer: number; nHead: number }) {
  const layers = relativeDepthPairs(shapeA.nLayer, shapeB.nLayer);
  const heads = relativeDepthPairs(shapeA.nHead, shapeB.nHead);
  const pairs: Omit<HeadDifference, 'meanAbsDiff'>[] = [];
  for (const l of layers.pairs) for (const h of heads.pairs) pairs.push({ layerA: l.a, headA: h.a, layerB: l.b, headB: h.b });
  return { pairs, layersRelative: layers.relative, headsRelative: heads.relative };
}

/** Largest difference first; NaN last; ties in layer-major order. */
export function sortByDifference(rows: HeadDifference[]): HeadDifference[] {
  const key = (x: number): number => (Number.isNaN(x) ? -Infinity : x);
  return [...rows].sort((x, y) => key(y.meanAbsDiff) - key(x.meanAbsDiff) || x.layerA - y.layerA || x.headA - y.headA);
}

/**
 * Surprisal of each group (bits): the sum over its tokens, i.e. the information of its characters
 * (a character split into byte tokens costs the sum of its bytes). NaN when a token has none
 * (the first token) or the range is empty.
 */
export function groupSurprisal(surprisal: readonly number[], ranges: readonly TokenRange[]): number[] {
  return ranges.map(([from, to]) => {
    if (to <= from) return NaN;
    let s = 0;
    for (let k = from; k < to; k++) s += surprisal[k];
    return s;
  });
}
