// gelu_new, 0.5·x·(1 + tanh(u)), u = √(2/π)·(x + 0.044715·x³), with the closed-form derivative
// 0.5·(1 + t) + 0.5·x·(1 − t²)·√(2/π)·(1 + 3·0.044715·x²), t = tanh(u): one tanh, reused.
import { tf } from '../../engine/backend';
import { customOp } from './customOp';

const C = Math.sqrt(2 / Math.PI);
const A = 0.044715;

export const geluNew = customOp((x: tf.Tensor) => {
  const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), A)), C);
  const t = tf.tanh(inner);
  return {
    value: tf.mul(tf.mul(x, 0.5), tf.add(t, 1)),
    save: [x, t],
    grad: (dy: tf.Tensor, [sx, st]) => {
      const x2 = tf.square(sx);
      const du = tf.mul(tf.add(tf.mul(x2, 3 * A * C), C), tf.mul(sx, 0.5)); // ½x·du/dx
      const dgelu = tf.add(tf.mul(tf.add(st, 1), 0.5), tf.mul(du, tf.sub(1, tf.square(st))));
      return [tf.mul(dy, dgelu)];
    },
  };
});
