// The layers model families share, on tensors: linear (our GEMM), layer norm and the feed-forward
// activations; causal self-attention is in attention.ts, RMSNorm in norms.ts, rotary embeddings in
// rotary.ts (re-exported here). A family's file (families/) composes these into its blocks; their
// one-row versions, for decoding a single token over the KV cache, are in rowLayers.ts. Call inside
// tf.tidy: everything returned here is a fresh tensor owned by that scope.
import { tf } from './backend';
import type { PackedMatrix } from './gemm/gemm';
import type { GPTConfig } from './types';

export { causalSelfAttention, PER_HEAD_MIN_ROWS, type AttentionPart, type AttentionParts, type AttentionTensors, type HeadLayout, type PastKV } from './attention';

export interface LayerNormWeights {
  weight: tf.Tensor1D; // [d]
  bias: tf.Tensor1D; // [d]
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
    case 'silu':
      return tf.mul(x, tf.sigmoid(x)) as tf.Tensor2D; // [T, nInner]
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

