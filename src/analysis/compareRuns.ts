// Two analysed runs compared, for the panel and the CLI alike: how their tokens align, and every
// head pair ranked by how much its map changed. The maps come through a fetch function (the CLI's
// in-process session, the extension's engine workers), one head at a time, so no more than two
// T × T maps are held at once.
import { differenceOnAligned, headPairs, meanAbsDifference, sortByDifference, type HeadDifference, type PairedRanges } from './compareMaps';
import { alignBySpans, diffTokens, type AlignedGroup } from './tokenAlignment';

/**
 * identical: one tokenization (the same text under two models sharing a tokenizer): token k ↔ k.
 * spans: the same text under two tokenizers, aligned by character spans.
 * diff: two texts under one model, aligned by a diff of the token ids.
 */
export type AlignmentMode = 'identical' | 'spans' | 'diff';

export interface RunTokens {
  id: number;
  start: number;
  end: number;
}

export interface RunAlignment {
  mode: AlignmentMode;
  groups: AlignedGroup[];
}

/** Aligns the tokens of two runs: of one text under two models (`sameText`), or of two texts under one model. */
export function alignRuns(a: readonly RunTokens[], b: readonly RunTokens[], sameText: boolean): RunAlignment {
  if (!sameText) return { mode: 'diff', groups: diffTokens(a.map((t) => t.id), b.map((t) => t.id)) };
  const identical = a.length === b.length && a.every((t, i) => t.id === b[i].id && t.start === b[i].start && t.end === b[i].end);
  if (identical) return { mode: 'identical', groups: a.map((_, i) => ({ kind: 'same', a: [i, i + 1], b: [i, i + 1] })) };
  return { mode: 'spans', groups: alignBySpans(a, b) };
}

export interface RunShape {
  nLayer: number;
  nHead: number;
  T: number;
}

/** One head's attention [T, T] of side A or B. */
export type FetchHead = (layer: number, head: number) => Promise<Float32Array> | Float32Array;

export interface HeadRanking {
  rows: HeadDifference[];
  layersRelative: boolean;
  headsRelative: boolean;
}

/**
 * Every head pair (headPairs) with the mean absolute difference of its maps on the compared
 * groups, largest first. `onProgress(done, total)` after each pair; `signal` stops between pairs.
 */
export async function rankHeads(
  shapeA: RunShape,
  shapeB: RunShape,
  paired: PairedRanges,
  fetchA: FetchHead,
  fetchB: FetchHead,
  opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<HeadRanking> {
  const { pairs, layersRelative, headsRelative } = headPairs(shapeA, shapeB);
  const rows: HeadDifference[] = [];
  for (const p of pairs) {
    opts.signal?.throwIfAborted();
    const [a, b] = await Promise.all([fetchA(p.layerA, p.headA), fetchB(p.layerB, p.headB)]); // [Ta, Ta], [Tb, Tb]
    const d = differenceOnAligned(a, shapeA.T, b, shapeB.T, paired);
    rows.push({ ...p, meanAbsDiff: meanAbsDifference(d.diff, d.G) });
    opts.onProgress?.(rows.length, pairs.length);
  }
  return { rows: sortByDifference(rows), layersRelative, headsRelative };
}
