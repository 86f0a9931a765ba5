// Σ_n w_n·(−log p(target_n)) with p = softmax(logits), and its closed-form gradient
// (p − onehot)·w. The forward uses the wasm backend's fused Softmax kernel (one pass) instead of
// logSoftmax's six ops and its second exp in the backward.
import { tf } from '../../engine/backend';
import { customOp } from './customOp';

/** logits [N, V], onehot [N, V] (constant), w [N, 1] (constant) → scalar loss sum. */
export function crossEntropySum(logits: tf.Tensor2D, onehot: tf.Tensor2D, w: tf.Tensor2D): tf.Scalar {
  const op = customOp((x: tf.Tensor2D) => {
    const p = tf.softmax(x); // [N, V]
    const pt = tf.sum(tf.mul(p, onehot), -1, true); // [N, 1]
    // log p_t directly, unless a p_t is so small that float32 lost it (a loss > ~69 nats): then
    // the exact log p_t = x_t − max(x) + log(max(p)), since max(p) = 1/Σ exp(x − max x).
    const tiny = (pt.dataSync() as Float32Array).some((v) => !(v > 1e-30));
    const logpt = tiny
      ? tf.add(tf.sub(tf.sum(tf.mul(x, onehot), -1, true), tf.max(x, -1, true)), tf.log(tf.max(p, -1, true)))
      : tf.log(pt); // [N, 1]
    return {
      value: tf.neg(tf.sum(tf.mul(logpt, w))) as tf.Scalar,
      save: [p],
      grad: (dy: tf.Scalar, [sp]) => [tf.mul(tf.mul(tf.sub(sp, onehot), w), dy)], // [N, V]
    };
  });
  return op(logits);
}
