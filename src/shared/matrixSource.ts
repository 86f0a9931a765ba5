// Which T × T matrix the panel shows (one head, a layer's mean over heads, the rollout), how it is
// checked when it arrives from the webview, keyed for caches and labelled.

/** Which T × T matrix: one head, the mean over a layer's heads, or the rollout up to a layer. */
export type MatrixSource =
  | { kind: 'head'; layer: number; head: number }
  | { kind: 'layerMean'; layer: number }
  | { kind: 'rollout'; layer: number };

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;
const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x);

/** True for a well-formed MatrixSource (the host checks bounds against the run separately). */
export function isMatrixSource(x: unknown): x is MatrixSource {
  if (!isObject(x) || !isInt(x.layer) || x.layer < 0) return false;
  if (x.kind === 'head') return isInt(x.head) && x.head >= 0;
  return x.kind === 'layerMean' || x.kind === 'rollout';
}

/** A short human label for a matrix source, e.g. "L3 · H7", "L3 · mean", "rollout ≤ L3". */
export function sourceLabel(s: MatrixSource): string {
  switch (s.kind) {
    case 'head':
      return `Layer ${s.layer} · Head ${s.head}`;
    case 'layerMean':
      return `Layer ${s.layer} · mean of heads`;
    case 'rollout':
      return `Rollout through layer ${s.layer}`;
  }
}

/** A stable key for caching matrices by source. */
export function sourceKey(s: MatrixSource): string {
  return s.kind === 'head' ? `h:${s.layer}:${s.head}` : `${s.kind === 'layerMean' ? 'm' : 'r'}:${s.layer}`;
}
