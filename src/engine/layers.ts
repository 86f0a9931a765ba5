// The layers model families share, on tensors: linear (our GEMM), layer norm, the feed-forward
// activations, and causal self-attention written out: q·kᵀ, / √hd, causal mask, softmax,
// weights·v. Never a fused kernel: the intermediate scores and the weights are what the extension
// shows. A family's file (families/) composes these into its blocks; their one-row versions, for
// decoding a single token over the KV cache, are in rowLayers.ts. Call inside tf.tidy: everything
// returned here is a fresh tensor owned by that scope.
//
// Attention's speed on the wasm backend, measured (bench/profileForward.ts):
// - in tfjs, only a plain 2-D matMul reaches XNNPACK's GEMM; a batched [H, …] matMul runs a scalar
//   loop 10–40× slower, O(T²) per head;
// - tf.slice/split/unstack copy their WHOLE input first (readSync), so cutting heads out of a
//   [H, T, T] tensor costs H full copies; tf.concat/stack are cheap.
// So a prompt (T ≥ PER_HEAD_MIN_ROWS) runs head by head: the projected q | k | v rows are cut into
// per-head q, k, v as plain arrays, q·kᵀ and weights·v run in our GEMM too (Gemm.product), every
// tensor is born per head, nothing is sliced, and stacked [H, …] views are built only for what the
// caller asks for (part()). A few decoding rows use the batched tfjs ops instead (one op per head
// would cost more than the tiny matmuls). Keys are kept transposed, [H, hd, Tk], also in the KV cache.
import { tf } from './backend';
import type { Gemm, PackedMatrix } from './gemm/gemm';
import type { GPTConfig } from './types';

export interface LayerNormWeights {
  weight: tf.Tensor1D; // [d]
  bias: tf.Tensor1D; // [d]
}

/** Keys and values already cached for this layer, and the absolute position of the first new row. */
export interface PastKV {
  kT?: tf.Tensor3D; // [H, hd, pos0], keys stored transposed
  v?: tf.Tensor3D; // [H, pos0, hd]
  pos0: number;
}

/** LayerNorm over the last axis with the biased variance, as torch.nn.LayerNorm. */
export function layerNorm(x: tf.Tensor2D, ln: LayerNormWeights, eps: number): tf.Tensor2D {
  const mean = tf.mean(x, -1, true); // [T, 1]
  const centered = tf.sub(x, mean); // [T, d]
  const variance = tf.mean(tf.square(centered), -1, true); // [T, 1]
  const normed = tf.mul(centered, tf.rsqrt(tf.add(variance, eps))); // [T, d]
  return tf.add(tf.mul(normed, ln.weight), ln.bias) as tf.Tensor2D; // [T, d]
}

/** x @ W + b with W in Conv1D layout [in, out], by our GEMM: the values leave tfjs and come back. */
export function linear(x: tf.Tensor2D, p: PackedMatrix): tf.Tensor2D {
  const T = x.shape[0];
  return tf.tensor2d(p.matmul(x.dataSync() as Float32Array, T), [T, p.outDim]); // [T, out]
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** The feed-forward activation named in config.json. */
export function activation(kind: GPTConfig['activation'], x: tf.Tensor2D): tf.Tensor2D {
  switch (kind) {
    case 'relu':
      return tf.relu(x); // [T, nInner]
    case 'gelu': {
      // exact: 0.5·x·(1 + erf(x/√2))
      const erf = tf.erf(tf.mul(x, Math.SQRT1_2)); // [T, nInner]
      return tf.mul(tf.mul(x, 0.5), tf.add(erf, 1)) as tf.Tensor2D; // [T, nInner]
    }
    case 'gelu_new':
    case 'gelu_fast':
    case 'gelu_pytorch_tanh': {
      // tanh approximation: 0.5·x·(1 + tanh(u)), u = √(2/π)·(x + 0.044715·x³), computed as the
      // identical x·σ(2u) (1 + tanh(u) = 2σ(2u)); x³ as x·x·x. On wasm, tanh and pow are scalar
      // loops, σ and · are vectorised: 3–5× faster.
      const cube = tf.mul(tf.mul(x, x), x); // [T, nInner]
      const twoU = tf.mul(tf.add(x, tf.mul(cube, 0.044715)), 2 * SQRT_2_OVER_PI); // [T, nInner]
      return tf.mul(x, tf.sigmoid(twoU)) as tf.Tensor2D; // [T, nInner]
    }
  }
}

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

function perHeadAttention(qkv: Float32Array, T: number, nHead: number, hd: number, past: PastKV, gemm: Gemm): AttentionTensors {
  const width = 3 * nHead * hd;
  const pastLen = past.kT ? past.kT.shape[2] : 0;
  const mask = causalMask(T, pastLen + T, past.pos0); // [T, Tk]
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
  const concat = tf.concat(heads.map((h) => h.headOutputs), 1) as tf.Tensor2D; // [T, H·hd]
  return { part: stacker(heads), concat, weightsData };
}

function batchedAttention(qkv: Float32Array, T: number, nHead: number, hd: number, past: PastKV): AttentionTensors {
  const d = nHead * hd; // the model's width, or this shard's heads' width
  const [qFlat, kFlat, vFlat] = tf.split(tf.tensor2d(qkv, [T, 3 * d]), 3, 1) as tf.Tensor2D[]; // 3 × [T, d]
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
  const parts: AttentionParts = { q, k, kT, v, rawScores, scaledScores, maskedScores, weights, headOutputs };
  return { part: (name) => parts[name], concat };
}

/**
 * Causal self-attention of T new rows over the cached ones and themselves, for `nHead` heads of
 * width `hd`. qkv: the rows' projected queries, keys and values, [T × 3·H·hd] laid out
 * q | k | v, each head by head (GPT-2's c_attn output); `gemm` runs the per-head products.
 */
export function causalSelfAttention(qkv: Float32Array, T: number, nHead: number, hd: number, past: PastKV, gemm: Gemm): AttentionTensors {
  return T >= PER_HEAD_MIN_ROWS ? perHeadAttention(qkv, T, nHead, hd, past, gemm) : batchedAttention(qkv, T, nHead, hd, past);
}
