// SwiGLU's gate: silu(g)·u = g·σ(g)·u (Llama's MLP before down_proj), with the closed-form backward
// dg = dy·u·σ(g)·(1 + g·(1 − σ(g))), du = dy·g·σ(g): one sigmoid, reused.
import { tf } from '../../engine/backend';
import { customOp } from './customOp';

/** gate | up [N, 2f] (one projection by gate_proj and up_proj stacked) → silu(gate)·up [N, f]. */
export const swigluFused = customOp((gateUp: tf.Tensor2D) => {
  const [N, f2] = gateUp.shape;
  const f = f2 / 2;
  const gate = tf.slice(gateUp, [0, 0], [N, f]); // [N, f]
  const up = tf.slice(gateUp, [0, f], [N, f]); // [N, f]
  const s = tf.sigmoid(gate); // [N, f]
  const silu = tf.mul(gate, s); // [N, f]
  return {
    value: tf.mul(silu, up) as tf.Tensor2D, // [N, f]
    save: [gate, up, s, silu],
    grad: (dy: tf.Tensor2D, [sg, su, ss, ssilu]) => {
      const dsilu = tf.mul(ss, tf.add(tf.mul(sg, tf.sub(1, ss)), 1)); // [N, f] σ·(1 + g·(1 − σ))
      return [tf.concat([tf.mul(tf.mul(dy, su), dsilu), tf.mul(dy, ssilu)], 1)]; // [N, 2f]
    },
  };
});

/** gate [N, f], up [N, f] → silu(gate)·up [N, f]. */
export const swiglu = customOp((gate: tf.Tensor2D, up: tf.Tensor2D) => {
  const s = tf.sigmoid(gate); // [N, f]
  const silu = tf.mul(gate, s); // [N, f]
  return {
    value: tf.mul(silu, up) as tf.Tensor2D, // [N, f]
    save: [gate, up, s, silu],
    grad: (dy: tf.Tensor2D, [sg, su, ss, ssilu]) => {
      const dsilu = tf.mul(ss, tf.add(tf.mul(sg, tf.sub(1, ss)), 1)); // [N, f] σ·(1 + g·(1 − σ))
      return [tf.mul(tf.mul(dy, su), dsilu), tf.mul(dy, ssilu)];
    },
  };
});
