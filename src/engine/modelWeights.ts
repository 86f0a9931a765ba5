// WeightMap (plain Float32Arrays under GPT-2's names) → the model's tensors, with every shape
// checked against the config. The LM head is tied to wte; it is transposed once here ([d, V])
// because matMul with transposeB on a [V, d] weight is several times slower on wasm, and cut into
// column blocks of HEAD_CHUNK: XNNPACK's GEMM streams the whole packed weight once per few rows,
// so a [d, 50257] head (150 MB) runs from memory, while a block of 4096 columns stays in cache
// (2–5× faster for the [T, V] logits of a prompt).
import { tf } from './backend';
import type { BlockWeights, HeadWeights, LayerNormWeights, Linear } from './block';
import { EngineError } from './errors';
import { isWhole, wholeShard, type Shard } from './parallel/shards';
import type { GPTConfig, WeightMap } from './types';

/** Columns per block of the LM head. */
export const HEAD_CHUNK = 4096;

/** A layer norm's parameters as plain arrays (the single-token decoder normalises in JS). */
export interface LayerNormArrays {
  weight: Float32Array; // [d]
  bias: Float32Array; // [d]
}

export interface ModelTensors {
  wte: tf.Tensor2D; // [V, d]
  /** The tied LM head wteᵀ in column blocks, left to right (only the shard's vocabulary columns). */
  headChunks: tf.Tensor2D[]; // each [d, ≤ HEAD_CHUNK]
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

/** Every tensor a ModelTensors owns, for dispose(). */
export function allTensors(m: ModelTensors): tf.Tensor[] {
  const out: tf.Tensor[] = [m.wte, ...m.headChunks, m.wpe, m.ln_f.weight, m.ln_f.bias];
  for (const b of m.h) {
    out.push(b.ln_1.weight, b.ln_1.bias, b.ln_2.weight, b.ln_2.bias);
    out.push(b.attn.c_attn.weight, b.attn.c_attn.bias, b.attn.c_proj.weight, b.attn.c_proj.bias);
    for (const hw of b.attn.heads) for (const p of [hw.q, hw.k, hw.v]) out.push(p.weight, p.bias);
    out.push(b.mlp.c_fc.weight, b.mlp.c_fc.bias, b.mlp.c_proj.weight, b.mlp.c_proj.bias);
  }
  return out;
}

/** c_attn [d, 3·n·hd] (q | k | v of n heads) → per head h: columns [h·hd, (h+1)·hd) of each third. */
function splitAttnHeads(c_attn: Linear, nHead: number, hd: number): HeadWeights[] {
  const d = c_attn.weight.shape[0];
  const third = nHead * hd;
  const cut = (t: number, h: number): Linear => {
    const col = t * third + h * hd;
    return {
      weight: tf.slice(c_attn.weight, [0, col], [d, hd]) as tf.Tensor2D, // [d, hd]
      bias: tf.slice(c_attn.bias, [col], [hd]) as tf.Tensor1D, // [hd]
    };
  };
  return Array.from({ length: nHead }, (_, h) => ({ q: cut(0, h), k: cut(1, h), v: cut(2, h) }));
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
  let numParams = 0;

  function take<R extends tf.Rank>(name: string, shape: number[]): tf.Tensor<R> {
    const w = weights.get(name);
    if (!w) throw new EngineError('BAD_WEIGHTS', `the checkpoint has no "${name}" (expected shape [${shape}])`);
    const same = w.shape.length === shape.length && w.shape.every((s, i) => s === shape[i]);
    if (!same) {
      throw new EngineError('BAD_WEIGHTS', `"${name}" has shape [${w.shape}], expected [${shape}] from the config`);
    }
    if (w.data.length !== shape.reduce((a, b) => a * b, 1)) {
      throw new EngineError('BAD_WEIGHTS', `"${name}" holds ${w.data.length} values, its shape [${shape}] needs more`);
    }
    const t = tf.tensor(w.data, shape, 'float32') as unknown as tf.Tensor<R>;
    created.push(t);
    numParams += w.data.length;
    return t;
  }
  const ln = (prefix: string): LayerNormWeights => ({
    weight: take<tf.Rank.R1>(`${prefix}.weight`, [d]),
    bias: take<tf.Rank.R1>(`${prefix}.bias`, [d]),
  });
  const conv1d = (prefix: string, nIn: number, nOut: number) => ({
    weight: take<tf.Rank.R2>(`${prefix}.weight`, [nIn, nOut]),
    bias: take<tf.Rank.R1>(`${prefix}.bias`, [nOut]),
  });

  try {
    const wte = take<tf.Rank.R2>('wte.weight', [V, d]); // [V, d]
    const wpe = take<tf.Rank.R2>('wpe.weight', [P, d]); // [P, d]
    const h: BlockWeights[] = [];
    for (let i = 0; i < L; i++) {
      const c_attn = conv1d(`h.${i}.attn.c_attn`, d, 3 * hl * hd);
      const heads = splitAttnHeads(c_attn, hl, hd);
      for (const hw of heads) created.push(hw.q.weight, hw.q.bias, hw.k.weight, hw.k.bias, hw.v.weight, hw.v.bias);
      h.push({
        ln_1: ln(`h.${i}.ln_1`),
        attn: { c_attn, c_proj: conv1d(`h.${i}.attn.c_proj`, hl * hd, d), heads },
        ln_2: ln(`h.${i}.ln_2`),
        mlp: { c_fc: conv1d(`h.${i}.mlp.c_fc`, d, f), c_proj: conv1d(`h.${i}.mlp.c_proj`, f, d) },
      });
    }
    const ln_f = ln('ln_f');
    const headChunks = tf.tidy(() => {
      const wteT = tf.transpose(wte) as tf.Tensor2D; // [d, V]
      const chunks: tf.Tensor2D[] = [];
      for (let c = v0; c < v1; c += HEAD_CHUNK) chunks.push(tf.slice(wteT, [0, c], [d, Math.min(HEAD_CHUNK, v1 - c)])); // [d, ≤ HEAD_CHUNK]
      return chunks;
    });
    created.push(...headChunks);
    const lnArrays = (prefix: string): LayerNormArrays => ({
      weight: weights.get(`${prefix}.weight`)!.data.slice(), // checked by take() above
      bias: weights.get(`${prefix}.bias`)!.data.slice(),
    });
    const lnAll = {
      h: Array.from({ length: L }, (_, i) => ({ ln_1: lnArrays(`h.${i}.ln_1`), ln_2: lnArrays(`h.${i}.ln_2`) })),
      ln_f: lnArrays('ln_f'),
    };
    return { wte, headChunks, wpe, h, ln_f, lnArrays: lnAll, shard, numParams: isWhole(shard) ? numParams : countParams(config) };
  } catch (err) {
    for (const t of created) t.dispose();
    throw err;
  }
}
