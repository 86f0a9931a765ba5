// What every trainable model shares (GPT-2 in gptTrain.ts, Llama in llamaTrain.ts): parameters in
// JS Float32Arrays (the optimizer updates them in place); each step uploads them, runs the family's
// forward pass under tf.valueAndGrads and downloads the gradients. Tensors never leave this folder.
// The trainer, data-parallel workers, fine-tuning and reward code see only `TrainableModel`.
//
// The wasm backend has no gradient kernel for tf.gather (UnsortedSegmentSum), so the token
// embedding rows are gathered OUTSIDE the differentiated function and passed in as an input; the
// gradient w.r.t. those rows is scatter-added into the embedding's gradient in JS. Both families
// keep the token embedding as parameter 0 and tie the LM head to it.
import { tf } from '../engine/backend';
import type { GPTConfig, WeightMap } from '../engine/types';
import { crossEntropySum } from './ops/crossEntropy';
import { crossEntropySumRef } from './ops/reference';

export interface ParamSpec {
  /** The engine's (checkpoint's) name of the weight. */
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

/** Which implementation of the graph's pieces: the fast ops (default) or the reference ones. */
export type Kernels = 'fast' | 'reference';

/** A model the training code can step: what trainer, dataParallel, gradWorker, sft and reward use. */
export interface TrainableModel {
  readonly config: GPTConfig;
  /** Every parameter, in a fixed order (the checkpoint and the optimizer follow it). */
  readonly specs: ParamSpec[];
  /** Parameter values in `specs` order; the optimizer updates them in place. */
  readonly params: Float32Array[];
  readonly parameterCount: number;
  kernels: Kernels;
  /** Loss only (evaluation). */
  loss(batch: TokenBatch): LossResult;
  /** Loss and the gradient of the loss SUM w.r.t. every parameter (`specs` order). */
  lossAndGrads(batch: TokenBatch): LossResult & { grads: Float32Array[] };
  /** Next-token logits for B rows of T ids: [B*T*V]. */
  logits(inputs: Int32Array, B: number, T: number): Float32Array;
  /** The weights under the engine's names (views of the live arrays, not copies). */
  toWeightMap(): WeightMap;
}

export const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** Parameter arrays for `specs` copied from a loaded checkpoint. */
export function paramsFromWeights(specs: ParamSpec[], weights: WeightMap): Float32Array[] {
  return specs.map((s) => {
    const w = weights.get(s.name);
    if (!w || w.data.length !== size(s.shape)) throw new Error(`weight ${s.name} is missing or has the wrong size`);
    return new Float32Array(w.data);
  });
}

/** The upload / loss / gradient plumbing around a family's forward pass. */
export abstract class TrainGraph implements TrainableModel {
  /** 'reference' runs the original (slower) graph: for the equality tests and the benchmark. */
  kernels: Kernels = 'fast';
  /** The token embedding's index in `specs` (also the tied LM head). */
  protected readonly embIndex = 0;

  protected constructor(
    readonly config: GPTConfig,
    readonly specs: ParamSpec[],
    readonly params: Float32Array[],
  ) {}

  /** The forward pass from gathered token embeddings [B*T, d] to logits [B*T, V]. */
  protected abstract forward(B: number, T: number, tokEmb: tf.Tensor2D, p: tf.Tensor[]): tf.Tensor2D;

  toWeightMap(): WeightMap {
    return new Map(this.specs.map((s, i) => [s.name, { shape: s.shape.slice(), data: this.params[i] }]));
  }

  get parameterCount(): number {
    return this.params.reduce((n, p) => n + p.length, 0);
  }

  loss(batch: TokenBatch): LossResult {
    return tf.tidy(() => {
      const p = this.upload();
      const { tokEmb, loss, weightSum } = this.batchInputs(p, batch);
      const lossSum = this.lossFn(batch.B, batch.T, loss)(tokEmb, ...p).dataSync()[0];
      return { lossSum, weightSum };
    });
  }

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
      // Scatter the embedding rows' gradient into the embedding's (which already holds the LM head's part).
      const dEmb = grads[0].dataSync() as Float32Array; // [N, d]
      const dWte = new Float32Array(out[this.embIndex]);
      const d = this.config.nEmbd;
      for (let n = 0; n < batch.inputs.length; n++) {
        const row = batch.inputs[n] * d;
        for (let j = 0; j < d; j++) dWte[row + j] += dEmb[n * d + j];
      }
      out[this.embIndex] = dWte;
      result = { lossSum, weightSum, grads: out };
    });
    return result!;
  }

  logits(inputs: Int32Array, B: number, T: number): Float32Array {
    let out: Float32Array | undefined;
    tf.tidy(() => {
      const p = this.upload();
      const tokEmb = tf.gather(p[this.embIndex], tf.tensor1d(inputs, 'int32')) as tf.Tensor2D; // [N, d]
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
    const tokEmb = tf.gather(p[this.embIndex], tf.tensor1d(b.inputs, 'int32')) as tf.Tensor2D; // [N, d]
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
}

const maskCache = new Map<number, Float32Array>();
/** The additive causal mask [T × T]: 0 on and below the diagonal, −1e9 above. */
export function causalMask(T: number): Float32Array {
  let m = maskCache.get(T);
  if (!m) {
    m = new Float32Array(T * T);
    for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) m[i * T + j] = -1e9;
    maskCache.set(T, m);
  }
  return m;
}
