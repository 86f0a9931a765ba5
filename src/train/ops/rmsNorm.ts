// RMSNorm over the last axis (LlamaRMSNorm: x · rsqrt(mean(x²) + eps) · g, no centring, no bias)
// with the closed-form backward dx = r·(ĝ − x̂·mean(ĝ·x̂)), ĝ = dy·g, x̂ = x·r; dg = Σ_rows dy·x̂.
// The forward is the sequence of ops of the engine's rmsNorm (src/engine/norms.ts).
import { tf } from '../../engine/backend';
import { customOp } from './customOp';
import { colSum } from './matmul';

export function rmsNorm(x: tf.Tensor2D, g: tf.Tensor1D, eps: number): tf.Tensor2D {
  const op = customOp((xx: tf.Tensor2D, gg: tf.Tensor1D) => {
    const r = tf.rsqrt(tf.add(tf.mean(tf.square(xx), -1, true), eps)); // [N, 1]
    const xhat = tf.mul(xx, r); // [N, d]
    return {
      value: tf.mul(xhat, gg) as tf.Tensor2D, // [N, d]
      save: [xhat, r, gg],
      grad: (dy: tf.Tensor2D, [sx, sr, sg]) => {
        const gh = tf.mul(dy, sg); // [N, d]
        const dx = tf.mul(tf.sub(gh, tf.mul(sx, tf.mean(tf.mul(gh, sx), -1, true))), sr); // [N, d]
        return [dx, colSum(tf.mul(dy, sx) as tf.Tensor2D)];
      },
    };
  });
  return op(x, g);
}
