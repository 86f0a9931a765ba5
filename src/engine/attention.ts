// Causal self-attention written out: q·kᵀ, / √hd, the causal (or sliding-window) mask, softmax,
// weights·v. Never a fused kernel: the intermediate scores and the weights are what the extension
// shows. Grouped-query attention: H query heads share Hkv key/value heads, query head h reading kv
// head kvHead[h] (⌊h / (H / Hkv)⌋ on a whole model); GPT-2 is the case Hkv = H. Call inside
// tf.tidy: everything returned is a fresh tensor owned by that scope.
//
// Speed on the wasm backend, measured (bench/profileForward.ts):
// - in tfjs, only a plain 2-D matMul reaches XNNPACK's GEMM; a batched [H, …] matMul runs a scalar
//   loop 10–40× slower, O(T²) per head;
// - tf.slice/split/unstack copy their WHOLE input first (readSync), so cutting heads out of a
//   [H, T, T] tensor costs H full copies; tf.concat/stack are cheap.
// So a prompt (T ≥ PER_HEAD_MIN_ROWS) runs head by head: the projected q | k | v rows are cut into
// per-head q, k, v as plain arrays, q·kᵀ and weights·v run in our GEMM too (Gemm.product), every
// tensor is born per head, nothing is sliced, and stacked [H, …] views are built only for what the
// caller asks for (part()). A few decoding rows use the batched tfjs ops instead (one op per head
// would cost more than the tiny matmuls). Keys are kept transposed, [Hkv, hd, Tk], also in the KV cache.
import { tf } from './backend';
import type { Gemm } from './gemm/gemm';

/** Keys and values already cached for this layer (kv heads), and the absolute position of the first new row. */
export interface PastKV {
  kT?: tf.Tensor3D; // [Hkv, hd, pos0], keys stored transposed
  v?: tf.Tensor3D; // [Hkv, pos0, hd]
  pos0: number;
  /**
   * Attention on demand (a prompt from position 0 only): the maps are handed to this sink one head
   * at a time and let go, the queries and keys with them, instead of being kept as tensors.
   */
  onDemand?: OnDemandSink;
}

/** What a forward keeps instead of the maps (see PastKV.onDemand); heads are this thread's, from 0. */
export interface OnDemandSink {
  /** Query head h's rows after RoPE [T × hd] (a fresh array). */
  query(h: number, q: Float32Array): void;
  /** Kv head j's keys after RoPE [T × hd] (a fresh array). */
  key(j: number, k: Float32Array): void;
  /** Query head h's map [T × T], valid during the call only. */
  map(h: number, weights: Float32Array): void;
}

/** The heads of one attention call (this thread's, on a split model). */
export interface HeadLayout {
  nHead: number; // H: query heads
  nKvHead: number; // Hkv: key/value heads
  headDim: number; // hd
  /** The kv head (0 … Hkv − 1) each query head reads; absent: query head h reads kv head h (Hkv = H). */
  kvHead?: readonly number[];
  /** Sliding window: key j is visible to query i iff j ≤ i and i − j < window. Absent: plain causal. */
  window?: number;
}

/** The stacked [H, …] pieces of one attention call (see AttentionTensors.part). */
export interface AttentionParts {
  q: tf.Tensor3D; // [H, T, hd]
  /** Keys of the new positions only (at pos0 = 0: every key), per kv head. */
  k: tf.Tensor3D; // [Hkv, T, hd]
  /** Every key so far (cache + new rows), transposed: what the cache stores next. */
  kT: tf.Tensor3D; // [Hkv, hd, Tk]
  /** Every value so far (cache + new rows): what the cache stores next. */
  v: tf.Tensor3D; // [Hkv, Tk, hd]
  rawScores: tf.Tensor3D; // [H, T, Tk]
  scaledScores: tf.Tensor3D; // [H, T, Tk]
  maskedScores: tf.Tensor3D; // [H, T, Tk]
  weights: tf.Tensor3D; // [H, T, Tk]
  headOutputs: tf.Tensor3D; // [H, T, hd]
}
export type AttentionPart = keyof AttentionParts;
const KV_PARTS: readonly AttentionPart[] = ['k', 'kT', 'v'];

