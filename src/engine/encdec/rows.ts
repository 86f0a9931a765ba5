// Row-wise layers on plain [T × n] arrays for the encoder–decoder families: LayerNorm (Marian),
// T5's LayerNorm (RMS without the mean: norms.ts's rmsNormRow), the feed-forward activations, and
// the column slices that split a fused q | k | v product. Sums run in float64.
import { rmsNormRow } from '../norms';
import { layerNormRow, type LayerNormArrays } from '../rowLayers';
import type { EncDecActivation } from './encdecConfig';

/** LayerNorm (torch's, biased variance) of every row of x [T × d]. */
export function layerNormRows(x: Float32Array, T: number, p: LayerNormArrays, eps: number): Float32Array {
  const d = p.weight.length;
  const out = new Float32Array(T * d); // [T × d]
  for (let t = 0; t < T; t++) out.set(layerNormRow(x.subarray(t * d, (t + 1) * d), p, eps), t * d);
  return out;
}

/** T5LayerNorm of every row of x [T × d]: x · rsqrt(mean(x²) + eps) · weight (no mean, no bias). */
export function t5NormRows(x: Float32Array, T: number, weight: Float32Array, eps: number): Float32Array {
  const d = weight.length;
  const out = new Float32Array(T * d); // [T × d]
  for (let t = 0; t < T; t++) out.set(rmsNormRow(x.subarray(t * d, (t + 1) * d), weight, eps), t * d);
  return out;
}

/** a + b, in place in a. */
export function addInPlace(a: Float32Array, b: Float32Array): Float32Array {
  for (let i = 0; i < a.length; i++) a[i] += b[i];
  return a;
}

/**
 * erf(x) by the Chebyshev fit of Numerical Recipes' erfc (fractional error below 1.2e-7): exact
 * GELU without tfjs (these layers run on plain arrays).
 */
function erf(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const erfc = t * Math.exp(poly);
  return x >= 0 ? 1 - erfc : erfc - 1;
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** The activation, in place. */
export function activateInPlace(kind: EncDecActivation, x: Float32Array): Float32Array {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    switch (kind) {
      case 'relu':
        x[i] = v > 0 ? v : 0;
        break;
      case 'silu':
        x[i] = v / (1 + Math.exp(-v));
        break;
      case 'gelu':
        x[i] = 0.5 * v * (1 + erf(v * Math.SQRT1_2));
        break;
      case 'gelu_new':
        x[i] = 0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v)));
        break;
    }
  }
  return x;
}

/** Columns [c0, c0 + n) of every row of a [T × W] array → [T × n]. */
export function columns(a: Float32Array, T: number, W: number, c0: number, n: number): Float32Array {
  const out = new Float32Array(T * n); // [T × n]
  for (let t = 0; t < T; t++) out.set(a.subarray(t * W + c0, t * W + c0 + n), t * n);
  return out;
}
