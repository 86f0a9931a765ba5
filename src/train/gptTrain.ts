// The trainable GPT-2: the engine's math (pre-LN blocks, gelu_new, tied LM head, Conv1D [in, out]
// weights, learned positions) written for training on the tfjs wasm backend. Parameters live in
// JS Float32Arrays (the optimizer updates them in place); each step uploads them, runs the forward
// pass under tf.valueAndGrads and downloads the gradients. Tensors never leave this file.
//
// The wasm backend has no gradient kernel for tf.gather (UnsortedSegmentSum), so the token
// embedding rows are gathered OUTSIDE the differentiated function and passed in as an input; the
// gradient w.r.t. those rows is scatter-added into wte's gradient in JS. And its matMul with a
// transposed operand runs ~10× slower than a plain one, so every matMul here goes through `mm`/`bmm`,
// whose backward transposes explicitly and then multiplies plainly.
import { tf } from '../engine/backend';
import type { GPTConfig, WeightMap } from '../engine/types';
import { causalSelfAttention } from './ops/attention';
import { crossEntropySum } from './ops/crossEntropy';
import { geluNew } from './ops/gelu';
import { layerNorm } from './ops/layerNorm';
import { addBias, mm, mmT } from './ops/matmul';
import { causalSelfAttentionRef, crossEntropySumRef, geluNewRef, layerNormRef } from './ops/reference';
import { Rng } from './rng';

export interface ParamSpec {
  name: string;
  shape: number[];
  /** Whether AdamW's weight decay applies (rank ≥ 2). */
  decay: boolean;
}

/** A batch of B rows of T tokens; `weights` (default all 1) scales each position's loss. */
export interface TokenBatch {
  B: number;
  T: number;
  inputs: Int32Array; // [B*T]
  targets: Int32Array; // [B*T]
  weights?: Float32Array; // [B*T]
}

export interface LossResult {
  /** Σ weight·(−log p(target)) over the batch, in nats. */
  lossSum: number;
  /** Σ weight. */
  weightSum: number;
}

const LAYER_KEYS = [
  'ln_1.weight', 'ln_1.bias', 'attn.c_attn.weight', 'attn.c_attn.bias', 'attn.c_proj.weight', 'attn.c_proj.bias',
  'ln_2.weight', 'ln_2.bias', 'mlp.c_fc.weight', 'mlp.c_fc.bias', 'mlp.c_proj.weight', 'mlp.c_proj.bias',
] as const;

/** Every parameter in a fixed order: wte, wpe, the blocks' weights, ln_f. */
export function paramSpecs(c: GPTConfig): ParamSpec[] {
  const d = c.nEmbd;
  const shapes: Record<(typeof LAYER_KEYS)[number], number[]> = {
    'ln_1.weight': [d], 'ln_1.bias': [d], 'attn.c_attn.weight': [d, 3 * d], 'attn.c_attn.bias': [3 * d],
    'attn.c_proj.weight': [d, d], 'attn.c_proj.bias': [d], 'ln_2.weight': [d], 'ln_2.bias': [d],
    'mlp.c_fc.weight': [d, c.nInner], 'mlp.c_fc.bias': [c.nInner], 'mlp.c_proj.weight': [c.nInner, d], 'mlp.c_proj.bias': [d],
  };
  const specs: ParamSpec[] = [
    { name: 'wte.weight', shape: [c.vocabSize, d], decay: true },
    { name: 'wpe.weight', shape: [c.nPositions, d], decay: true },
  ];
  for (let l = 0; l < c.nLayer; l++) {
    for (const k of LAYER_KEYS) specs.push({ name: `h.${l}.${k}`, shape: shapes[k], decay: shapes[k].length >= 2 });
  }
  specs.push({ name: 'ln_f.weight', shape: [d], decay: false }, { name: 'ln_f.bias', shape: [d], decay: false });
  return specs;
}

const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** Which implementation of the graph's pieces: the fast ops (default) or the reference ones. */
export type Kernels = 'fast' | 'reference';

export class GPTTrain {
  readonly specs: ParamSpec[];
  /** Parameter values in `specs` order; the optimizer updates them in place. */
  readonly params: Float32Array[];
  private readonly wteIndex = 0;
  private readonly wpeIndex = 1;
  /** 'reference' runs the original (slower) graph: for the equality test and the benchmark. */
  kernels: Kernels = 'fast';

  private constructor(readonly config: GPTConfig, params: Float32Array[]) {
    this.specs = paramSpecs(config);
    this.params = params;
  }

