// LayerNorm over the last axis with the closed-form backward
// dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)), ĝ = dy·γ; dγ = Σ_rows dy·x̂; dβ = Σ_rows dy.
// The forward is the same sequence of ops as the autodiff version.
import { tf } from '../../engine/backend';
import { customOp } from './customOp';
import { colSum } from './matmul';

export function layerNorm(x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D, eps: number): tf.Tensor2D {
  const op = customOp((xx: tf.Tensor2D, gg: tf.Tensor1D, bb: tf.Tensor1D) => {
    const mean = tf.mean(xx, -1, true); // [N, 1]
    const xc = tf.sub(xx, mean); // [N, d]
    const variance = tf.mean(tf.square(xc), -1, true); // [N, 1]
    const rstd = tf.rsqrt(tf.add(variance, eps)); // [N, 1]
    const xhat = tf.mul(xc, rstd); // [N, d]
    return {
      value: tf.add(tf.mul(xhat, gg), bb) as tf.Tensor2D, // [N, d]
      save: [xhat, rstd, gg],
      grad: (dy: tf.Tensor2D, [sx, sr, sg]) => {
        const gh = tf.mul(dy, sg); // [N, d]
        const dx = tf.mul(tf.sub(tf.sub(gh, tf.mean(gh, -1, true)), tf.mul(sx, tf.mean(tf.mul(gh, sx), -1, true))), sr); // [N, d]
        return [dx, colSum(tf.mul(dy, sx) as tf.Tensor2D), colSum(dy)];
      },
    };
  });
  return op(x, g, b);
}
