// Causal self-attention, written out: q·kᵀ, / √hd, causal mask, softmax, weights·v. Never a fused
// kernel: the intermediate scores and the weights are what the extension shows.
//
// Speed on the wasm backend, measured (bench/profileForward.ts):
// - c_attn and c_proj run in our GEMM (gemm/gemm.ts, through block.ts's linear);
// - in tfjs, only a plain 2-D matMul reaches XNNPACK's GEMM; a batched [H, …] matMul runs a scalar
//   loop 10–40× slower, O(T²) per head;
// - tf.slice/split/unstack copy their WHOLE input first (readSync), so cutting heads out of a
//   [H, T, T] tensor costs H full copies; tf.concat/stack are cheap.
// So a prompt (T ≥ PER_HEAD_MIN_ROWS) runs head by head: c_attn's output is cut into per-head
// q, k, v as plain arrays, q·kᵀ and weights·v run in our GEMM too (Gemm.product), every tensor is
// born per head, nothing is sliced, and stacked [H, …] views are built only for what the caller
// asks for (part()). A few decoding rows use the batched tfjs ops instead (one op per head would
// cost more than the tiny matmuls). Keys are kept transposed, [H, hd, Tk], also in the KV cache.
import { tf } from './backend';
import { linear, type BlockWeights, type PastKV } from './block';

/** The stacked [H, …] pieces of one attention call (see AttentionTensors.part). */
export interface AttentionParts {
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
}
export type AttentionPart = keyof AttentionParts;

export interface AttentionTensors {
  /** One stacked piece, built on first use inside the caller's tf.tidy (and kept for later calls). */
  part<K extends AttentionPart>(name: K): AttentionParts[K];
  concat: tf.Tensor2D; // [T, d]
  attnOut: tf.Tensor2D; // [T, d]
  /**
   * The weights of each head as arrays [T × Tk], when this path read them anyway (head by head,
   * for weights·v): the caller can take the attention maps from here instead of stacking them.
   */
  weightsData?: Float32Array[];
}

/** From this many new rows on, one GEMM per head beats the batched scalar matMul. */
export const PER_HEAD_MIN_ROWS = 8;

type HeadTensors = { [K in AttentionPart]: tf.Tensor2D };

/** [T, d] → [H, T, hd] */
function splitHeads(x: tf.Tensor2D, nHead: number): tf.Tensor3D {
  const [T, d] = x.shape;
  const heads = tf.reshape(x, [T, nHead, d / nHead]); // [T, H, hd]
  return tf.transpose(heads, [1, 0, 2]) as tf.Tensor3D; // [H, T, hd]
}

