// matMul whose backward never asks the wasm backend for a transposed operand: its BatchMatMul runs
// a plain a @ b with batch 1 through XNNPACK (15–40 GFLOP/s) but anything transposed or batched
// through a naive loop (1–2 GFLOP/s). So the backward transposes explicitly, then multiplies.
import { tf } from '../../engine/backend';
import { customOp } from './customOp';

/** a [M, K] @ b [K, N] → [M, N]. */
export const mm = customOp((a: tf.Tensor2D, b: tf.Tensor2D) => ({
  value: tf.matMul(a, b) as tf.Tensor2D, // [M, N]
  save: [a, b],
  grad: (dy: tf.Tensor2D, [sa, sb]) => [
    tf.matMul(dy, tf.transpose(sb as tf.Tensor2D)), // [M, K]
    tf.matMul(tf.transpose(sa as tf.Tensor2D), dy), // [K, N]
  ],
}));

/** h [M, K] @ wᵀ for w [N, K] (the tied LM head): → [M, N]; dW comes out as [N, K] directly. */
export const mmT = customOp((h: tf.Tensor2D, w: tf.Tensor2D) => ({
  value: tf.matMul(h, tf.transpose(w)) as tf.Tensor2D, // [M, N]
  save: [h, w],
  grad: (dy: tf.Tensor2D, [sh, sw]) => [
    tf.matMul(dy, sw as tf.Tensor2D), // [M, K]
    // (hᵀ·dy)ᵀ: transposing the small [K, N] product is ~2× cheaper than transposing dy [M, N].
    tf.transpose(tf.matMul(tf.transpose(sh as tf.Tensor2D), dy)), // [N, K]
  ],
}));

/** Batched: a [B, H, M, K] @ b [B, H, K, N] (the reference attention; slow on wasm). */
export const bmm = customOp((a: tf.Tensor4D, b: tf.Tensor4D) => ({
  value: tf.matMul(a, b) as tf.Tensor4D,
  save: [a, b],
  grad: (dy: tf.Tensor4D, [sa, sb]) => [
    tf.matMul(dy, tf.transpose(sb, [0, 1, 3, 2]) as tf.Tensor4D),
    tf.matMul(tf.transpose(sa, [0, 1, 3, 2]) as tf.Tensor4D, dy),
  ],
}));

/** x [M, N] + b [N]; db = 1ᵀ·dy as a matMul (wasm reduces axis 0 by transposing first). */
export const addBias = customOp((x: tf.Tensor2D, b: tf.Tensor1D) => ({
  value: tf.add(x, b) as tf.Tensor2D, // [M, N]
  save: [],
  grad: (dy: tf.Tensor2D) => [dy, colSum(dy)],
}));

/** Σ over rows of x [M, N] → [N], through XNNPACK. */
export function colSum(x: tf.Tensor2D): tf.Tensor1D {
  return tf.reshape(tf.matMul(tf.ones([1, x.shape[0]]) as tf.Tensor2D, x), [x.shape[1]]); // [N]
}