export interface AttentionTensors {
  /** One stacked piece, built on first use inside the caller's tf.tidy (and kept for later calls). */
  part<K extends AttentionPart>(name: K): AttentionParts[K];
  /** The kv head each query head read (index into the kv parts' first axis). */
  kvHead: readonly number[];
  /** The heads' outputs side by side, what the output projection takes. */
  concat: tf.Tensor2D; // [T, H·hd]
  /**
   * The weights of each head as arrays [T × Tk], when this path read them anyway (head by head,
   * for weights·v): the caller can take the attention maps from here instead of stacking them.
   */
  weightsData?: Float32Array[];
}

/** From this many new rows on, one GEMM per head beats the batched scalar matMul. */
export const PER_HEAD_MIN_ROWS = 8;

type HeadTensors = Partial<Record<AttentionPart, tf.Tensor2D>>;

/** [T, H·hd] → [H, T, hd] */
function splitHeads(x: tf.Tensor2D, nHead: number, hd: number): tf.Tensor3D {
  const heads = tf.reshape(x, [x.shape[0], nHead, hd]); // [T, H, hd]
  return tf.transpose(heads, [1, 0, 2]) as tf.Tensor3D; // [H, T, hd]
}

/** Head h of a stacked [H, a, b] cache tensor as [a, b] (a full copy of the input: rare path). */
function cachedHead(x: tf.Tensor3D, h: number): tf.Tensor2D {
  const [, a, b] = x.shape;
  return tf.reshape(tf.slice(x, [h, 0, 0], [1, a, b]), [a, b]) as tf.Tensor2D; // [a, b]
}

/**
 * Additive mask for queries at absolute positions pos0..pos0+T-1 against keys 0..Tk-1: 0 where
 * the key is visible (key ≤ query, and query − key < window), −Infinity elsewhere.
 */
export function attentionMask(T: number, Tk: number, pos0: number, window?: number): tf.Tensor2D {
  const data = new Float32Array(T * Tk);
  for (let i = 0; i < T; i++) {
    const q = pos0 + i;
    data.fill(-Infinity, i * Tk + q + 1, (i + 1) * Tk);
    if (window !== undefined && q - window >= 0) data.fill(-Infinity, i * Tk, i * Tk + q - window + 1);
  }
  return tf.tensor2d(data, [T, Tk]); // [T, Tk]
}

/** Memoised stacking of per-head tensors (query heads, and kv heads for k, kT, v). */
function stacker(heads: HeadTensors[], kvs: HeadTensors[]): AttentionTensors['part'] {
  const done: Partial<AttentionParts> = {};
  return <K extends AttentionPart>(name: K): AttentionParts[K] => {
    done[name] ??= tf.stack((KV_PARTS.includes(name) ? kvs : heads).map((h) => h[name]!)) as AttentionParts[K]; // [H or Hkv, …]
    return done[name] as AttentionParts[K];
  };
}

/** Columns [col, col + width) of a row-major [T × W] array → [T × width]. */
function columns(a: Float32Array, T: number, W: number, col: number, width: number): Float32Array {
  const out = new Float32Array(T * width);
  for (let t = 0; t < T; t++) out.set(a.subarray(t * W + col, t * W + col + width), t * width);
  return out; // [T × width]
}

function kvHeadsOf(layout: HeadLayout): readonly number[] {
  return layout.kvHead ?? Array.from({ length: layout.nHead }, (_, h) => h);
}

/**
 * One head's post-softmax map [T × Tk] from its queries q [T × hd] and keys k [Tk × hd]: the
 * same ops, in the same order, as the per-head path below (so the same bits), intermediates freed
 * at once (also inside a caller's tf.tidy). The forward on demand and the recompute (attentionMaps.ts) both call it.
 */
export function headMap(q: Float32Array, k: Float32Array, T: number, Tk: number, hd: number, mask: tf.Tensor2D, gemm: Gemm): Float32Array {
  // each intermediate let go as soon as the next is made: two [T, Tk] at a time in tfjs's memory, not four
  const rawScores = tf.tensor2d(gemm.product(q, T, k, hd, Tk, { transposed: true }), [T, Tk]); // [T, Tk]
  const scaledScores = tf.div(rawScores, Math.sqrt(hd)); // [T, Tk]
  rawScores.dispose();
  const maskedScores = tf.add(scaledScores, mask); // [T, Tk]
  scaledScores.dispose();
  const weights = tf.softmax(maskedScores, -1); // [T, Tk]
  maskedScores.dispose();
  try {
    return weights.dataSync() as Float32Array; // [T × Tk], a copy
  } finally {
    weights.dispose();
  }
}