/** Head h of a stacked [H, a, b] cache tensor as [a, b] (a full copy of the input: rare path). */
function cachedHead(x: tf.Tensor3D, h: number): tf.Tensor2D {
  const [, a, b] = x.shape;
  return tf.reshape(tf.slice(x, [h, 0, 0], [1, a, b]), [a, b]) as tf.Tensor2D; // [a, b]
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

/** Memoised stacking of per-head tensors. */
function stacker(heads: HeadTensors[]): AttentionTensors['part'] {
  const done: Partial<AttentionParts> = {};
  return <K extends AttentionPart>(name: K): AttentionParts[K] => {
    done[name] ??= tf.stack(heads.map((h) => h[name])) as AttentionParts[K]; // [H, …]
    return done[name] as AttentionParts[K];
  };
}

/** Columns [col, col + width) of a row-major [T × W] array → [T × width]. */
function columns(a: Float32Array, T: number, W: number, col: number, width: number): Float32Array {
  const out = new Float32Array(T * width);
  for (let t = 0; t < T; t++) out.set(a.subarray(t * W + col, t * W + col + width), t * width);
  return out; // [T × width]
}

function perHeadAttention(x: tf.Tensor2D, w: BlockWeights['attn'], nHead: number, past: PastKV): AttentionTensors {
  const T = x.shape[0];
  const width = w.c_attn.outDim; // 3 · nHead · hd
  const hd = width / (3 * nHead);
  const pastLen = past.kT ? past.kT.shape[2] : 0;
  const mask = causalMask(T, pastLen + T, past.pos0); // [T, Tk]
  const gemm = w.c_attn.owner;
  const qkv = w.c_attn.matmul(x.dataSync() as Float32Array, T); // [T, 3 · nHead · hd]
  const weightsData: Float32Array[] = [];
  const heads = Array.from({ length: nHead }, (_, h): HeadTensors => {
    const qArr = columns(qkv, T, width, h * hd, hd); // [T × hd]
    const kArr = columns(qkv, T, width, (nHead + h) * hd, hd); // [T × hd]
    const vArr = columns(qkv, T, width, (2 * nHead + h) * hd, hd); // [T × hd]
    const q = tf.tensor2d(qArr, [T, hd]); // [T, hd]
    const k = tf.tensor2d(kArr, [T, hd]); // [T, hd]
    const vNew = tf.tensor2d(vArr, [T, hd]); // [T, hd]
    const kTNew = tf.transpose(k) as tf.Tensor2D; // [hd, T]
    const kT = past.kT ? (tf.concat([cachedHead(past.kT, h), kTNew], 1) as tf.Tensor2D) : kTNew; // [hd, Tk]
    const v = past.v ? (tf.concat([cachedHead(past.v, h), vNew], 0) as tf.Tensor2D) : vNew; // [Tk, hd]
    const Tk = kT.shape[1];
    // q·kᵀ: without a cache, kᵀ is this head's keys [T × hd] read transposed
    const scores = past.kT ? gemm.product(qArr, T, kT.dataSync() as Float32Array, hd, Tk) : gemm.product(qArr, T, kArr, hd, Tk, { transposed: true });
    const rawScores = tf.tensor2d(scores, [T, Tk]); // [T, Tk]
    const scaledScores = tf.div(rawScores, Math.sqrt(hd)) as tf.Tensor2D; // [T, Tk]
    const maskedScores = tf.add(scaledScores, mask) as tf.Tensor2D; // [T, Tk]
    const weights = tf.softmax(maskedScores, -1) as tf.Tensor2D; // [T, Tk]
    // weights·v, skipping the zeros above the diagonal (query i sees keys 0 … pos0 + i)
    const values = past.v ? (v.dataSync() as Float32Array) : vArr; // [Tk × hd]
    weightsData.push(weights.dataSync() as Float32Array); // [T × Tk], a copy
    const headOutputs = tf.tensor2d(gemm.product(weightsData[h], T, values, Tk, hd, { causal: past.pos0 + 1 }), [T, hd]); // [T, hd]
    return { q, k, kT, v, rawScores, scaledScores, maskedScores, weights, headOutputs };
  });
  const concat = tf.concat(heads.map((h) => h.headOutputs), 1) as tf.Tensor2D; // [T, d]
  const attnOut = linear(concat, w.c_proj); // [T, d]
  return { part: stacker(heads), concat, attnOut, weightsData };
}

function batchedAttention(x: tf.Tensor2D, w: BlockWeights['attn'], nHead: number, past: PastKV): AttentionTensors {
  const T = x.shape[0];
  const d = w.c_attn.outDim / 3; // the model's width, or this shard's heads' width
  const hd = d / nHead;
  const qkv = linear(x, w.c_attn); // [T, 3d]
  const [qFlat, kFlat, vFlat] = tf.split(qkv, 3, 1) as tf.Tensor2D[]; // 3 × [T, d]
  const q = splitHeads(qFlat, nHead); // [H, T, hd]
  const k = splitHeads(kFlat, nHead); // [H, T, hd]
  const vNew = splitHeads(vFlat, nHead); // [H, T, hd]
  const kTNew = tf.transpose(k, [0, 2, 1]) as tf.Tensor3D; // [H, hd, T]
  const kT = past.kT ? (tf.concat([past.kT, kTNew], 2) as tf.Tensor3D) : kTNew; // [H, hd, Tk]
  const v = past.v ? (tf.concat([past.v, vNew], 1) as tf.Tensor3D) : vNew; // [H, Tk, hd]
  const Tk = kT.shape[2];

  const rawScores = tf.matMul(q, kT) as tf.Tensor3D; // [H, T, Tk]
  const scaledScores = tf.div(rawScores, Math.sqrt(hd)) as tf.Tensor3D; // [H, T, Tk]
  // A single new query sees every cached key: nothing to mask.
  const maskedScores =
    T === 1 && Tk === past.pos0 + 1
      ? scaledScores
      : (tf.add(scaledScores, causalMask(T, Tk, past.pos0)) as tf.Tensor3D); // [H, T, Tk]
  const weights = tf.softmax(maskedScores, -1) as tf.Tensor3D; // [H, T, Tk]
  const headOutputs = tf.matMul(weights, v) as tf.Tensor3D; // [H, T, hd]

  const concat = tf.reshape(tf.transpose(headOutputs, [1, 0, 2]), [T, d]) as tf.Tensor2D; // [T, d]
  const attnOut = linear(concat, w.c_proj); // [T, d]
  const parts: AttentionParts = { q, k, kT, v, rawScores, scaledScores, maskedScores, weights, headOutputs };
  return { part: (name) => parts[name], concat, attnOut };
}

export function causalSelfAttention(
  x: tf.Tensor2D, // [T, d], the ln_1 output
  w: BlockWeights['attn'],
  nHead: number,
  past: PastKV,
): AttentionTensors {
  return x.shape[0] >= PER_HEAD_MIN_ROWS ? perHeadAttention(x, w, nHead, past) : batchedAttention(x, w, nHead, past);
}
