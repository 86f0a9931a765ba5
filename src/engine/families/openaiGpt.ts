// GPT-1 (modeling_openai.py's OpenAIGPTModel): tokens_embed + positions_embed → h[0..L) blocks →
// the LM head tied to tokens_embed, with no final norm. Blocks are post-LN: n = ln_1(x + attn(x));
// h = ln_2(n + mlp(n)), where attn is GPT-2's (c_attn, explicit causal attention, c_proj) and mlp
// is c_fc → activation → c_proj, all Conv1D [in, out], named after the checkpoint's keys. On a
// shard of a tensor-parallel model, `reduce` sums attn.c_proj's and mlp.c_proj's outputs.
import { tf } from '../backend';
import { Gemm, type PackedMatrix } from '../gemm/gemm';
import type { KVCache } from '../kvCache';
import { activation, causalSelfAttention, layerNorm, linear, type LayerNormWeights, type PastKV } from '../layers';
import { WeightReader } from '../modelWeights';
import { isWhole, wholeShard, type Shard } from '../parallel/shards';
import { activationRow, addRows, attendOne, layerNormRow, type LayerNormArrays } from '../rowLayers';
import type { GPTConfig, WeightMap } from '../types';
import type { BlockTensors, Embedded, Family, HeadEdit, Reduce, ReduceArray } from './family';

/** A block's weights under the checkpoint's names (`h.{i}.…`), packed; on a shard, its heads and units. */
export interface OpenAIGPTBlock {
  attn: { c_attn: PackedMatrix; c_proj: PackedMatrix }; // [d, 3·H·hd], [H·hd, d]
  ln_1: LayerNormWeights;
  mlp: { c_fc: PackedMatrix; c_proj: PackedMatrix }; // [d, nInner], [nInner, d]
  ln_2: LayerNormWeights;
  rows: { ln_1: LayerNormArrays; ln_2: LayerNormArrays };
}

/** Parameters of the whole checkpoint. */
export function countOpenAIGptParams(c: GPTConfig): number {
  const { vocabSize: V, nPositions: P, nEmbd: d, nInner: f } = c;
  return V * d + P * d + c.nLayer * (4 * d + (d * 3 * d + 3 * d) + (d * d + d) + (d * f + f) + (f * d + d));
}

export class OpenAIGPT implements Family {
  private constructor(
    readonly config: GPTConfig,
    readonly shard: Shard,
    readonly numParams: number,
    private readonly gemm: Gemm,
    private readonly tokens_embed: tf.Tensor2D, // [V, d]
    private readonly positions_embed: tf.Tensor2D, // [P, d]
    private readonly h: OpenAIGPTBlock[],
    /** tokens_embedᵀ [d, this shard's vocabulary], packed. */
    readonly head: PackedMatrix,
  ) {}

  /** Builds the tensors of `shard` from `weights`, already cut to it (shardWeights). */
  static load(config: GPTConfig, weights: WeightMap, shard: Shard = wholeShard(config)): OpenAIGPT {
    const { vocabSize: V, nPositions: P, nEmbd: d, nLayer: L, headDim: hd } = config;
    const hl = shard.heads[1] - shard.heads[0];
    const f = shard.inner[1] - shard.inner[0];
    const r = new WeightReader(weights, new Gemm());
    const ln = (prefix: string): LayerNormWeights => r.layerNorm(prefix, d);
    const lnRow = (prefix: string): LayerNormArrays => r.layerNormRow(prefix);
    try {
      const tokens_embed = r.tensor<tf.Rank.R2>('tokens_embed.weight', [V, d]); // [V, d]
      const positions_embed = r.tensor<tf.Rank.R2>('positions_embed.weight', [P, d]); // [P, d]
      const h: OpenAIGPTBlock[] = [];
      for (let i = 0; i < L; i++) {
        const p = `h.${i}`;
        h.push({
          attn: { c_attn: r.conv1d(`${p}.attn.c_attn`, d, 3 * hl * hd), c_proj: r.conv1d(`${p}.attn.c_proj`, hl * hd, d) },
          ln_1: ln(`${p}.ln_1`),
          mlp: { c_fc: r.conv1d(`${p}.mlp.c_fc`, d, f), c_proj: r.conv1d(`${p}.mlp.c_proj`, f, d) },
          ln_2: ln(`${p}.ln_2`),
          rows: { ln_1: lnRow(`${p}.ln_1`), ln_2: lnRow(`${p}.ln_2`) },
        });
      }
      const head = r.gemm.pack(weights.get('tokens_embed.weight')!.data, d, V, { transposed: true, columns: shard.vocab }); // [d, v1 - v0]
      const numParams = isWhole(shard) ? r.numParams : countOpenAIGptParams(config);
      return new OpenAIGPT(config, shard, numParams, r.gemm, tokens_embed, positions_embed, h, head);
    } catch (err) {
      r.discard();
      throw err;
    }
  }

