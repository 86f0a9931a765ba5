// The Llama family's weights (nn.Linear layout: [out, in]) cut into one rank's shard, as
// shardWeights (shards.ts) does for GPT-2: q_proj's rows of the shard's query heads, k_proj's and
// v_proj's rows of the kv heads they read (Shard.kvHeads), o_proj's columns of the query heads,
// gate_proj's and up_proj's rows and down_proj's columns of the shard's MLP units, and an untied
// lm_head's rows of its vocabulary. The row-parallel biases (o_proj, down_proj) stay on rank 0
// and are zeros elsewhere; norms are replicated, the embedding table shared (one copy on shared
// memory, read by every thread). Same names, shard-local shapes.
// 16-bit weights (a BF16 / F16 checkpoint loaded with keep16) are cut as they are: they stay 16-bit.
// With `release` (the map's last cut, rank 0's: tensorParallel.ts), rows are views into the
// whole arrays, not copies, and the whole map is emptied: the shard's map holds the only references,
// so what the load packs and lets go is freed (the peers' shards, cut before, are copies).
import { EngineError } from '../errors';
import type { AnyWeightArray, AnyWeightMap, GPTConfig } from '../types';
import { columns, isWhole, need, sharedWeight, type Shard } from './shards';

/** The same kind of weight (float32 or the same 16-bit dtype) over new data of its type. */
function like(w: AnyWeightArray, shape: number[], data: Float32Array | Uint16Array): AnyWeightArray {
  return 'dtype' in w ? { shape, dtype: w.dtype, data: data as Uint16Array } : { shape, data: data as Float32Array };
}

/** Zeros of the weight's type. */
function zeros(w: AnyWeightArray, n: number): Float32Array | Uint16Array {
  return w.data instanceof Uint16Array ? new Uint16Array(n) : new Float32Array(n);
}

export function shardLlamaWeights(config: GPTConfig, weights: AnyWeightMap, shard: Shard, release = false): AnyWeightMap {
  if (isWhole(shard)) return weights;
  const { nEmbd: d, nHead: H, nKvHead: Hkv, nInner: f, nLayer, headDim: hd, vocabSize: V } = config;
  const out: AnyWeightMap = new Map();
  const check = (name: string, shape: number[]): AnyWeightArray => {
    const w = need(weights, name);
    if (w.shape.length !== shape.length || w.shape.some((s, i) => s !== shape[i])) {
      throw new EngineError('BAD_WEIGHTS', `"${name}" has shape [${w.shape}], expected [${shape}] from the config`);
    }
    return w;
  };
  const replicate = (name: string) => {
    const w = need(weights, name);
    out.set(name, shard.rank === 0 ? w : like(w, w.shape.slice(), w.data.slice()));
  };
  /** Rows [r0, r1) of a [rows, cols] weight (and of its bias [rows] when it has one). */
  const rows = (prefix: string, nRows: number, cols: number, [r0, r1]: [number, number], bias: boolean) => {
    const w = check(`${prefix}.weight`, [nRows, cols]);
    out.set(`${prefix}.weight`, like(w, [r1 - r0, cols], release ? w.data.subarray(r0 * cols, r1 * cols) : w.data.slice(r0 * cols, r1 * cols)));
    if (bias) {
      const b = check(`${prefix}.bias`, [nRows]);
      out.set(`${prefix}.bias`, like(b, [r1 - r0], b.data.slice(r0, r1)));
    }
  };
  /** Columns [c0, c1) of a [rows, cols] weight; its bias [rows] on rank 0 only. */
  const cols = (prefix: string, nRows: number, nCols: number, [c0, c1]: [number, number], bias: boolean) => {
    const w = check(`${prefix}.weight`, [nRows, nCols]);
    out.set(`${prefix}.weight`, like(w, [nRows, c1 - c0], columns(w.data, nRows, nCols, c0, c1)));
    if (bias) {
      const b = check(`${prefix}.bias`, [nRows]);
      out.set(`${prefix}.bias`, like(b, [nRows], shard.rank === 0 ? b.data.slice() : zeros(b, nRows)));
    }
  };
  const qkvBias = config.attentionBias?.qkv ?? false;
  const heads: [number, number] = [shard.heads[0] * hd, shard.heads[1] * hd];
  const kvHeads: [number, number] = [shard.kvHeads[0] * hd, shard.kvHeads[1] * hd];

  out.set('model.embed_tokens.weight', sharedWeight(weights, 'model.embed_tokens.weight')); // one copy for every thread
  replicate('model.norm.weight');
  for (let i = 0; i < nLayer; i++) {
    const p = `model.layers.${i}`;
    for (const n of ['input_layernorm', 'post_attention_layernorm']) replicate(`${p}.${n}.weight`);
    if (config.qkNorm) for (const n of ['q_norm', 'k_norm']) replicate(`${p}.self_attn.${n}.weight`);
    rows(`${p}.self_attn.q_proj`, H * hd, d, heads, qkvBias);
    rows(`${p}.self_attn.k_proj`, Hkv * hd, d, kvHeads, qkvBias);
    rows(`${p}.self_attn.v_proj`, Hkv * hd, d, kvHeads, qkvBias);
    cols(`${p}.self_attn.o_proj`, d, H * hd, heads, config.attentionBias?.o ?? false);
    rows(`${p}.mlp.gate_proj`, f, d, shard.inner, config.mlpBias ?? false);
    rows(`${p}.mlp.up_proj`, f, d, shard.inner, config.mlpBias ?? false);
    cols(`${p}.mlp.down_proj`, d, f, shard.inner, config.mlpBias ?? false);
  }
  if (config.tieWordEmbeddings === false) rows('lm_head', V, d, shard.vocab, false);
  if (release) weights.clear();
  return out;
}
