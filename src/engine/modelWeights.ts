// The checkpoint's plain arrays (WeightMap) → a family's weights, every shape checked against what
// the config implies: a family's loader asks for each weight by its checkpoint name and shape. Weight
// matrices are packed into the thread's Gemm (gemm/gemm.ts), which runs the model's GEMMs faster
// than tfjs's matMul; embeddings and norms become tfjs tensors.
import { tf } from './backend';
import { EngineError } from './errors';
import type { Gemm, PackedMatrix } from './gemm/gemm';
import type { WeightMap } from './types';

export class WeightReader {
  /** Values read so far (the parameters of what was built). */
  numParams = 0;
  private readonly created: tf.Tensor[] = [];

  constructor(
    private readonly weights: WeightMap,
    /** Packs the matrices; owned by the family's weights. */
    readonly gemm: Gemm,
  ) {}

  /** The checkpoint's array `name`, checked against `shape`. */
  array(name: string, shape: number[]): Float32Array {
    const w = this.weights.get(name);
    if (!w) throw new EngineError('BAD_WEIGHTS', `the checkpoint has no "${name}" (expected shape [${shape}])`);
    const same = w.shape.length === shape.length && w.shape.every((s, i) => s === shape[i]);
    if (!same) {
      throw new EngineError('BAD_WEIGHTS', `"${name}" has shape [${w.shape}], expected [${shape}] from the config`);
    }
    if (w.data.length !== shape.reduce((a, b) => a * b, 1)) {
      throw new EngineError('BAD_WEIGHTS', `"${name}" holds ${w.data.length} values, its shape [${shape}] needs more`);
    }
    this.numParams += w.data.length;
    return w.data;
  }

  /** The same as a tensor, freed by discard() if the load fails. */
  tensor<R extends tf.Rank>(name: string, shape: number[]): tf.Tensor<R> {
    const t = tf.tensor(this.array(name, shape), shape, 'float32') as unknown as tf.Tensor<R>;
    this.created.push(t);
    return t;
  }

  /** A Conv1D weight `${prefix}.weight` [nIn, nOut] with its bias [nOut], packed. */
  conv1d(prefix: string, nIn: number, nOut: number): PackedMatrix {
    return this.gemm.pack(this.array(`${prefix}.weight`, [nIn, nOut]), nIn, nOut, { bias: this.array(`${prefix}.bias`, [nOut]) }); // [nIn, nOut]
  }

  /**
   * nn.Linear weights `${prefix}.weight` [nOut_i, nIn] (with `${prefix}.bias` [nOut_i] where
   * `bias`) for each prefix, stacked along the outputs and packed as one matrix [nIn, Σ nOut_i]:
   * one GEMM computes them all (q | k | v, gate | up).
   */
  linear(prefixes: string[], nIn: number, nOuts: number[], bias: boolean): PackedMatrix {
    const N = nOuts.reduce((a, b) => a + b, 0);
    const w = new Float32Array(N * nIn); // [N, nIn]: W transposed
    const b = bias ? new Float32Array(N) : undefined; // [N]
    let row = 0;
    prefixes.forEach((prefix, i) => {
      w.set(this.array(`${prefix}.weight`, [nOuts[i], nIn]), row * nIn);
      b?.set(this.array(`${prefix}.bias`, [nOuts[i]]), row);
      row += nOuts[i];
    });
    return this.gemm.pack(w, nIn, N, { transposed: true, ...(b ? { bias: b } : {}) }); // [nIn, N]
  }

  /** A copy of an array already checked by array() or tensor() (the arrays the one-row path reads). */
  copy(name: string): Float32Array {
    return this.weights.get(name)!.data.slice();
  }

  /** Frees every tensor made so far and the Gemm (the load failed). */
  discard(): void {
    for (const t of this.created) t.dispose();
    this.gemm.dispose();
  }
}