  embed(ids: number[], pos0: number): Embedded {
    const T = ids.length;
    const tok = tf.gather(this.tokens_embed, tf.tensor1d(ids, 'int32')) as tf.Tensor2D; // [T, d]
    const pos = tf.gather(this.positions_embed, tf.tensor1d(Array.from({ length: T }, (_, i) => pos0 + i), 'int32')) as tf.Tensor2D; // [T, d]
    return { tok, pos, x: tf.add(tok, pos) as tf.Tensor2D }; // [T, d]
  }

  block(l: number, x: tf.Tensor2D, past: PastKV, reduce?: Reduce, edit?: HeadEdit): BlockTensors {
    const w = this.h[l];
    const { layerNormEps: eps, activation: act, headDim: hd } = this.config;
    const T = x.shape[0];
    const hl = w.attn.c_attn.outDim / (3 * hd); // this shard's heads
    const qkv = w.attn.c_attn.matmul(x.dataSync() as Float32Array, T); // [T × 3·H·hd]
    const att = causalSelfAttention(qkv, T, { nHead: hl, nKvHead: hl, headDim: hd }, past, this.gemm);
    const attnPartial = linear(edit ? edit(att.concat) : att.concat, w.attn.c_proj); // [T, d]
    const attnOut = reduce ? reduce(attnPartial) : attnPartial; // [T, d]
    const attnSum = tf.add(x, attnOut) as tf.Tensor2D; // [T, d] x + a
    const residualMid = layerNorm(attnSum, w.ln_1, eps); // [T, d] n = ln_1(x + a)
    const ffnPre = linear(residualMid, w.mlp.c_fc); // [T, nInner]
    const ffnAct = activation(act, ffnPre); // [T, nInner]
    const ffnPartial = linear(ffnAct, w.mlp.c_proj); // [T, d]
    const ffnOut = reduce ? reduce(ffnPartial) : ffnPartial; // [T, d]
    const ffnSum = tf.add(residualMid, ffnOut) as tf.Tensor2D; // [T, d] n + m
    const residualOut = layerNorm(ffnSum, w.ln_2, eps); // [T, d] ln_2(n + m)
    // No norm before attention or the MLP: they read the block's input and n themselves.
    return { ...att, attnOut, residualIn: x, ln1: x, residualMid, ln2: residualMid, ffnPre, ffnAct, ffnOut, residualOut, attnSum, ffnSum };
  }

  blockRow(l: number, x: Float32Array, cache: KVCache, reduce?: ReduceArray): Float32Array {
    const w = this.h[l];
    const eps = this.config.layerNormEps;
    const heads = attendOne(w.attn.c_attn.matmul(x, 1), cache, l, cache.length); // [H × hd]
    const attnPartial = w.attn.c_proj.matmul(heads, 1); // [d]
    const n = layerNormRow(addRows(x, reduce ? reduce(attnPartial) : attnPartial), w.rows.ln_1, eps); // [d]
    const ffnPartial = w.mlp.c_proj.matmul(activationRow(this.config.activation, w.mlp.c_fc.matmul(n, 1)), 1); // [d]
    return layerNormRow(addRows(n, reduce ? reduce(ffnPartial) : ffnPartial), w.rows.ln_2, eps); // [d]
  }

  /** GPT-1 has no final norm: the last block's output goes to the head as it is. */
  finalNorm(x: tf.Tensor2D): tf.Tensor2D {
    return tf.clone(x); // [T, d] (a new tensor: the caller disposes it)
  }

  finalNormRow(x: Float32Array): Float32Array {
    return x; // [d]
  }

  dispose(): void {
    const tensors: tf.Tensor[] = [this.tokens_embed, this.positions_embed];
    for (const b of this.h) tensors.push(b.ln_1.weight, b.ln_1.bias, b.ln_2.weight, b.ln_2.bias);
    for (const t of tensors) t.dispose();
    this.gemm.dispose();
  }
}
