// WeightMap (plain Float32Arrays under GPT-2's names) → the model's weights, with every shape
// checked against the config. The four weight matrices of every block and the tied LM head (wteᵀ,
// [d, V]) are packed into this thread's Gemm (gemm/gemm.ts), which runs the model's GEMMs faster
// than tfjs's matMul; the embeddings and layer norms stay tfjs tensors.
import { tf } from './backend';
import type { BlockWeights, LayerNormWeights } from './block';
import { EngineError } from './errors';
import { Gemm, type PackedMatrix } from './gemm/gemm';
import { isWhole, wholeShard, type Shard } from './parallel/shards';
import type { GPTConfig, WeightMap } from './types';

/** A layer norm's parameters as plain arrays (the single-token decoder normalises in JS). */
export interface LayerNormArrays {
  weight: Float32Array; // [d]
  bias: Float32Array; // [d]
}

export interface ModelTensors {
  wte: tf.Tensor2D; // [V, d]
  /** The tied LM head wteᵀ [d, shard's vocabulary], packed. */
  head: PackedMatrix;
  /** Holds this thread's packed matrices; disposed with the model. */
  gemm: Gemm;
  /** What part of each layer these tensors hold (the whole model on a single thread). */
  shard: Shard;
  wpe: tf.Tensor2D; // [P, d]
  h: BlockWeights[];
  ln_f: LayerNormWeights;
  /** The layer norms again, as arrays. */
  lnArrays: { h: { ln_1: LayerNormArrays; ln_2: LayerNormArrays }[]; ln_f: LayerNormArrays };
  /** Parameters in the whole checkpoint (the transposed head copy not counted), whatever the shard. */
  numParams: number;
}

/** Every tensor a ModelTensors owns, for dispose() (the packed matrices go with `gemm`). */
export function allTensors(m: ModelTensors): tf.Tensor[] {
  const out: tf.Tensor[] = [m.wte, m.wpe, m.ln_f.weight, m.ln_f.bias];
  for (const b of m.h) out.push(b.ln_1.weight, b.ln_1.bias, b.ln_2.weight, b.ln_2.bias);
  return out;
}

export function countParams(c: GPTConfig): number {
  const { vocabSize: V, nPositions: P, nEmbd: d, nInner: f, nLayer: L } = c;
  const block = 4 * d + (d * 3 * d + 3 * d) + (d * d + d) + (d * f + f) + (f * d + d);
  return V * d + P * d + L * block + 2 * d;
}

/**
 * Builds the tensors of `shard` from `weights`, which must already be cut to it (shardWeights):
 * c_attn [d, 3·heads·hd], attn.c_proj [heads·hd, d], c_fc [d, inner], mlp.c_proj [inner, d].
 */
export function buildModelTensors(config: GPTConfig, weights: WeightMap, shard: Shard = wholeShard(config)): ModelTensors {
  const { vocabSize: V, nPositions: P, nEmbd: d, nLayer: L } = config;
  const hd = d / config.nHead;
  const hl = shard.heads[1] - shard.heads[0]; // heads on this shard
  const f = shard.inner[1] - shard.inner[0]; // MLP units on this shard
  const [v0, v1] = shard.vocab;
  const created: tf.Tensor[] = [];
  const gemm = new Gemm();
  let numParams = 0;

  /** The checkpoint's array `name`, checked against `shape`. */
  function array(name: string, shape: number[]): Float32Array {
    const w = weights.get(name);
    if (!w) throw new EngineError('BAD_WEIGHTS', `the checkpoint has no "${name}" (expected shape [${shape}])`);
    const same = w.shape.length === shape.length && w.shape.every((s, i) => s === shape[i]);
    if (!same) {
      throw new EngineError('BAD_WEIGHTS', `"${name}" has shape [${w.shape}], expected [${shape}] from the config`);
    }
    if (w.data.length !== shape.reduce((a, b) => a * b, 1)) {
      throw new EngineError('BAD_WEIGHTS', `"${name}" holds ${w.data.length} values, its shape [${shape}] needs more`);
    }
    numParams += w.data.length;
    return w.data;
  }
  function take<R extends tf.Rank>(name: string, shape: number[]): tf.Tensor<R> {
    const t = tf.tensor(array(name, shape), shape, 'float32') as unknown as tf.Tensor<R>;
    created.push(t);
    return t;
  }
  const ln = (prefix: string): LayerNormWeights => ({
    weight: take<tf.Rank.R1>(`${prefix}.weight`, [d]),
    bias: take<tf.Rank.R1>(`${prefix}.bias`, [d]),
  });
  const conv1d = (prefix: string, nIn: number, nOut: number): PackedMatrix =>
    gemm.pack(array(`${prefix}.weight`, [nIn, nOut]), nIn, nOut, { bias: array(`${prefix}.bias`, [nOut]) }); // [nIn, nOut]

  try {
    const wte = take<tf.Rank.R2>('wte.weight', [V, d]); // [V, d]
    const wpe = take<tf.Rank.R2>('wpe.weight', [P, d]); // [P, d]
    const h: BlockWeights[] = [];
    for (let i = 0; i < L; i++) {
      h.push({
        ln_1: ln(`h.${i}.ln_1`),
        attn: { c_attn: conv1d(`h.${i}.attn.c_attn`, d, 3 * hl * hd), c_proj: conv1d(`h.${i}.attn.c_proj`, hl * hd, d) },
        ln_2: ln(`h.${i}.ln_2`),
        mlp: { c_fc: conv1d(`h.${i}.mlp.c_fc`, d, f), c_proj: conv1d(`h.${i}.mlp.c_proj`, f, d) },
      });
    }
    const ln_f = ln('ln_f');
    const head = gemm.pack(weights.get('wte.weight')!.data, d, V, { transposed: true, columns: [v0, v1] }); // wteᵀ [d, v1 - v0]
    const lnArrays = (prefix: string): LayerNormArrays => ({
      weight: weights.get(`${prefix}.weight`)!.data.slice(), // checked by take() above
      bias: weights.get(`${prefix}.bias`)!.data.slice(),
    });
    const lnAll = {
      h: Array.from({ length: L }, (_, i) => ({ ln_1: lnArrays(`h.${i}.ln_1`), ln_2: lnArrays(`h.${i}.ln_2`) })),
      ln_f: lnArrays('ln_f'),
    };
    return { wte, head, gemm, wpe, h, ln_f, lnArrays: lnAll, shard, numParams: isWhole(shard) ? numParams : countParams(config) };
  } catch (err) {
    for (const t of created) t.dispose();
    gemm.dispose();
    throw err;
  }
}
