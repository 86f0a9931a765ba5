// Aggregates of attention over heads and layers, on plain row-major arrays.
//
// Attention rollout (Abnar & Zuidema, 2020, "Quantifying Attention Flow in Transformers"):
// per layer, average the heads, add the identity for the residual connection and renormalise
// each row: Ã = rownorm(mean_h A_h + I). Then multiply through the layers:
// R_0 = Ã_0, R_l = Ã_l · R_{l−1}. R_l[i][j] is how much position i's representation after block l
// draws on input token j. Causal (lower-triangular) matrices stay lower-triangular, so the
// products only visit j ≤ k ≤ i.

/** Mean over heads: `att` is one layer [H × T × T]; returns [T × T]. */
export function meanOverHeads(att: Float32Array, nHead: number, T: number): Float32Array {
  const tt = T * T;
  if (att.length !== nHead * tt) throw new RangeError(`expected ${nHead}×${T}×${T} values, got ${att.length}`);
  const out = new Float32Array(tt); // [T × T]
  for (let h = 0; h < nHead; h++) {
    const off = h * tt;
    for (let i = 0; i < tt; i++) out[i] += att[off + i];
  }
  for (let i = 0; i < tt; i++) out[i] /= nHead;
  return out;
}

/** Ã = rownorm(A + I) for one [T × T] head-mean matrix. */
export function withResidual(mean: Float32Array, T: number): Float32Array {
  const out = new Float32Array(T * T); // [T × T]
  for (let i = 0; i < T; i++) {
    let sum = 0;
    for (let j = 0; j < T; j++) {
      const v = mean[i * T + j] + (i === j ? 1 : 0);
      out[i * T + j] = v;
      sum += v;
    }
    if (sum > 0) for (let j = 0; j < T; j++) out[i * T + j] /= sum;
  }
  return out;
}

/**
 * One rollout step: Ã_l · R_{l−1} for lower-triangular [T × T] matrices (entries above the
 * diagonal are ignored, as a causal mask guarantees they are 0).
 */
export function rolloutStep(aTilde: Float32Array, prev: Float32Array, T: number): Float32Array {
  const out = new Float32Array(T * T); // [T × T]
  for (let i = 0; i < T; i++) {
    const rowA = i * T;
    for (let k = 0; k <= i; k++) {
      const a = aTilde[rowA + k];
      if (a === 0) continue;
      const rowP = k * T;
      for (let j = 0; j <= k; j++) out[rowA + j] += a * prev[rowP + j];
    }
  }
  return out;
}

/**
 * Rollout after each layer: element l is R_l. `layerMeans[l]` is layer l's head mean [T × T]
 * (see meanOverHeads). `upTo` (inclusive) stops early.
 */
export function attentionRollout(layerMeans: readonly Float32Array[], T: number, upTo = layerMeans.length - 1): Float32Array[] {
  const out: Float32Array[] = [];
  let prev: Float32Array | undefined;
  for (let l = 0; l <= upTo && l < layerMeans.length; l++) {
    const a = withResidual(layerMeans[l], T);
    prev = prev ? rolloutStep(a, prev, T) : a;
    out.push(prev);
  }
  return out;
}
