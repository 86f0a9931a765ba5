// The Llama family (modeling_llama.py; Mistral, Qwen2 and Qwen3 are the same decoder with flags
// from the config): embed_tokens → layers[0..L) → norm (RMSNorm) → lm_head (or the tied
// embed_tokens). A layer is input_layernorm → self_attn (q_proj | k_proj | v_proj in one GEMM,
// Qwen3's q_norm / k_norm per head, RoPE on q and k, grouped-query attention with Mistral's
// sliding window where set, o_proj) → residual → post_attention_layernorm → mlp
// (down_proj(silu(gate_proj(x)) · up_proj(x)), gate | up in one GEMM) → residual, named after
// the checkpoint's keys. No learned positions. Biases where the config has them (Qwen2's q, k, v;
// Llama's attention_bias and mlp_bias). On a shard: its query heads, the kv heads they read, its
// MLP units and vocabulary; `reduce` sums o_proj's and down_proj's outputs over the threads.
import { tf } from '../backend';
import { Gemm, type PackedMatrix } from '../gemm/gemm';
import type { KVCache } from '../kvCache';
import { causalSelfAttention, linear, type HeadLayout, type PastKV } from '../layers';
import { isWeight16, WeightReader } from '../modelWeights';
import { rmsNorm, rmsNormHeads, rmsNormRow } from '../norms';
import { isWhole, kvHeadMap, wholeShard, type Shard } from '../parallel/shards';
import { Rotary } from '../rotary';
import { addRows, attendOne } from '../rowLayers';
import { bf16ToF32, f16ToF32 } from '../safetensors';
import type { AnyWeightArray, AnyWeightMap, GPTConfig } from '../types';
import type { BlockTensors, Embedded, Family, HeadEdit, Reduce, ReduceArray } from './family';

/** A decoder layer's weights under the checkpoint's names (`model.layers.{i}.…`), packed for our GEMM. */
export interface LlamaDecoderLayer {
  input_layernorm: tf.Tensor1D; // [d]
  self_attn: {
    qkv_proj: PackedMatrix; // [d, (H + 2·Hkv)·hd]: q_proj | k_proj | v_proj
    o_proj: PackedMatrix; // [H·hd, d]
    q_norm?: Float32Array; // [hd] (Qwen3)
    k_norm?: Float32Array; // [hd]
  };
  post_attention_layernorm: tf.Tensor1D; // [d]
  mlp: {
    gate_up_proj: PackedMatrix; // [d, 2·nInner]: gate_proj | up_proj
    down_proj: PackedMatrix; // [nInner, d]
  };
  /** The norms again as arrays, for the one-row path. */
  rows: { input_layernorm: Float32Array; post_attention_layernorm: Float32Array };
}

/** Parameters of the whole checkpoint. */
export function countLlamaParams(c: GPTConfig): number {
  const { vocabSize: V, nEmbd: d, nInner: f, nHead: H, nKvHead: Hkv, headDim: hd } = c;
  const qkv = (H + 2 * Hkv) * hd;
  const biases = (c.attentionBias?.qkv ? qkv : 0) + (c.attentionBias?.o ? d : 0) + (c.mlpBias ? 2 * f + d : 0);
  const layer = 2 * d + d * qkv + H * hd * d + 3 * d * f + biases + (c.qkNorm ? 2 * hd : 0);
  return V * d * (c.tieWordEmbeddings === false ? 2 : 1) + c.nLayer * layer + d;
}

/** silu(gate) · up over the [n × 2f] rows of gate | up: → [n × f]. */
function swiglu(gateUp: Float32Array, n: number, f: number): Float32Array {
  const out = new Float32Array(n * f);
  for (let t = 0; t < n; t++) {
    for (let i = 0; i < f; i++) {
      const g = gateUp[t * 2 * f + i];
      out[t * f + i] = (g / (1 + Math.exp(-g))) * gateUp[t * 2 * f + f + i];
    }
  }
  return out;
}

export class Llama implements Family {
  private readonly rotary: Rotary;
  private readonly kvHead: number[];

  private constructor(
    readonly config: GPTConfig,
    readonly shard: Shard,
    readonly numParams: number,
    private readonly gemm: Gemm,
    /** The checkpoint's array [V, d] as stored (16-bit stays 16-bit): embed() widens only the rows it gathers. */
    private readonly embed_tokens: AnyWeightArray, // [V, d]
    private readonly layers: LlamaDecoderLayer[],
    private readonly norm: tf.Tensor1D, // [d]
    private readonly normRow: Float32Array, // [d]
    /** lm_headᵀ (or embed_tokensᵀ) [d, this shard's vocabulary], packed. */
    readonly head: PackedMatrix,
  ) {
    this.rotary = new Rotary(config.rope!, config.headDim);
    this.kvHead = kvHeadMap(config, shard);
  }

