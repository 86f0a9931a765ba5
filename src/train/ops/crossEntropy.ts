// Σ_n w_n·(−log p(target_n)) with p = softmax(logits), and its closed-form gradient
// (p − onehot)·w. The forward uses the wasm backend's fused Softmax kernel (one pass) instead of
// logSoftmax's six ops, and recovers log p(target) without underflow from
// log p_t = x_t − max(x) + log(max(p)) (since max(p) = 1/Σ exp(x − max x)).
import { tf } from '../../engine/backend';
import { customOp } from './customOp';

/** logits [N, V], onehot [N, V] (constant), w [N, 1] (constant) → scalar loss sum. */
export function crossEntropySum(logits: tf.Tensor2D, onehot: tf.Tensor2D, w: tf.Tensor2D): tf.Scalar {
  const op = customOp((x: tf.Tensor2D) => {
    const p = tf.softmax(x); // [N, V]
    const xt = tf.sum(tf.mul(x, onehot), -1, true); // [N, 1]
    const logpt = tf.add(tf.sub(xt, tf.max(x, -1, true)), tf.log(tf.max(p, -1, true))); // [N, 1]
    return {
      value: tf.neg(tf.sum(tf.mul(logpt, w))) as tf.Scalar,
      save: [p],
      grad: (dy: tf.Scalar, [sp]) => [tf.mul(tf.mul(tf.sub(sp, onehot), w), dy)], // [N, V]
    };
  });
  return op(logits);
}