  /** GPT-2's initialisation: N(0, 0.02), residual projections N(0, 0.02/√(2L)), LN 1/0, biases 0. */
  static init(config: GPTConfig, seed: number): GPTTrain {
    const rng = new Rng(seed);
    const specs = paramSpecs(config);
    const residStd = 0.02 / Math.sqrt(2 * config.nLayer);
    const params = specs.map((s) => {
      const a = new Float32Array(size(s.shape));
      if (s.name.endsWith('ln_1.weight') || s.name.endsWith('ln_2.weight') || s.name === 'ln_f.weight') a.fill(1);
      else if (s.shape.length >= 2) {
        const std = s.name.endsWith('c_proj.weight') ? residStd : 0.02;
        for (let i = 0; i < a.length; i++) a[i] = rng.normal() * std;
      }
      return a;
    });
    return new GPTTrain(config, params);
  }

  /** From a loaded checkpoint (copies the data). */
  static fromWeights(config: GPTConfig, weights: WeightMap): GPTTrain {
    const params = paramSpecs(config).map((s) => {
      const w = weights.get(s.name);
      if (!w || w.data.length !== size(s.shape)) throw new Error(`weight ${s.name} is missing or has the wrong size`);
      return new Float32Array(w.data);
    });
    return new GPTTrain(config, params);
  }

  /** The weights under the engine's names (views of the live arrays, not copies). */
  toWeightMap(): WeightMap {
    return new Map(this.specs.map((s, i) => [s.name, { shape: s.shape.slice(), data: this.params[i] }]));
  }

  get parameterCount(): number {
    return this.params.reduce((n, p) => n + p.length, 0);
  }

  /** Loss only (evaluation). */
  loss(batch: TokenBatch): LossResult {
    return tf.tidy(() => {
      const p = this.upload();
      const { tokEmb, loss, weightSum } = this.batchInputs(p, batch);
      const lossSum = this.lossFn(batch.B, batch.T, loss)(tokEmb, ...p).dataSync()[0];
      return { lossSum, weightSum };
    });
  }

  /** Loss and the gradient of the loss SUM w.r.t. every parameter (`specs` order). */
  lossAndGrads(batch: TokenBatch): LossResult & { grads: Float32Array[] } {
    let result: (LossResult & { grads: Float32Array[] }) | undefined;
    // The typed arrays leave through `result`, not as tidy's return value: tidy walks what it
    // returns looking for tensors, element by element through a Set (≈1 s for 1.3M gradients).
    tf.tidy(() => {
      const p = this.upload();
      const { tokEmb, loss, weightSum } = this.batchInputs(p, batch);
      const f = this.lossFn(batch.B, batch.T, loss);
      const { value, grads } = tf.valueAndGrads((...xs: tf.Tensor[]) => f(xs[0] as tf.Tensor2D, ...xs.slice(1)))([tokEmb, ...p]);
      const lossSum = value.dataSync()[0];
      const out = grads.slice(1).map((g) => g.dataSync() as Float32Array);
      // Scatter the embedding rows' gradient into wte's (which already holds the LM head's part).
      const dEmb = grads[0].dataSync() as Float32Array; // [N, d]
      const dWte = new Float32Array(out[this.wteIndex]);
      const d = this.config.nEmbd;
      for (let n = 0; n < batch.inputs.length; n++) {
        const row = batch.inputs[n] * d;
        for (let j = 0; j < d; j++) dWte[row + j] += dEmb[n * d + j];
      }
      out[this.wteIndex] = dWte;
      result = { lossSum, weightSum, grads: out };
    });
    return result!;
  }

  /** Next-token logits for B rows of T ids: [B*T*V]. */
  logits(inputs: Int32Array, B: number, T: number): Float32Array {
    let out: Float32Array | undefined;
    tf.tidy(() => {
      const p = this.upload();
      const tokEmb = tf.gather(p[this.wteIndex], tf.tensor1d(inputs, 'int32')) as tf.Tensor2D;
      out = this.forward(B, T, tokEmb, p).dataSync() as Float32Array; // [B*T*V], not returned through tidy (see lossAndGrads)
    });
    return out!;
  }

  private upload(): tf.Tensor[] {
    return this.specs.map((s, i) => tf.tensor(this.params[i], s.shape, 'float32'));
  }

