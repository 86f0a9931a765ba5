// The checkpoint's plain arrays (WeightMap) → a family's weights, every shape checked against what
// the config implies: a family's loader asks for each weight by its checkpoint name and shape. Weight
// matrices are packed into the thread's Gemm (gemm/gemm.ts), which runs the model's GEMMs faster
// than tfjs's matMul; embeddings and norms become tfjs tensors. A weight may come as float32 or as
// the checkpoint's 16-bit values (WeightArray16): a matrix of those is packed into 16-bit panels as
// it is, anything else is widened to float32 when asked for.
import { tf } from './backend';
import { EngineError } from './errors';
import type { Gemm, PackedMatrix } from './gemm/gemm';
import { bf16ToF32, f16ToF32, type StoredTensor } from './safetensors';
import type { LayerNormWeights } from './layers';
import type { LayerNormArrays } from './rowLayers';
import type { AnyWeightArray, WeightArray16 } from './types';

/** Whether a weight holds 16-bit values. */
export function isWeight16(w: AnyWeightArray): w is WeightArray16 {
  return w.data instanceof Uint16Array;
}

/** A weight's values as float32: its own array, or a widened copy of 16-bit ones. */
export function widenWeight(w: AnyWeightArray): Float32Array {
  if (!isWeight16(w)) return w.data;
  return w.dtype === 'bf16' ? bf16ToF32(w.data) : f16ToF32(w.data);
}

/** A tensor read with SafetensorsFile.readStored() as a weight: F16 and BF16 stay 16-bit. */
export function storedWeight(shape: number[], t: StoredTensor): AnyWeightArray {
  if (t.dtype === 'F32') return { shape, data: t.data };
  return { shape, dtype: t.dtype === 'BF16' ? 'bf16' : 'f16', data: t.data };
}

/** How a matrix is packed (see PackOptions): its checkpoint shape is [K, N], or [N, K] when transposed. */
export interface MatrixOptions {
  transposed?: boolean;
  columns?: [number, number];
  bias?: Float32Array;
  /** Keep the weight in the map even with release (the tied head's embedding: embed() reads it too). */
  keep?: boolean;
}

export class WeightReader {
  /** Values read so far (the parameters of what was built; each name counted once). */
  numParams = 0;
  private readonly counted = new Set<string>();
  private readonly created: tf.Tensor[] = [];

  constructor(
    /** A WeightMap, or a map holding 16-bit weights too. */
    private readonly weights: ReadonlyMap<string, AnyWeightArray>,
    /** Packs the matrices; owned by the family's weights. */
    readonly gemm: Gemm,
    /** Remove each matrix from `weights` once packed (the caller drops the map after the load). */
    private readonly release = false,
  ) {}

  /** With release, lets the packed weights `names` go. */
  private packed(names: string[]): void {
    if (this.release) for (const n of names) (this.weights as Map<string, AnyWeightArray>).delete(n);
  }

  /** The checkpoint's weight `name`, checked against `shape`. */
  private entry(name: string, shape: number[]): AnyWeightArray {
    const w = this.weights.get(name);
    if (!w) throw new EngineError('BAD_WEIGHTS', `the checkpoint has no "${name}" (expected shape [${shape}])`);
    const same = w.shape.length === shape.length && w.shape.every((s, i) => s === shape[i]);
    if (!same) {
      throw new EngineError('BAD_WEIGHTS', `"${name}" has shape [${w.shape}], expected [${shape}] from the config`);
    }
    if (w.data.length !== shape.reduce((a, b) => a * b, 1)) {
      throw new EngineError('BAD_WEIGHTS', `"${name}" holds ${w.data.length} values, its shape [${shape}] needs more`);
    }
    if (!this.counted.has(name)) {
      this.counted.add(name);
      this.numParams += w.data.length;
    }
    return w;
  }

  /** The checkpoint's array `name`, checked against `shape`, as float32 (16-bit values widened into a new array). */
  array(name: string, shape: number[]): Float32Array {
    return widenWeight(this.entry(name, shape));
  }

  /** The checkpoint's weight `name`, checked against `shape`, as it is (16-bit values stay 16-bit; not copied). */
  stored(name: string, shape: number[]): AnyWeightArray {
    return this.entry(name, shape);
  }

