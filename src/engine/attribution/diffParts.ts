// What the differentiable families share (see diffModel.ts): the model's interface and the tensors
// of its weights.
import { tf } from '../backend';
import { EngineError } from '../errors';
import type { GPTConfig, WeightMap } from '../types';

export interface DiffModel {
  readonly config: GPTConfig;
  /** Whether the family adds learned position embeddings to the token embeddings (integrated gradients' path, methods.ts). */
  readonly addsPositions: boolean;
  /** The token embeddings of `ids` [T, d] (the rows attribution differentiates against). */
  tokenEmbeddings(ids: number[]): tf.Tensor2D;
  /**
   * log p(target) at the LAST row of `tok` [T, d] (the prediction after T tokens), positions
   * 0…T−1 added as the family does. Differentiable in `tok`. Call inside tf.tidy.
   */
  logProb(tok: tf.Tensor2D, target: number): tf.Scalar;
  dispose(): void;
}

/** Tensors of named weights; every one made is disposed by `dispose`. */
export class TensorBag {
  private readonly made: tf.Tensor[] = [];

  constructor(private readonly weights: WeightMap) {}

  get<R extends tf.Rank>(name: string, shape: number[]): tf.Tensor<R> {
    const w = this.weights.get(name);
    if (!w) throw new EngineError('BAD_WEIGHTS', `weight "${name}" is missing`);
    const t = tf.tensor(w.data, shape as tf.ShapeMap[R], 'float32') as tf.Tensor<R>;
    this.made.push(t);
    return t;
  }

  /** A Llama-layout weight [out, in] transposed once to [in, out] (the wasm matMul with a transposed operand is slow). */
  transposed(name: string, out: number, inDim: number): tf.Tensor2D {
    const t = tf.tidy(() => tf.transpose(tf.tensor2d(this.weights.get(name)?.data ?? missing(name), [out, inDim]))); // [in, out]
    this.made.push(t);
    return t;
  }

  has(name: string): boolean {
    return this.weights.has(name);
  }

  dispose(): void {
    for (const t of this.made) t.dispose();
    this.made.length = 0;
  }
}

function missing(name: string): never {
  throw new EngineError('BAD_WEIGHTS', `weight "${name}" is missing`);
}
