// Downsampling a [T × T] attention matrix to a small [S × S] thumbnail for the model overview.

/**
 * Mean-pools `m` [T × T] into [S × S] cells, S = min(size, T). Cell (r, c) averages rows
 * ⌊r·T/S⌋..⌊(r+1)·T/S⌋−1 and the same range of columns. Returns the pooled cells and S.
 */
export function poolMatrix(m: Float32Array, T: number, size: number): { data: Float32Array; size: number } {
  const S = Math.max(1, Math.min(size, T));
  const out = new Float32Array(S * S); // [S × S]
  if (S === T) {
    out.set(m.subarray(0, T * T));
    return { data: out, size: S };
  }
  const bounds = new Int32Array(S + 1);
  for (let i = 0; i <= S; i++) bounds[i] = Math.floor((i * T) / S);
  for (let r = 0; r < S; r++) {
    for (let c = 0; c < S; c++) {
      let sum = 0;
      for (let i = bounds[r]; i < bounds[r + 1]; i++) {
        const row = i * T;
        for (let j = bounds[c]; j < bounds[c + 1]; j++) sum += m[row + j];
      }
      out[r * S + c] = sum / ((bounds[r + 1] - bounds[r]) * (bounds[c + 1] - bounds[c]));
    }
  }
  return { data: out, size: S };
}

/**
 * poolMatrix for a causal map (nothing above the diagonal), written into out[at … at + S²): the
 * same cells, skipping the zeros above the diagonal (half the reads). The engine pools each head's
 * map with it as the forward makes it (attention on demand), so the map itself need not be kept.
 */
export function poolCausalInto(m: Float32Array, T: number, size: number, out: Float32Array, at: number): number {
  const S = Math.max(1, Math.min(size, T));
  const bounds = new Int32Array(S + 1);
  for (let i = 0; i <= S; i++) bounds[i] = Math.floor((i * T) / S);
  for (let r = 0; r < S; r++) {
    const r0 = bounds[r];
    const r1 = bounds[r + 1];
    for (let c = 0; c < S; c++) {
      const c0 = bounds[c];
      const c1 = bounds[c + 1];
      let sum = 0;
      if (c0 < r1) {
        for (let i = r0; i < r1; i++) {
          const row = i * T;
          const end = Math.min(c1, i + 1); // keys past the query are 0
          for (let j = c0; j < end; j++) sum += m[row + j];
        }
      }
      out[at + r * S + c] = sum / ((r1 - r0) * (c1 - c0));
    }
  }
  return S;
}