  /**
   * Builds the tensors of `shard` from `weights`, already cut to it (parallel/llamaShards.ts). With
   * `release`, each matrix is removed from `weights` once packed (its array can be freed while the
   * next is packed); the caller must not use the map after.
   */
  static load(config: GPTConfig, weights: AnyWeightMap, shard: Shard = wholeShard(config), release = false): Llama {
    const { vocabSize: V, nEmbd: d, nLayer: L, headDim: hd } = config;
    const hl = shard.heads[1] - shard.heads[0];
    const kvl = shard.kvHeads[1] - shard.kvHeads[0];
    const f = shard.inner[1] - shard.inner[0];
    const r = new WeightReader(weights, new Gemm(), release);
    const qkvBias = config.attentionBias?.qkv ?? false;
    const mlpBias = config.mlpBias ?? false;
    try {
      const embed_tokens = r.stored('model.embed_tokens.weight', [V, d]); // [V, d]
      const layers: LlamaDecoderLayer[] = [];
      for (let i = 0; i < L; i++) {
        const p = `model.layers.${i}`;
        const a = `${p}.self_attn`;
        layers.push({
          input_layernorm: r.tensor<tf.Rank.R1>(`${p}.input_layernorm.weight`, [d]),
          self_attn: {
            qkv_proj: r.linear([`${a}.q_proj`, `${a}.k_proj`, `${a}.v_proj`], d, [hl * hd, kvl * hd, kvl * hd], qkvBias),
            o_proj: r.linear([`${a}.o_proj`], hl * hd, [d], config.attentionBias?.o ?? false),
            ...(config.qkNorm ? { q_norm: r.array(`${a}.q_norm.weight`, [hd]).slice(), k_norm: r.array(`${a}.k_norm.weight`, [hd]).slice() } : {}),
          },
          post_attention_layernorm: r.tensor<tf.Rank.R1>(`${p}.post_attention_layernorm.weight`, [d]),
          mlp: {
            gate_up_proj: r.linear([`${p}.mlp.gate_proj`, `${p}.mlp.up_proj`], d, [f, f], mlpBias),
            down_proj: r.linear([`${p}.mlp.down_proj`], f, [d], mlpBias),
          },
          rows: { input_layernorm: r.copy(`${p}.input_layernorm.weight`), post_attention_layernorm: r.copy(`${p}.post_attention_layernorm.weight`) },
        });
      }
      const norm = r.tensor<tf.Rank.R1>('model.norm.weight', [d]);
      const [v0, v1] = shard.vocab;
      const head =
        config.tieWordEmbeddings === false
          ? r.matrix('lm_head.weight', [v1 - v0, d], { transposed: true }) // lm_headᵀ [d, v1 - v0] (cut to the shard already)
          : r.matrix('model.embed_tokens.weight', [V, d], { transposed: true, columns: shard.vocab, keep: true }); // embed_tokensᵀ [d, v1 - v0], 16-bit as stored
      const numParams = isWhole(shard) ? r.numParams : countLlamaParams(config);
      return new Llama(config, shard, numParams, r.gemm, embed_tokens, layers, norm, r.copy('model.norm.weight'), head);
    } catch (err) {
      r.discard();
      throw err;
    }
  }

  embed(ids: number[]): Embedded {
    const d = this.config.nEmbd;
    const e = this.embed_tokens;
    const rows = new Float32Array(ids.length * d); // [T × d]
    ids.forEach((id, t) => {
      const row = e.data.subarray(id * d, (id + 1) * d); // [d]
      rows.set(!isWeight16(e) ? row : e.dtype === 'bf16' ? bf16ToF32(row as Uint16Array) : f16ToF32(row as Uint16Array), t * d);
    });
    const tok = tf.tensor2d(rows, [ids.length, d]); // [T, d]
    return { tok, x: tf.clone(tok) }; // [T, d]
  }

  /** This shard's heads in layer `l` (Mistral's window where the config puts one). */
  private layout(l: number): HeadLayout {
    const [h0, h1] = this.shard.heads;
    const [kv0, kv1] = this.shard.kvHeads;
    const w = this.config.slidingWindow;
    return { nHead: h1 - h0, nKvHead: kv1 - kv0, headDim: this.config.headDim, kvHead: this.kvHead, ...(w && l >= w.fromLayer ? { window: w.size } : {}) };
  }

  /**
   * In place on projected q | k | v rows [T × (H + 2·Hkv)·hd] at positions pos0…: q/k norm (Qwen3),
   * then RoPE on q and k. `normed` (the capture's) gets a copy of the rows between the two, when there is a q/k norm.
   */
  private positional(qkv: Float32Array, T: number, pos0: number, w: LlamaDecoderLayer, layout: HeadLayout, normed?: (rows: Float32Array) => void): void {
    const { nHead: H, nKvHead: Hkv, headDim: hd } = layout;
    const W = (H + 2 * Hkv) * hd;
    const eps = this.config.layerNormEps;
    if (w.self_attn.q_norm) rmsNormHeads(qkv, T, W, 0, H, hd, w.self_attn.q_norm, eps);
    if (w.self_attn.k_norm) rmsNormHeads(qkv, T, W, H, Hkv, hd, w.self_attn.k_norm, eps);
    if (normed && (w.self_attn.q_norm || w.self_attn.k_norm)) normed(qkv.slice());
    this.rotary.apply(qkv, T, W, 0, H + Hkv, pos0);
  }

