// Cross-attention read as an alignment (encoder–decoder models): for a target position, the source
// tokens it attends to most in one layer's head, or the mean over its heads. What the editor
// highlights in the source when the cursor is on a target token, and the links of the panel's
// alignment mode (each target token joined to its top source tokens, as BertViz draws them).
import type { EncDecAnalysis } from '../shared/encdecTypes';

type CrossMaps = Pick<EncDecAnalysis, 'cross' | 'decoderLayers' | 'nHead' | 'T' | 'S'>;

/** A source token a target token attends to, and how much (its weight, 0..1). */
export interface AlignedSource {
  source: number;
  weight: number;
}

function checkIndex(name: string, v: number, n: number): void {
  if (!Number.isInteger(v) || v < 0 || v >= n) throw new RangeError(`${name} ${v} is outside 0..${n - 1}`);
}

/** Target position t's cross-attention over the source in `layer`: head `head`, or the heads' mean for −1 → [S]. */
export function crossRow(a: CrossMaps, layer: number, head: number, t: number): Float32Array {
  const { nHead: H, T, S } = a;
  checkIndex('layer', layer, a.decoderLayers);
  checkIndex('target position', t, T);
  if (head !== -1) checkIndex('head', head, H);
  const at = (h: number): number => ((layer * H + h) * T + t) * S;
  if (head !== -1) return a.cross.slice(at(head), at(head) + S);
  const out = new Float32Array(S); // [S]
  for (let h = 0; h < H; h++) for (let s = 0; s < S; s++) out[s] += a.cross[at(h) + s] / H;
  return out;
}

/**
 * The `k` heaviest sources of a row, heaviest first (ties: the earlier source), each at least
 * `minWeight`: a target token that spreads its attention thin links to fewer.
 */
export function topSources(row: ArrayLike<number>, k: number, minWeight = 0): AlignedSource[] {
  const order = Array.from({ length: row.length }, (_, s) => s).sort((x, y) => row[y] - row[x] || x - y);
  return order.slice(0, k).filter((s) => row[s] >= minWeight).map((s) => ({ source: s, weight: row[s] }));
}

/** Every target position's top `k` sources in `layer` (head, or −1 for the mean): the alignment mode's links. */
export function alignmentLinks(a: CrossMaps, layer: number, head: number, k: number, minWeight = 0): AlignedSource[][] {
  return Array.from({ length: a.T }, (_, t) => topSources(crossRow(a, layer, head, t), k, minWeight));
}

/** The target token (index into analysis.target) at document offset `offset` of the target text; undefined off every token. */
export function targetTokenAt(a: Pick<EncDecAnalysis, 'target'>, offset: number): number | undefined {
  let found: number | undefined;
  a.target.forEach((t, i) => {
    if (t.end > t.start && t.start <= offset && offset <= t.end) found ??= i;
  });
  return found;
}