  private batchInputs(p: tf.Tensor[], b: TokenBatch): { tokEmb: tf.Tensor2D; loss: (logits: tf.Tensor2D) => tf.Scalar; weightSum: number } {
    const N = b.B * b.T;
    if (b.inputs.length !== N || b.targets.length !== N) throw new Error(`batch holds ${b.inputs.length} ids, expected ${N}`);
    const tokEmb = tf.gather(p[this.wteIndex], tf.tensor1d(b.inputs, 'int32')) as tf.Tensor2D; // [N, d]
    const weightSum = b.weights ? b.weights.reduce((s, w) => s + w, 0) : N;
    if (this.kernels === 'fast') {
      // Built in JS: the wasm OneHot kernel ignores a float32 dtype (writes int bits), and a Cast
      // after it costs a pass over [N, V].
      const V = this.config.vocabSize;
      const oh = new Float32Array(N * V);
      for (let n = 0; n < N; n++) oh[n * V + b.targets[n]] = 1;
      const onehot = tf.tensor2d(oh, [N, V]); // [N, V]
      const w = b.weights ? tf.tensor2d(b.weights, [N, 1]) : tf.ones([N, 1]); // [N, 1]
      return { tokEmb, weightSum, loss: (logits) => crossEntropySum(logits, onehot, w as tf.Tensor2D) };
    }
    let targetW = tf.oneHot(tf.tensor1d(b.targets, 'int32'), this.config.vocabSize).toFloat() as tf.Tensor2D; // [N, V]
    if (b.weights) targetW = targetW.mul(tf.tensor2d(b.weights, [N, 1]));
    return { tokEmb, weightSum, loss: (logits) => crossEntropySumRef(logits, targetW) };
  }

  private lossFn(B: number, T: number, loss: (logits: tf.Tensor2D) => tf.Scalar): (tokEmb: tf.Tensor2D, ...p: tf.Tensor[]) => tf.Scalar {
    return (tokEmb, ...p) => loss(this.forward(B, T, tokEmb, p)); // logits [N, V]
  }

  /** The forward pass from gathered token embeddings to logits [B*T, V]. */
  private forward(B: number, T: number, tokEmb: tf.Tensor2D, p: tf.Tensor[]): tf.Tensor2D {
    const c = this.config;
    const d = c.nEmbd;
    const H = c.nHead;
    const N = B * T;
    if (T > c.nPositions) throw new Error(`sequence of ${T} tokens exceeds the context of ${c.nPositions}`);
    const fast = this.kernels === 'fast';
    const ln = fast ? layerNorm : layerNormRef;
    const attention = fast ? causalSelfAttention : causalSelfAttentionRef;
    const gelu = fast ? geluNew : geluNewRef;
    const bias = fast ? addBias : (a: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D => tf.add(a, b);
    const pos = tf.slice(p[this.wpeIndex], [0, 0], [T, d]); // [T, d]
    let x = tf.reshape(tf.add(tf.reshape(tokEmb, [B, T, d]), pos), [N, d]) as tf.Tensor2D; // [N, d]
    const mask = tf.tensor2d(causalMask(T), [T, T]); // [T, T], 0 or −1e9
    for (let l = 0; l < c.nLayer; l++) {
      const w = <R extends tf.Tensor>(k: number): R => p[2 + l * LAYER_KEYS.length + k] as R;
      const h1 = ln(x, w(0), w(1), c.layerNormEps); // [N, d]
      const qkv = bias(mm(h1, w(2)), w(3)); // [N, 3d]
      const y = attention(qkv, B, T, H, mask); // [N, d]
      x = tf.add(x, bias(mm(y, w(4)), w(5))) as tf.Tensor2D; // [N, d]
      const h2 = ln(x, w(6), w(7), c.layerNormEps); // [N, d]
      const f = gelu(bias(mm(h2, w(8)), w(9))) as tf.Tensor2D; // [N, nInner]
      x = tf.add(x, bias(mm(f, w(10)), w(11))) as tf.Tensor2D; // [N, d]
    }
    const n = p.length;
    const hf = ln(x, p[n - 2] as tf.Tensor1D, p[n - 1] as tf.Tensor1D, c.layerNormEps); // [N, d]
    const wte = p[this.wteIndex] as tf.Tensor2D; // [V, d]
    return fast ? mmT(hf, wte) : mm(hf, tf.transpose(wte)); // [N, V], tied head
  }
}

const maskCache = new Map<number, Float32Array>();
function causalMask(T: number): Float32Array {
  let m = maskCache.get(T);
  if (!m) {
    m = new Float32Array(T * T);
    for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) m[i * T + j] = -1e9;
    maskCache.set(T, m);
  }
  return m;
}