  block(l: number, x: tf.Tensor2D, past: PastKV, reduce?: Reduce, edit?: HeadEdit): BlockTensors {
    const w = this.layers[l];
    const eps = this.config.layerNormEps;
    const T = x.shape[0];
    const layout = this.layout(l);
    const ln1 = rmsNorm(x, w.input_layernorm, eps); // [T, d]
    const qkvProjected = w.self_attn.qkv_proj.matmul(ln1.dataSync() as Float32Array, T); // [T × (H + 2·Hkv)·hd]
    const qkv = qkvProjected.slice(); // [T × (H + 2·Hkv)·hd], rotated next
    let qkvNormed: Float32Array | undefined; // [T × (H + 2·Hkv)·hd] after q/k norm (Qwen3)
    this.positional(qkv, T, past.pos0, w, layout, (rows) => (qkvNormed = rows));
    const att = causalSelfAttention(qkv, T, layout, past, this.gemm);
    const attnPartial = linear(edit ? edit(att.concat) : att.concat, w.self_attn.o_proj); // [T, d]
    const attnOut = reduce ? reduce(attnPartial) : attnPartial; // [T, d]
    const residualMid = tf.add(x, attnOut) as tf.Tensor2D; // [T, d]
    const ln2 = rmsNorm(residualMid, w.post_attention_layernorm, eps); // [T, d]
    const f = w.mlp.down_proj.inDim;
    const gateUp = w.mlp.gate_up_proj.matmul(ln2.dataSync() as Float32Array, T); // [T × 2f]
    const gate = new Float32Array(T * f); // [T × f]
    const up = new Float32Array(T * f); // [T × f]
    for (let t = 0; t < T; t++) {
      gate.set(gateUp.subarray(t * 2 * f, t * 2 * f + f), t * f);
      up.set(gateUp.subarray(t * 2 * f + f, (t + 1) * 2 * f), t * f);
    }
    const ffnPre = tf.tensor2d(gate, [T, f]); // [T, f] gate_proj(x)
    const ffnUp = tf.tensor2d(up, [T, f]); // [T, f] up_proj(x)
    const ffnGateAct = tf.mul(ffnPre, tf.sigmoid(ffnPre)) as tf.Tensor2D; // [T, f] silu(gate)
    const ffnAct = tf.mul(ffnGateAct, ffnUp) as tf.Tensor2D; // [T, f] silu(gate) · up
    const ffnPartial = linear(ffnAct, w.mlp.down_proj); // [T, d]
    const ffnOut = reduce ? reduce(ffnPartial) : ffnPartial; // [T, d]
    const residualOut = tf.add(residualMid, ffnOut) as tf.Tensor2D; // [T, d]
    const rmsNorms = { eps, ln1: w.input_layernorm, ln2: w.post_attention_layernorm, qNorm: w.self_attn.q_norm, kNorm: w.self_attn.k_norm };
    return { ...att, attnOut, residualIn: x, ln1, residualMid, ln2, ffnPre, ffnUp, ffnGateAct, ffnAct, ffnOut, residualOut, qkvProjected, qkvNormed, rmsNorms };
  }

  blockRow(l: number, x: Float32Array, cache: KVCache, reduce?: ReduceArray): Float32Array {
    const w = this.layers[l];
    const eps = this.config.layerNormEps;
    const layout = this.layout(l);
    const qkv = w.self_attn.qkv_proj.matmul(rmsNormRow(x, w.rows.input_layernorm, eps), 1); // [(H + 2·Hkv)·hd]
    this.positional(qkv, 1, cache.length, w, layout);
    const heads = attendOne(qkv, cache, l, cache.length, layout); // [H × hd]
    const attnPartial = w.self_attn.o_proj.matmul(heads, 1); // [d]
    const mid = addRows(x, reduce ? reduce(attnPartial) : attnPartial); // [d]
    const gateUp = w.mlp.gate_up_proj.matmul(rmsNormRow(mid, w.rows.post_attention_layernorm, eps), 1); // [2f]
    const ffnPartial = w.mlp.down_proj.matmul(swiglu(gateUp, 1, w.mlp.down_proj.inDim), 1); // [d]
    return addRows(mid, reduce ? reduce(ffnPartial) : ffnPartial); // [d]
  }

  get finalRmsNorm(): { weight: Float32Array; eps: number } {
    return { weight: this.normRow, eps: this.config.layerNormEps };
  }

  finalNorm(x: tf.Tensor2D): tf.Tensor2D {
    return rmsNorm(x, this.norm, this.config.layerNormEps); // [T, d]
  }

  finalNormRow(x: Float32Array): Float32Array {
    return rmsNormRow(x, this.normRow, this.config.layerNormEps); // [d]
  }

  dispose(): void {
    const tensors = [this.norm];
    for (const l of this.layers) tensors.push(l.input_layernorm, l.post_attention_layernorm);
    for (const t of tensors) t.dispose();
    this.gemm.dispose();
  }
}
