// Rotary position embeddings for training, in Hugging Face's rotate_half layout as the engine
// applies them (src/engine/rotary.ts: dims i and i + hd/2 of each head rotate together by
// position · inv_freq[i]): y = x·cos + rotate_half(x)·sin. rotate_half is a fixed signed
// permutation, so it runs as one plain 2-D matMul by R [hd, hd] (XNNPACK; slicing and concatenating
// halves copies on wasm), and the backward is the rotation back: dx = dy·cos + (dy·sin)·Rᵀ.
// The cos/sin tables are computed in float64 from the engine's inv_freq and tiled over the heads
// and the batch rows, so the multiplies need no broadcasting. Columns past `rotated` pass through
// (cos 1, sin 0): q | k | v from one projection rotate in one op, v untouched.
import { tf } from '../../engine/backend';
import { invFreq } from '../../engine/rotary';
import type { RopeConfig } from '../../engine/types';
import { customOp } from './customOp';

interface Tables {
  cos: Float32Array; // [B·T, W]
  sin: Float32Array; // [B·T, W]
}

/** Table sets kept: training uses one shape; sampling (reward.ts) grows T by one per token. */
const MAX_CACHED = 4;

/** The tables and R for one head width; the last few (B, T, W, rotated columns) cached. */
export class RopeTables {
  private readonly inv: Float64Array;
  private readonly half: number;
  private readonly cache = new Map<string, Tables>();
  /** R [hd, hd] with x·R = rotate_half(x) = (−x₂, x₁), and Rᵀ. */
  readonly r: Float32Array;
  readonly rT: Float32Array;

  constructor(rope: RopeConfig, readonly headDim: number) {
    if (rope.rotaryDim !== headDim || rope.scaling) throw new Error('training supports full-width RoPE without rope_scaling only');
    this.inv = invFreq(rope);
    this.half = headDim / 2;
    const hd = headDim;
    this.r = new Float32Array(hd * hd);
    for (let j = 0; j < this.half; j++) {
      this.r[(j + this.half) * hd + j] = -1; // out[j] = −x[j + half]
      this.r[j * hd + j + this.half] = 1; // out[j + half] = x[j]
    }
    this.rT = new Float32Array(hd * hd);
    for (let i = 0; i < hd; i++) for (let j = 0; j < hd; j++) this.rT[j * hd + i] = this.r[i * hd + j];
  }

  /** cos and sin of every (row, column) of x [B·T, W] (W = heads·hd, position = row mod T); columns ≥ `rotated` get 1 and 0. */
  tables(B: number, T: number, W: number, rotated = W): Tables {
    const key = `${B}x${T}x${W}x${rotated}`;
    let t = this.cache.get(key);
    if (!t) {
      const hd = this.headDim;
      const cos = new Float32Array(B * T * W);
      const sin = new Float32Array(B * T * W);
      cos.fill(1, 0, T * W);
      for (let pos = 0; pos < T; pos++) {
        for (let c = 0; c < rotated; c++) {
          const angle = pos * this.inv[(c % hd) % this.half];
          cos[pos * W + c] = Math.cos(angle);
          sin[pos * W + c] = Math.sin(angle);
        }
      }
      for (let b = 1; b < B; b++) {
        cos.copyWithin(b * T * W, 0, T * W);
        sin.copyWithin(b * T * W, 0, T * W);
      }
      t = { cos, sin };
      if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, t);
    }
    return t;
  }
}

/**
 * x [B·T, W] (W = heads·hd, each head rotated by its row's position mod T) → the same shape; only
 * the first `rotated` columns (default all) rotate.
 */
export function rope(x: tf.Tensor2D, T: number, tables: RopeTables, rotated?: number): tf.Tensor2D {
  const [N, W] = x.shape;
  const hd = tables.headDim;
  const t = tables.tables(N / T, T, W, rotated);
  const rotateHalf = (a: tf.Tensor, r: tf.Tensor): tf.Tensor => tf.reshape(tf.matMul(tf.reshape(a, [(N * W) / hd, hd]) as tf.Tensor2D, r as tf.Tensor2D), [N, W]); // [N, W]
  const op = customOp((xx: tf.Tensor2D) => {
    // Created here and saved: tensors made under the gradient tape that the backward needs must be
    // kept by the tape, or they are disposed before the backward runs.
    const cos = tf.tensor2d(t.cos, [N, W]); // [N, W]
    const sin = tf.tensor2d(t.sin, [N, W]); // [N, W]
    const rT = tf.tensor2d(tables.rT, [hd, hd]); // [hd, hd]
    return {
      value: tf.add(tf.mul(xx, cos), tf.mul(rotateHalf(xx, tf.tensor2d(tables.r, [hd, hd])), sin)) as tf.Tensor2D, // [N, W]
      save: [cos, sin, rT],
      grad: (dy: tf.Tensor2D, [sc, ss, srT]) => [tf.add(tf.mul(dy, sc), rotateHalf(tf.mul(dy, ss), srT))], // [N, W]
    };
  });
  return op(x);
}
