// One GPT-2 transformer block, nanoGPT-style: ln_1 → attn (c_attn, explicit attention, c_proj) →
// residual → ln_2 → mlp (c_fc, activation, c_proj) → residual. Every intermediate is returned so the
// caller can keep the ones it reports (attention maps, the learner's capture) from this same pass.
// Call inside tf.tidy: everything returned here is a fresh tensor owned by that scope.
import { tf } from './backend';
import { causalSelfAttention, type AttentionTensors } from './attention';
import type { PackedMatrix } from './gemm/gemm';
import type { GPTConfig } from './types';

export interface LayerNormWeights {
  weight: tf.Tensor1D; // [d]
  bias: tf.Tensor1D; // [d]
}

/**
 * A block's weights under the checkpoint's names (`h.{i}.…`). The four matrices are packed for
 * our GEMM (Conv1D layout: [in, out], with their biases).
 */
export interface BlockWeights {
  ln_1: LayerNormWeights;
  attn: {
    c_attn: PackedMatrix; // [d, 3d] (q | k | v, each head by head)
    c_proj: PackedMatrix; // [d, d]
  };
  ln_2: LayerNormWeights;
  mlp: {
    c_fc: PackedMatrix; // [d, nInner]
    c_proj: PackedMatrix; // [nInner, d]
  };
}

/** Keys and values already cached for this layer, and the absolute position of the first new row. */
export interface PastKV {
  kT?: tf.Tensor3D; // [H, hd, pos0], keys stored transposed
  v?: tf.Tensor3D; // [H, pos0, hd]
  pos0: number;
}

export interface BlockTensors extends AttentionTensors {
  /** The block's input (the caller's tensor, not a new one). */
  residualIn: tf.Tensor2D; // [T, d]
  ln1: tf.Tensor2D; // [T, d]
  residualMid: tf.Tensor2D; // [T, d]
  ln2: tf.Tensor2D; // [T, d]
  ffnPre: tf.Tensor2D; // [T, nInner]
  ffnAct: tf.Tensor2D; // [T, nInner]
  ffnOut: tf.Tensor2D; // [T, d]
  residualOut: tf.Tensor2D; // [T, d]
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

/** Width of one head. */
export function headDim(config: GPTConfig): number {
  return config.nEmbd / config.nHead;
}

/** Sums a partial [T, d] over the threads of a tensor-parallel model (absent on a single thread). */
export type Reduce = (partial: tf.Tensor2D) => tf.Tensor2D;

/**
 * Runs one block on x [T, d] (new positions pos0..pos0+T-1) given the cached keys/values. On a
 * shard of a tensor-parallel model, `w` holds some of the heads and MLP units and `reduce` sums the
 * two row-parallel outputs (attn.c_proj, mlp.c_proj) over the threads; the result is the full block.
 */
export function runBlock(x: tf.Tensor2D, w: BlockWeights, config: GPTConfig, past: PastKV, reduce?: Reduce): BlockTensors {
  const eps = config.layerNormEps;
  const ln1 = layerNorm(x, w.ln_1, eps); // [T, d]
  const att = causalSelfAttention(ln1, w.attn, w.attn.c_attn.outDim / (3 * headDim(config)), past); // this shard's heads
  const attnOut = reduce ? reduce(att.attnOut) : att.attnOut; // [T, d]
  const residualMid = tf.add(x, attnOut) as tf.Tensor2D; // [T, d]
  const ln2 = layerNorm(residualMid, w.ln_2, eps); // [T, d]
  const ffnPre = linear(ln2, w.mlp.c_fc); // [T, nInner] (this shard's units)
  const ffnAct = activation(config.activation, ffnPre); // [T, nInner]
  const ffnPartial = linear(ffnAct, w.mlp.c_proj); // [T, d]
  const ffnOut = reduce ? reduce(ffnPartial) : ffnPartial; // [T, d]
  const residualOut = tf.add(residualMid, ffnOut) as tf.Tensor2D; // [T, d]
  return { ...att, attnOut, residualIn: x, ln1, residualMid, ln2, ffnPre, ffnAct, ffnOut, residualOut };
}
