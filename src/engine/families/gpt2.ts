// GPT-2 (nanoGPT's GPT): wte + wpe → h[0..L) blocks → ln_f → LM head tied to wte. A block is
// ln_1 → attn (c_attn, explicit causal attention, c_proj) → residual → ln_2 → mlp (c_fc,
// activation, c_proj) → residual, named after the checkpoint's keys (`h.{i}.attn.c_attn` …). The
// layers are the shared ones (layers.ts on tensors, rowLayers.ts on one row). On a shard of a
// tensor-parallel model the weights hold some heads and MLP units, and `reduce` sums the outputs of
// the two row-parallel projections (attn.c_proj, mlp.c_proj) over the threads.
import { tf } from '../backend';
import { Gemm, type PackedMatrix } from '../gemm/gemm';
import type { KVCache } from '../kvCache';
import { activationInPlace, addInPlace, causalAttentionRows, layerNormRows } from '../arrayLayers';
import { activation, causalSelfAttention, layerNorm, linear, type LayerNormWeights, type PastKV } from '../layers';
import { WeightReader } from '../modelWeights';
import { isWhole, wholeShard, type Shard } from '../parallel/shards';
import { activationRow, addRows, attendOne, layerNormRow, type LayerNormArrays } from '../rowLayers';
import type { GPTConfig, WeightMap } from '../types';
import type { BlockTensors, Embedded, Family, HeadEdit, Reduce, ReduceArray } from './family';

/**
 * A block's weights under the checkpoint's names (`h.{i}.…`). The four matrices are packed for
 * our GEMM (Conv1D layout: [in, out], with their biases); on a shard they hold its heads and units.
 */
export interface GPT2Block {
  ln_1: LayerNormWeights;
  attn: {
    c_attn: PackedMatrix; // [d, 3·H·hd] (q | k | v, each head by head)
    c_proj: PackedMatrix; // [H·hd, d]
  };
  ln_2: LayerNormWeights;
  mlp: {
    c_fc: PackedMatrix; // [d, nInner]
    c_proj: PackedMatrix; // [nInner, d]
  };
  /** ln_1 and ln_2 again as arrays, for the one-row path. */
  rows: { ln_1: LayerNormArrays; ln_2: LayerNormArrays };
}

/** Parameters of the whole GPT-2 checkpoint (the transposed head copy not counted). */
export function countParams(c: GPTConfig): number {
  const { vocabSize: V, nPositions: P, nEmbd: d, nInner: f, nLayer: L } = c;
  const block = 4 * d + (d * 3 * d + 3 * d) + (d * d + d) + (d * f + f) + (f * d + d);
  return V * d + P * d + L * block + 2 * d;
}

export class GPT2 implements Family {
  private constructor(
    readonly config: GPTConfig,
    readonly shard: Shard,
    readonly numParams: number,
    private readonly gemm: Gemm,
    /** The embedding as an array [V × d] (on a split model one shared copy read by every thread; the LM head is packed from it). */
    private readonly wte: Float32Array, // [V × d]
    private readonly wpe: tf.Tensor2D, // [P, d]
    private readonly h: GPT2Block[],
    private readonly ln_f: LayerNormWeights,
    private readonly lnFRow: LayerNormArrays,
    /** wteᵀ [d, this shard's vocabulary], packed. */
    readonly head: PackedMatrix,
  ) {}

  /**
   * Builds the tensors of `shard` from `weights`, which must already be cut to it (shardWeights):
   * c_attn [d, 3·heads·hd], attn.c_proj [heads·hd, d], c_fc [d, inner], mlp.c_proj [inner, d].
   */
  static load(config: GPTConfig, weights: WeightMap, shard: Shard = wholeShard(config), release = false): GPT2 {
    const { vocabSize: V, nPositions: P, nEmbd: d, nLayer: L } = config;
    const hd = d / config.nHead;
    const hl = shard.heads[1] - shard.heads[0]; // heads on this shard
    const f = shard.inner[1] - shard.inner[0]; // MLP units on this shard
    const r = new WeightReader(weights, new Gemm(), release); // release: each matrix let go once packed
    const ln = (prefix: string): LayerNormWeights => r.layerNorm(prefix, d);
    const lnRow = (prefix: string): LayerNormArrays => r.layerNormRow(prefix);
    try {
      const wte = r.array('wte.weight', [V, d]); // [V × d]
      const wpe = r.tensor<tf.Rank.R2>('wpe.weight', [P, d]); // [P, d]
      const h: GPT2Block[] = [];
      for (let i = 0; i < L; i++) {
        const p = `h.${i}`;
        h.push({
          ln_1: ln(`${p}.ln_1`),
          attn: { c_attn: r.conv1d(`${p}.attn.c_attn`, d, 3 * hl * hd), c_proj: r.conv1d(`${p}.attn.c_proj`, hl * hd, d) },
          ln_2: ln(`${p}.ln_2`),
          mlp: { c_fc: r.conv1d(`${p}.mlp.c_fc`, d, f), c_proj: r.conv1d(`${p}.mlp.c_proj`, f, d) },
          rows: { ln_1: lnRow(`${p}.ln_1`), ln_2: lnRow(`${p}.ln_2`) },
        });
      }
      const ln_f = ln('ln_f');
      const head = r.gemm.pack(wte, d, V, { transposed: true, columns: shard.vocab }); // wteᵀ [d, v1 - v0]
      const numParams = isWhole(shard) ? r.numParams : countParams(config);
      return new GPT2(config, shard, numParams, r.gemm, wte, wpe, h, ln_f, lnRow('ln_f'), head);
    } catch (err) {
      r.discard();
      throw err;
    }
  }

