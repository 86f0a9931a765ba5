// The reference implementation of the training graph's pieces (autodiff layer norm, RMSNorm, gelu,
// SwiGLU and RoPE, batched-matMul attention, logSoftmax cross-entropy, matMul by a transposed
// weight): the math the fast ops in this folder must reproduce, written the plain way and left to
// tfjs's autodiff. Kept for the equality tests and the A/B benchmark; slower on wasm.
import { tf } from '../../engine/backend';
import { customOp } from './customOp';
import { bmm } from './matmul';

/** Σ −targetW·log softmax(logits), gradient softmax·rowWeight − targetW. targetW [N, V] is constant. */
export function crossEntropySumRef(logits: tf.Tensor2D, targetW: tf.Tensor2D): tf.Scalar {
  const op = customOp((x: tf.Tensor2D) => {
    const logp = tf.logSoftmax(x); // [N, V]
    return {
      value: tf.neg(tf.sum(tf.mul(logp, targetW))) as tf.Scalar,
      save: [logp],
      grad: (dy: tf.Scalar, [slogp]) => {
        const rowW = tf.sum(targetW, -1, true); // [N, 1]
        return [tf.mul(tf.sub(tf.mul(tf.exp(slogp), rowW), targetW), dy)]; // [N, V]
      },
    };
  });
  return op(logits);
}

export function layerNormRef(x: tf.Tensor2D, g: tf.Tensor, b: tf.Tensor, eps: number): tf.Tensor2D {
  const mean = tf.mean(x, -1, true); // [N, 1]
  const xc = tf.sub(x, mean); // [N, d]
  const variance = tf.mean(tf.square(xc), -1, true); // [N, 1]
  return tf.add(tf.mul(tf.mul(xc, tf.rsqrt(tf.add(variance, eps))), g), b) as tf.Tensor2D;
}

/** gelu_new: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
export function geluNewRef(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), 0.044715)), Math.sqrt(2 / Math.PI));
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}

/** qkv [B·T, 3d] → y [B·T, d] with batched per-head matMuls. */
export function causalSelfAttentionRef(qkv: tf.Tensor2D, B: number, T: number, H: number, mask: tf.Tensor2D): tf.Tensor2D {
  const d = qkv.shape[1] / 3;
  const hd = d / H;
  const [q0, k0, v0] = tf.split(qkv, 3, 1); // 3 × [N, d]
  const q = tf.transpose(tf.reshape(q0, [B, T, H, hd]), [0, 2, 1, 3]) as tf.Tensor4D; // [B, H, T, hd]
  const kT = tf.transpose(tf.reshape(k0, [B, T, H, hd]), [0, 2, 3, 1]) as tf.Tensor4D; // [B, H, hd, T]
  const v = tf.transpose(tf.reshape(v0, [B, T, H, hd]), [0, 2, 1, 3]) as tf.Tensor4D; // [B, H, T, hd]
  const scores = tf.add(tf.mul(bmm(q, kT), 1 / Math.sqrt(hd)), mask); // [B, H, T, T]
  const att = tf.softmax(scores) as tf.Tensor4D; // [B, H, T, T]
  return tf.reshape(tf.transpose(bmm(att, v), [0, 2, 1, 3]), [B * T, d]) as tf.Tensor2D; // [N, d]
}

/** LlamaRMSNorm: x · rsqrt(mean(x²) + eps) · g. */
export function rmsNormRef(x: tf.Tensor2D, g: tf.Tensor, eps: number): tf.Tensor2D {
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps))), g) as tf.Tensor2D; // [N, d]
}

/** silu(gate)·up. */
export function swigluRef(gate: tf.Tensor2D, up: tf.Tensor2D): tf.Tensor2D {
  return tf.mul(tf.mul(gate, tf.sigmoid(gate)), up) as tf.Tensor2D; // [N, f]
}

/** HF's apply_rotary_pos_emb on x [B·T, heads·hd]: x·cos + rotate_half(x)·sin, cos/sin [T, hd] from inv_freq. */
export function ropeRef(x: tf.Tensor2D, B: number, T: number, hd: number, inv: Float64Array): tf.Tensor2D {
  const [N, W] = x.shape;
  const half = hd / 2;
  const angle = (k: number): number => Math.floor(k / hd) * inv[(k % hd) % half]; // position · inv_freq, float64
  const cos = tf.tensor4d(Float32Array.from({ length: T * hd }, (_, k) => Math.cos(angle(k))), [1, T, 1, hd]); // [1, T, 1, hd]
  const sin = tf.tensor4d(Float32Array.from({ length: T * hd }, (_, k) => Math.sin(angle(k))), [1, T, 1, hd]); // [1, T, 1, hd]
  const x4 = tf.reshape(x, [B, T, W / hd, hd]); // [B, T, heads, hd]
  const [x1, x2] = tf.split(x4, 2, 3); // 2 × [B, T, heads, hd/2]
  const rotated = tf.concat([tf.neg(x2), x1], 3); // rotate_half(x)
  return tf.reshape(tf.add(tf.mul(x4, cos), tf.mul(rotated, sin)), [N, W]) as tf.Tensor2D; // [N, W]
}

/** nn.Linear without bias: h [N, in] · wᵀ for w [out, in] (the wasm backend's slow transposed path). */
export function linearRef(h: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(h, w, false, true); // [N, out]
}
