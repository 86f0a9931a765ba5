// Causal self-attention, written out: q·kᵀ, / √hd, causal mask, softmax, weights·v. Never a fused
// kernel: the intermediate scores and the weights are what the extension shows.
//
// Speed on the wasm backend: only a plain 2-D matMul (no transpose flags) reaches XNNPACK's GEMM;
// a batched [H, …] matMul runs a scalar loop that is 10–40× slower and O(T²) per head. So the keys
// are kept transposed ([H, hd, Tk], also in the KV cache) and, for prompts, the two attention
// matmuls run head by head as 2-D GEMMs; the per-head results are stacked into [H, T, Tk] for the
// mask and softmax. A single decoding query is too small for that to pay (one op per head), so
// it uses the batched matMul.
import { tf } from './backend';
import type { BlockWeights, PastKV } from './block';

export interface AttentionTensors {
  q: tf.Tensor3D; // [H, T, hd]
  /** Keys of the new positions only (at pos0 = 0: every key). */
  k: tf.Tensor3D; // [H, T, hd]
  /** Every key so far (cache + new rows), transposed: what the cache stores next. */
  kT: tf.Tensor3D; // [H, hd, Tk]
  /** Every value so far (cache + new rows): what the cache stores next. */
  v: tf.Tensor3D; // [H, Tk, hd]
  rawScores: tf.Tensor3D; // [H, T, Tk]
  scaledScores: tf.Tensor3D; // [H, T, Tk]
  maskedScores: tf.Tensor3D; // [H, T, Tk]
  weights: tf.Tensor3D; // [H, T, Tk]
  headOutputs: tf.Tensor3D; // [H, T, hd]
  concat: tf.Tensor2D; // [T, d]
  attnOut: tf.Tensor2D; // [T, d]
}

/** Below this many new rows the batched matMul beats one GEMM per head (op overhead dominates). */
const PER_HEAD_MIN_ROWS = 8;

/** [T, d] → [H, T, hd] */
function splitHeads(x: tf.Tensor2D, nHead: number): tf.Tensor3D {
  const [T, d] = x.shape;
  const heads = tf.reshape(x, [T, nHead, d / nHead]); // [T, H, hd]
  return tf.transpose(heads, [1, 0, 2]) as tf.Tensor3D; // [H, T, hd]
}

/** Head h of [H, a, b] as a 2-D [a, b] tensor. */
function head(x: tf.Tensor3D, h: number): tf.Tensor2D {
  const [, a, b] = x.shape;
  return tf.reshape(tf.slice(x, [h, 0, 0], [1, a, b]), [a, b]) as tf.Tensor2D; // [a, b]
}

/** Batched a @ b over heads: [H, m, k] @ [H, k, n] → [H, m, n], one 2-D GEMM per head or batched. */
function headMatMul(a: tf.Tensor3D, b: tf.Tensor3D, perHead: boolean): tf.Tensor3D {
  if (!perHead) return tf.matMul(a, b) as tf.Tensor3D; // [H, m, n]
  const outs: tf.Tensor2D[] = [];
  for (let h = 0; h < a.shape[0]; h++) outs.push(tf.matMul(head(a, h), head(b, h))); // [m, n]
  return tf.stack(outs) as tf.Tensor3D; // [H, m, n]
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
  const k = splitHeads(kFlat, nHead); // [H, T, hd]
  const vNew = splitHeads(vFlat, nHead); // [H, T, hd]
  const kTNew = tf.transpose(tf.reshape(kFlat, [T, nHead, hd]), [1, 2, 0]) as tf.Tensor3D; // [H, hd, T]
  const kT = past.kT ? (tf.concat([past.kT, kTNew], 2) as tf.Tensor3D) : kTNew; // [H, hd, Tk]
  const v = past.v ? (tf.concat([past.v, vNew], 1) as tf.Tensor3D) : vNew; // [H, Tk, hd]
  const Tk = kT.shape[2];
  const perHead = T >= PER_HEAD_MIN_ROWS;

  const rawScores = headMatMul(q, kT, perHead); // [H, T, Tk]
  const scaledScores = tf.div(rawScores, Math.sqrt(hd)) as tf.Tensor3D; // [H, T, Tk]
  // A single new query sees every cached key: nothing to mask.
  const maskedScores =
    T === 1 && Tk === past.pos0 + 1
      ? scaledScores
      : (tf.add(scaledScores, causalMask(T, Tk, past.pos0)) as tf.Tensor3D); // [H, T, Tk]
  const weights = tf.softmax(maskedScores, -1) as tf.Tensor3D; // [H, T, Tk]
  const headOutputs = headMatMul(weights, v, perHead); // [H, T, hd]

  const concat = tf.reshape(tf.transpose(headOutputs, [1, 0, 2]), [T, d]) as tf.Tensor2D; // [T, d]
  const attnOut = tf.add(tf.matMul(concat, w.c_proj.weight), w.c_proj.bias) as tf.Tensor2D; // [T, d]
  return { q, k, kT, v, rawScores, scaledScores, maskedScores, weights, headOutputs, concat, attnOut };
}
