// RMSNorm (Llama's LlamaRMSNorm): x · rsqrt(mean(x²) + eps) · weight, no centring and no bias —
// on tensors, on one row, and over each head of a q or k row (Qwen3's q_norm / k_norm, applied to
// head_dim values at a time before RoPE). LayerNorm is in layers.ts / rowLayers.ts.
import { tf } from './backend';

/** RMSNorm over the last axis of x [T, d]. Call inside tf.tidy. */
export function rmsNorm(x: tf.Tensor2D, weight: tf.Tensor1D, eps: number): tf.Tensor2D {
  const meanSquare = tf.mean(tf.square(x), -1, true); // [T, 1]
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(meanSquare, eps))), weight) as tf.Tensor2D; // [T, d]
}

/** RMSNorm's divisor √(mean(x²) + eps) of every row of x [T, d] → [T, 1] (the learner's capture shows it). Call inside tf.tidy. */
export function rootMeanSquare(x: tf.Tensor2D, eps: number): tf.Tensor2D {
  return tf.sqrt(tf.add(tf.mean(tf.square(x), -1, true), eps)) as tf.Tensor2D; // [T, 1]
}

/** RMSNorm of `n` values of `a` from `at`, written to `out` from `outAt` (float64 sums). */
function rmsNormSpan(a: Float32Array, at: number, n: number, weight: Float32Array, eps: number, out: Float32Array, outAt: number): void {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += a[at + i] * a[at + i];
  const inv = 1 / Math.sqrt(sum / n + eps);
  for (let i = 0; i < n; i++) out[outAt + i] = a[at + i] * inv * weight[i];
}

/** RMSNorm of one row [d]. */
export function rmsNormRow(x: Float32Array, weight: Float32Array, eps: number): Float32Array {
  const out = new Float32Array(x.length);
  rmsNormSpan(x, 0, x.length, weight, eps, out, 0);
  return out; // [d]
}

/**
 * In place: RMSNorm over each of heads [h0, h0 + nHeads) (hd values each, weight [hd]) of every
 * row of a row-major [T × W] array whose heads start at column 0.
 */
export function rmsNormHeads(a: Float32Array, T: number, W: number, h0: number, nHeads: number, hd: number, weight: Float32Array, eps: number): void {
  for (let t = 0; t < T; t++) {
    for (let h = h0; h < h0 + nHeads; h++) rmsNormSpan(a, t * W + h * hd, hd, weight, eps, a, t * W + h * hd);
  }
}