  /** The same as a tensor, freed by discard() if the load fails. */
  tensor<R extends tf.Rank>(name: string, shape: number[]): tf.Tensor<R> {
    const t = tf.tensor(this.array(name, shape), shape, 'float32') as unknown as tf.Tensor<R>;
    this.created.push(t);
    return t;
  }

  /**
   * The weight matrix `name`, checkpoint shape `shape` ([K, N], or [N, K] with `transposed`: an
   * nn.Linear's [out, in], a tied head's [V, d]), packed: 16-bit values into 16-bit panels as they
   * are, float32 into f32 panels. A packing problem (a binary16 infinity) names the weight.
   */
  matrix(name: string, shape: [number, number], { keep, ...opts }: MatrixOptions = {}): PackedMatrix {
    const w = this.entry(name, shape);
    const [K, N] = opts.transposed ? [shape[1], shape[0]] : shape;
    try {
      const m = this.gemm.pack(w.data, K, N, { ...opts, dtype: isWeight16(w) ? w.dtype : 'f32' });
      if (!keep) this.packed([name]);
      return m;
    } catch (err) {
      if (err instanceof EngineError && err.code === 'BAD_WEIGHTS') throw new EngineError('BAD_WEIGHTS', `"${name}": ${err.message}`);
      throw err;
    }
  }

  /**
   * nn.Linear weights `${prefix}.weight` [nOut_i, nIn] (with `${prefix}.bias` [nOut_i] where
   * `bias`) for each prefix, stacked along the outputs and packed as one matrix [nIn, Σ nOut_i]:
   * one GEMM computes them all (q | k | v, gate | up). Weights that are all 16-bit of one kind
   * stay 16-bit (stacked as stored); otherwise the stack is float32.
   */
  linear(prefixes: string[], nIn: number, nOuts: number[], bias: boolean): PackedMatrix {
    const N = nOuts.reduce((a, b) => a + b, 0);
    const parts = prefixes.map((prefix, i) => this.entry(`${prefix}.weight`, [nOuts[i], nIn]));
    const first = parts[0];
    const half = parts.every((p) => isWeight16(p) && isWeight16(first) && p.dtype === first.dtype) && isWeight16(first) ? first.dtype : undefined;
    const w = half ? new Uint16Array(N * nIn) : new Float32Array(N * nIn); // [N, nIn]: W transposed
    const b = bias ? new Float32Array(N) : undefined; // [N]
    let row = 0;
    prefixes.forEach((prefix, i) => {
      const p = parts[i];
      if (half) (w as Uint16Array).set(p.data as Uint16Array, row * nIn);
      else (w as Float32Array).set(isWeight16(p) ? widenWeight(p) : p.data, row * nIn);
      b?.set(this.array(`${prefix}.bias`, [nOuts[i]]), row);
      row += nOuts[i];
    });
    this.packed(prefixes.map((p) => `${p}.weight`));
    return this.gemm.pack(w, nIn, N, { transposed: true, dtype: half ?? 'f32', ...(b ? { bias: b } : {}) }); // [nIn, N]
  }

  /** A Conv1D weight `${prefix}.weight` [nIn, nOut] with its bias [nOut], packed. */
  conv1d(prefix: string, nIn: number, nOut: number): PackedMatrix {
    return this.matrix(`${prefix}.weight`, [nIn, nOut], { bias: this.array(`${prefix}.bias`, [nOut]) }); // [nIn, nOut]
  }

  /** A float32 copy of an array already checked by array() or tensor() (the arrays the one-row path reads). */
  copy(name: string): Float32Array {
    const w = this.weights.get(name)!;
    return isWeight16(w) ? widenWeight(w) : w.data.slice();
  }

  /** A LayerNorm `${prefix}.weight|bias` [d] as tensors (GPT-2's and GPT-1's ln_1, ln_2, ln_f). */
  layerNorm(prefix: string, d: number): LayerNormWeights {
    return { weight: this.tensor<tf.Rank.R1>(`${prefix}.weight`, [d]), bias: this.tensor<tf.Rank.R1>(`${prefix}.bias`, [d]) };
  }

  /** The same LayerNorm as float32 copies, for the one-row path (after layerNorm() checked it). */
  layerNormRow(prefix: string): LayerNormArrays {
    return { weight: this.copy(`${prefix}.weight`), bias: this.copy(`${prefix}.bias`) };
  }

  /** Frees every tensor made so far and the Gemm (the load failed). */
  discard(): void {
    for (const t of this.created) t.dispose();
    this.gemm.dispose();
  }
}
