// Differentiable versions of the engine's layers, for attribution's gradients. The engine's own
// forward reads every projection out of tfjs into our WebAssembly GEMM (dataSync), so tfjs cannot
// differentiate through it; these are the same formulas written with tfjs ops only, whose gradients
// tfjs defines and the wasm backend runs (the trainer's reference graph, src/train/ops/reference.ts,
// differentiates the same ops there). Layer norm, RMSNorm and the activations are the engine's own
// (layers.ts, norms.ts: already plain tfjs). Call inside tf.tidy.
import { tf } from '../backend';
import { invFreq } from '../rotary';
import type { RopeConfig } from '../types';

/** A large negative number rather than −∞: the same softmax, and no ∞ − ∞ in a gradient. */
const HIDDEN = -1e9;

/** The additive mask [T, T]: 0 where key j is visible to query i (j ≤ i, and i − j < window), else HIDDEN. */
export function attentionMask(T: number, window?: number): tf.Tensor2D {
  const m = new Float32Array(T * T);
  for (let i = 0; i < T; i++) {
    for (let j = 0; j < T; j++) if (j > i || (window !== undefined && i - j >= window)) m[i * T + j] = HIDDEN;
  }
  return tf.tensor2d(m, [T, T]); // [T, T]
}

/**
 * Causal attention of q [T, H·hd] over k, v [T, Hkv·hd] (query head h reads kv head ⌊h / (H/Hkv)⌋,
 * as Hugging Face's repeat_kv): softmax(q·kᵀ/√hd + mask)·v → [T, H·hd].
 */
export function attend(q: tf.Tensor2D, k: tf.Tensor2D, v: tf.Tensor2D, H: number, Hkv: number, hd: number, mask: tf.Tensor2D): tf.Tensor2D {
  const T = q.shape[0];
  const g = H / Hkv; // query heads per kv head
  const qh = tf.reshape(tf.transpose(tf.reshape(q, [T, Hkv, g, hd]), [1, 2, 0, 3]), [Hkv, g * T, hd]); // [Hkv, g·T, hd]
  const kh = tf.transpose(tf.reshape(k, [T, Hkv, hd]), [1, 0, 2]); // [Hkv, T, hd]
  const vh = tf.transpose(tf.reshape(v, [T, Hkv, hd]), [1, 0, 2]); // [Hkv, T, hd]
  const scores = tf.reshape(tf.mul(tf.matMul(qh, kh, false, true), 1 / Math.sqrt(hd)), [Hkv, g, T, T]); // [Hkv, g, T, T]
  const p = tf.softmax(tf.add(scores, mask)); // [Hkv, g, T, T]
  const y = tf.matMul(tf.reshape(p, [Hkv, g * T, T]), vh); // [Hkv, g·T, hd]
  return tf.reshape(tf.transpose(tf.reshape(y, [Hkv, g, T, hd]), [2, 0, 1, 3]), [T, H * hd]); // [T, H·hd]
}

/** Rotary embeddings on tensors, as rotary.ts applies them to arrays (rotate_half layout, partial rotary). */
export class RopeTensors {
  private readonly inv: Float64Array;
  private readonly half: number;

  constructor(
    rope: RopeConfig,
    private readonly headDim: number,
  ) {
    this.inv = invFreq(rope);
    this.half = rope.rotaryDim / 2;
  }

  /** x [T, nh·hd] at positions 0…T−1, rotated → [T, nh·hd]. */
  apply(x: tf.Tensor2D, nh: number): tf.Tensor2D {
    const T = x.shape[0];
    const { half, headDim: hd } = this;
    const cos = new Float32Array(T * half);
    const sin = new Float32Array(T * half);
    for (let t = 0; t < T; t++) {
      for (let i = 0; i < half; i++) {
        const angle = t * this.inv[i]; // float64, as rotary.ts
        cos[t * half + i] = Math.cos(angle);
        sin[t * half + i] = Math.sin(angle);
      }
    }
    const c = tf.tensor3d(cos, [T, 1, half]); // [T, 1, half]
    const s = tf.tensor3d(sin, [T, 1, half]); // [T, 1, half]
    const h = tf.reshape(x, [T, nh, hd]); // [T, nh, hd]
    const x1 = tf.slice(h, [0, 0, 0], [T, nh, half]); // [T, nh, half]
    const x2 = tf.slice(h, [0, 0, half], [T, nh, half]); // [T, nh, half]
    const parts = [tf.sub(tf.mul(x1, c), tf.mul(x2, s)), tf.add(tf.mul(x2, c), tf.mul(x1, s))]; // x·cos + rotate_half(x)·sin
    if (2 * half < hd) parts.push(tf.slice(h, [0, 0, 2 * half], [T, nh, hd - 2 * half])); // the dims that pass through
    return tf.reshape(tf.concat(parts, 2), [T, nh * hd]); // [T, nh·hd]
  }
}

/** log p(target) from the last norm's output row `row` [1, d] and the head W [V, d]: z_target − logΣexp z. */
export function targetLogProb(row: tf.Tensor2D, head: tf.Tensor2D, target: number): tf.Scalar {
  const z = tf.matMul(row, head, false, true); // [1, V]
  return tf.sub(tf.reshape(tf.slice(z, [0, target], [1, 1]), []), tf.logSumExp(z)) as tf.Scalar;
}