/**
 * The per-head path for attention on demand: each head's map is made, handed to the sink and let
 * go before the next (peak: one head's [T × T] a few times over, not H of them ×5 as tensors).
 * Only q·kᵀ's intermediates are skipped as tensors; what the block needs (concat) is the same.
 */
function onDemandAttention(qkv: Float32Array, T: number, layout: HeadLayout, sink: OnDemandSink, gemm: Gemm): AttentionTensors {
  const { nHead: H, nKvHead: Hkv, headDim: hd, window } = layout;
  const kvHead = kvHeadsOf(layout);
  const width = (H + 2 * Hkv) * hd;
  const mask = attentionMask(T, T, 0, window); // [T, T]
  const kvs = Array.from({ length: Hkv }, (_, j) => {
    const k = columns(qkv, T, width, (H + j) * hd, hd); // [T × hd]
    sink.key(j, k);
    return { k, v: columns(qkv, T, width, (H + Hkv + j) * hd, hd) }; // [T × hd] each
  });
  const outputs = Array.from({ length: H }, (_, h) => {
    const kv = kvs[kvHead[h]];
    const q = columns(qkv, T, width, h * hd, hd); // [T × hd]
    sink.query(h, q);
    const weights = headMap(q, kv.k, T, T, hd, mask, gemm); // [T × T]
    sink.map(h, weights);
    return tf.tensor2d(gemm.product(weights, T, kv.v, T, hd, { causal: 1 }), [T, hd]); // [T, hd]
  });
  mask.dispose();
  const concat = tf.concat(outputs, 1) as tf.Tensor2D; // [T, H·hd]
  const part = (name: AttentionPart): never => {
    throw new Error(`attention on demand keeps no '${name}' tensors (a capture runs without it)`);
  };
  return { part, kvHead, concat };
}

function perHeadAttention(qkv: Float32Array, T: number, layout: HeadLayout, past: PastKV, gemm: Gemm): AttentionTensors {
  const { nHead: H, nKvHead: Hkv, headDim: hd, window } = layout;
  const kvHead = kvHeadsOf(layout);
  const width = (H + 2 * Hkv) * hd;
  const pastLen = past.kT ? past.kT.shape[2] : 0;
  const Tk = pastLen + T;
  const mask = attentionMask(T, Tk, past.pos0, window); // [T, Tk]
  // Each kv head's keys and values, once, whatever number of query heads read them.
  const kvs = Array.from({ length: Hkv }, (_, j) => {
    const kArr = columns(qkv, T, width, (H + j) * hd, hd); // [T × hd]
    const vArr = columns(qkv, T, width, (H + Hkv + j) * hd, hd); // [T × hd]
    const k = tf.tensor2d(kArr, [T, hd]); // [T, hd]
    const vNew = tf.tensor2d(vArr, [T, hd]); // [T, hd]
    const kTNew = tf.transpose(k) as tf.Tensor2D; // [hd, T]
    const kT = past.kT ? (tf.concat([cachedHead(past.kT, j), kTNew], 1) as tf.Tensor2D) : kTNew; // [hd, Tk]
    const v = past.v ? (tf.concat([cachedHead(past.v, j), vNew], 0) as tf.Tensor2D) : vNew; // [Tk, hd]
    return {
      tensors: { k, kT, v } as HeadTensors,
      kArr,
      kTData: past.kT ? (kT.dataSync() as Float32Array) : undefined, // [hd × Tk]
      values: past.v ? (v.dataSync() as Float32Array) : vArr, // [Tk × hd]
    };
  });
  const weightsData: Float32Array[] = [];
  const heads = Array.from({ length: H }, (_, h): HeadTensors => {
    const kv = kvs[kvHead[h]];
    const qArr = columns(qkv, T, width, h * hd, hd); // [T × hd]
    const q = tf.tensor2d(qArr, [T, hd]); // [T, hd]
    // q·kᵀ: without a cache, kᵀ is this head's keys [T × hd] read transposed
    const scores = kv.kTData ? gemm.product(qArr, T, kv.kTData, hd, Tk) : gemm.product(qArr, T, kv.kArr, hd, Tk, { transposed: true });
    const rawScores = tf.tensor2d(scores, [T, Tk]); // [T, Tk]
    const scaledScores = tf.div(rawScores, Math.sqrt(hd)) as tf.Tensor2D; // [T, Tk]
    const maskedScores = tf.add(scaledScores, mask) as tf.Tensor2D; // [T, Tk]
    const weights = tf.softmax(maskedScores, -1) as tf.Tensor2D; // [T, Tk]
    // weights·v, skipping the zeros above the diagonal (query i sees keys 0 … pos0 + i)
    weightsData.push(weights.dataSync() as Float32Array); // [T × Tk], a copy
    const headOutputs = tf.tensor2d(gemm.product(weightsData[h], T, kv.values, Tk, hd, { causal: past.pos0 + 1 }), [T, hd]); // [T, hd]
    return { q, rawScores, scaledScores, maskedScores, weights, headOutputs };
  });
  const concat = tf.concat(heads.map((h) => h.headOutputs!), 1) as tf.Tensor2D; // [T, H·hd]
  return { part: stacker(heads, kvs.map((kv) => kv.tensors)), kvHead, concat, weightsData };
}

