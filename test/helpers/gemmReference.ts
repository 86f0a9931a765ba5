// What the GEMM tests (test/unit/gemm*.test.ts) compare our kernel with: a float64 product
// computed here, and deterministic inputs.

/** Deterministic values in [-1, 1). */
export function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

/** a [M × K] · W + bias in float64, W [K × N] row-major (or stored [N × K] when transposed), columns [c0, c1). */
export function reference(a: Float32Array, M: number, w: Float32Array, K: number, N: number, opts: { bias?: Float32Array; transposed?: boolean; columns?: [number, number] }): Float64Array {
  const [c0, c1] = opts.columns ?? [0, N];
  const n = c1 - c0;
  const out = new Float64Array(M * n);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < n; j++) {
      let s = opts.bias ? opts.bias[j] : 0;
      for (let k = 0; k < K; k++) s += a[i * K + k] * (opts.transposed ? w[(c0 + j) * K + k] : w[k * N + c0 + j]);
      out[i * n + j] = s;
    }
  }
  return out;
}

// f32 accumulation over K terms of size ≤ 1: a few ulps of K
export const tol = (K: number): number => 1e-6 * (K + 8);