  embed(ids: number[], pos0: number): Embedded {
    const T = ids.length;
    const d = this.config.nEmbd;
    const rows = new Float32Array(T * d); // [T × d]
    ids.forEach((id, t) => rows.set(this.wte.subarray(id * d, (id + 1) * d), t * d));
    const tok = tf.tensor2d(rows, [T, d]); // [T, d]
    const pos = (
      pos0 === 0
        ? tf.slice(this.wpe, [0, 0], [T, this.config.nEmbd])
        : tf.gather(this.wpe, tf.tensor1d(Array.from({ length: T }, (_, i) => pos0 + i), 'int32'))
    ) as tf.Tensor2D; // [T, d]
    return { tok, pos, x: tf.add(tok, pos) as tf.Tensor2D }; // [T, d]
  }

  block(l: number, x: tf.Tensor2D, past: PastKV, reduce?: Reduce, edit?: HeadEdit): BlockTensors {
    const w = this.h[l];
    const { layerNormEps: eps, activation: act } = this.config;
    const T = x.shape[0];
    const hd = this.config.nEmbd / this.config.nHead;
    const ln1 = layerNorm(x, w.ln_1, eps); // [T, d]
    const qkv = w.attn.c_attn.matmul(ln1.dataSync() as Float32Array, T); // [T × 3·H·hd]
    const hl = w.attn.c_attn.outDim / (3 * hd); // this shard's heads
    const att = causalSelfAttention(qkv, T, { nHead: hl, nKvHead: hl, headDim: hd }, past, this.gemm);
    const attnPartial = linear(edit ? edit(att.concat) : att.concat, w.attn.c_proj); // [T, d]
    const attnOut = reduce ? reduce(attnPartial) : attnPartial; // [T, d]
    const residualMid = tf.add(x, attnOut) as tf.Tensor2D; // [T, d]
    const ln2 = layerNorm(residualMid, w.ln_2, eps); // [T, d]
    const ffnPre = linear(ln2, w.mlp.c_fc); // [T, nInner] (this shard's units)
    const ffnAct = activation(act, ffnPre); // [T, nInner]
    const ffnPartial = linear(ffnAct, w.mlp.c_proj); // [T, d]
    const ffnOut = reduce ? reduce(ffnPartial) : ffnPartial; // [T, d]
    const residualOut = tf.add(residualMid, ffnOut) as tf.Tensor2D; // [T, d]
    return { ...att, attnOut, residualIn: x, ln1, residualMid, ln2, ffnPre, ffnAct, ffnOut, residualOut };
  }

  blockRows(l: number, x: Float32Array, T: number, weightsOut?: Float32Array, reduce?: ReduceArray): Float32Array {
    const w = this.h[l];
    const { layerNormEps: eps, activation: act } = this.config;
    const hd = this.config.nEmbd / this.config.nHead;
    const qkv = w.attn.c_attn.matmul(layerNormRows(x, T, w.rows.ln_1, eps), T); // [T × 3·H·hd]
    const hl = w.attn.c_attn.outDim / (3 * hd); // this shard's heads
    const heads = causalAttentionRows(qkv, T, { nHead: hl, nKvHead: hl, headDim: hd }, this.gemm, weightsOut); // [T × H·hd]
    const attnPartial = w.attn.c_proj.matmul(heads, T); // [T × d]
    const mid = addInPlace(reduce ? reduce(attnPartial) : attnPartial, x); // [T × d]
    const ffnAct = activationInPlace(act, w.mlp.c_fc.matmul(layerNormRows(mid, T, w.rows.ln_2, eps), T)); // [T × nInner]
    const ffnPartial = w.mlp.c_proj.matmul(ffnAct, T); // [T × d]
    return addInPlace(reduce ? reduce(ffnPartial) : ffnPartial, mid); // [T × d]
  }

  finalNormRows(x: Float32Array, T: number): Float32Array {
    return layerNormRows(x, T, this.lnFRow, this.config.layerNormEps); // [T × d]
  }

  blockRow(l: number, x: Float32Array, cache: KVCache, reduce?: ReduceArray): Float32Array {
    const w = this.h[l];
    const eps = this.config.layerNormEps;
    const qkv = w.attn.c_attn.matmul(layerNormRow(x, w.rows.ln_1, eps), 1); // [3 × H × hd]
    const heads = attendOne(qkv, cache, l, cache.length); // [H × hd]
    const attnPartial = w.attn.c_proj.matmul(heads, 1); // [d]
    const mid = addRows(x, reduce ? reduce(attnPartial) : attnPartial); // [d]
    const pre = w.mlp.c_fc.matmul(layerNormRow(mid, w.rows.ln_2, eps), 1); // [nInner]
    const ffnPartial = w.mlp.c_proj.matmul(activationRow(this.config.activation, pre), 1); // [d]
    return addRows(mid, reduce ? reduce(ffnPartial) : ffnPartial); // [d]
  }

  finalNorm(x: tf.Tensor2D): tf.Tensor2D {
    return layerNorm(x, this.ln_f, this.config.layerNormEps); // [T, d]
  }

  finalNormRow(x: Float32Array): Float32Array {
    return layerNormRow(x, this.lnFRow, this.config.layerNormEps); // [d]
  }

  dispose(): void {
    const tensors = [this.wpe, this.ln_f.weight, this.ln_f.bias];
    for (const b of this.h) tensors.push(b.ln_1.weight, b.ln_1.bias, b.ln_2.weight, b.ln_2.bias);
    for (const t of tensors) t.dispose();
    this.gemm.dispose();
  }
}