function batchedAttention(qkv: Float32Array, T: number, layout: HeadLayout, past: PastKV): AttentionTensors {
  const { nHead: H, nKvHead: Hkv, headDim: hd, window } = layout;
  const kvHead = kvHeadsOf(layout);
  const [qFlat, kFlat, vFlat] = tf.split(tf.tensor2d(qkv, [T, (H + 2 * Hkv) * hd]), [H * hd, Hkv * hd, Hkv * hd], 1) as tf.Tensor2D[]; // [T, H·hd], 2 × [T, Hkv·hd]
  const q = splitHeads(qFlat, H, hd); // [H, T, hd]
  const k = splitHeads(kFlat, Hkv, hd); // [Hkv, T, hd]
  const vNew = splitHeads(vFlat, Hkv, hd); // [Hkv, T, hd]
  const kTNew = tf.transpose(k, [0, 2, 1]) as tf.Tensor3D; // [Hkv, hd, T]
  const kT = past.kT ? (tf.concat([past.kT, kTNew], 2) as tf.Tensor3D) : kTNew; // [Hkv, hd, Tk]
  const v = past.v ? (tf.concat([past.v, vNew], 1) as tf.Tensor3D) : vNew; // [Hkv, Tk, hd]
  const Tk = kT.shape[2];
  // Each query head's kv head (grouped-query attention); the same tensors when Hkv = H.
  const shared = Hkv !== H;
  const index = shared ? tf.tensor1d(kvHead as number[], 'int32') : undefined;
  const kTq = index ? (tf.gather(kT, index, 0) as tf.Tensor3D) : kT; // [H, hd, Tk]
  const vq = index ? (tf.gather(v, index, 0) as tf.Tensor3D) : v; // [H, Tk, hd]

  const rawScores = tf.matMul(q, kTq) as tf.Tensor3D; // [H, T, Tk]
  const scaledScores = tf.div(rawScores, Math.sqrt(hd)) as tf.Tensor3D; // [H, T, Tk]
  // A single new query sees every cached key (within the window): nothing to mask.
  const maskedScores =
    T === 1 && Tk === past.pos0 + 1 && (window === undefined || Tk <= window)
      ? scaledScores
      : (tf.add(scaledScores, attentionMask(T, Tk, past.pos0, window)) as tf.Tensor3D); // [H, T, Tk]
  const weights = tf.softmax(maskedScores, -1) as tf.Tensor3D; // [H, T, Tk]
  const headOutputs = tf.matMul(weights, vq) as tf.Tensor3D; // [H, T, hd]

  const concat = tf.reshape(tf.transpose(headOutputs, [1, 0, 2]), [T, H * hd]) as tf.Tensor2D; // [T, H·hd]
  const parts: AttentionParts = { q, k, kT, v, rawScores, scaledScores, maskedScores, weights, headOutputs };
  return { part: (name) => parts[name], kvHead, concat };
}

/**
 * Causal self-attention of T new rows over the cached ones and themselves. qkv: the rows'
 * projected (and, where the family has them, rotated) queries, keys and values,
 * [T × (H + 2·Hkv)·hd] laid out q (H·hd) | k (Hkv·hd) | v (Hkv·hd), each head by head (GPT-2's
 * c_attn output when Hkv = H); `gemm` runs the per-head products.
 */
export function causalSelfAttention(qkv: Float32Array, T: number, layout: HeadLayout, past: PastKV, gemm: Gemm): AttentionTensors {
  if (past.onDemand && past.pos0 === 0 && !past.kT) return onDemandAttention(qkv, T, layout, past.onDemand, gemm);
  return T >= PER_HEAD_MIN_ROWS ? perHeadAttention(qkv, T, layout, past, gemm) : batchedAttention(qkv, T, layout, past);
}
