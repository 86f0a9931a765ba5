// Causal self-attention, written out: q·kᵀ, / √hd, causal mask, softmax, weights·v. All heads at
// once as batched matmuls over [H, T, hd]. Never a fused kernel: the intermediate scores and the
// weights are what the extension shows.
import { tf } from './backend';
import type { BlockWeights, PastKV } from './block';

export interface AttentionTensors {
  q: tf.Tensor3D; // [H, T, hd]
  /** Keys/values for every position so far (cache + new rows): what the cache stores next. */
  k: tf.Tensor3D; // [H, Tk, hd]
  v: tf.Tensor3D; // [H, Tk, hd]
  rawScores: tf.Tensor3D; // [H, T, Tk]
  scaledScores: tf.Tensor3D; // [H, T, Tk]
  maskedScores: tf.Tensor3D; // [H, T, Tk]
  weights: tf.Tensor3D; // [H, T, Tk]
  headOutputs: tf.Tensor3D; // [H, T, hd]
  concat: tf.Tensor2D; // [T, d]
  attnOut: tf.Tensor2D; // [T, d]
}

/** [T, d] → [H, T, hd] */
function splitHeads(x: tf.Tensor2D, nHead: number): tf.Tensor3D {
  const [T, d] = x.shape;
  const heads = tf.reshape(x, [T, nHead, d / nHead]); // [T, H, hd]
  return tf.transpose(heads, [1, 0, 2]) as tf.Tensor3D; // [H, T, hd]
}

/**
 * Additive causal mask for queries at absolute positions pos0..pos0+T-1 against keys 0..Tk-1:
 * 0 where key ≤ query, −Infinity above the diagonal.
 */
function causalMask(T: number, Tk: number, pos0: number): tf.Tensor2D {
  const data = new Float32Array(T * Tk);
  for (let i = 0; i < T; i++) data.fill(-Infinity, i * Tk + pos0 + i + 1, (i + 1) * Tk);
  return tf.tensor2d(data, [T, Tk]); // [T, Tk]
}

export function causalSelfAttention(
  x: tf.Tensor2D, // [T, d], the ln_1 output
  w: BlockWeights['attn'],
  nHead: number,
  past: PastKV,
): AttentionTensors {
  const [T, d] = x.shape;
  const hd = d / nHead;
  const qkv = tf.add(tf.matMul(x, w.c_attn.weight), w.c_attn.bias) as tf.Tensor2D; // [T, 3d]
  const [qFlat, kFlat, vFlat] = tf.split(qkv, 3, 1) as tf.Tensor2D[]; // 3 × [T, d]
  const q = splitHeads(qFlat, nHead); // [H, T, hd]
  const kNew = splitHeads(kFlat, nHead); // [H, T, hd]
  const vNew = splitHeads(vFlat, nHead); // [H, T, hd]
  const k = past.k ? (tf.concat([past.k, kNew], 1) as tf.Tensor3D) : kNew; // [H, Tk, hd]
  const v = past.v ? (tf.concat([past.v, vNew], 1) as tf.Tensor3D) : vNew; // [H, Tk, hd]
  const Tk = k.shape[1];

  const rawScores = tf.matMul(q, k, false, true) as tf.Tensor3D; // [H, T, Tk]
  const scaledScores = tf.div(rawScores, Math.sqrt(hd)) as tf.Tensor3D; // [H, T, Tk]
  // A single new query sees every cached key: nothing to mask.
  const maskedScores =
    T === 1 && Tk === past.pos0 + 1
      ? scaledScores
      : (tf.add(scaledScores, causalMask(T, Tk, past.pos0)) as tf.Tensor3D); // [H, T, Tk]
  const weights = tf.softmax(maskedScores, -1) as tf.Tensor3D; // [H, T, Tk]
  const headOutputs = tf.matMul(weights, v) as tf.Tensor3D; // [H, T, hd]

  const concat = tf.reshape(tf.transpose(headOutputs, [1, 0, 2]), [T, d]) as tf.Tensor2D; // [T, d]
  const attnOut = tf.add(tf.matMul(concat, w.c_proj.weight), w.c_proj.bias) as tf.Tensor2D; // [T, d]
  return { q, k, v, rawScores, scaledScores, maskedScores, weights, headOutputs, concat, attnOut };
}
