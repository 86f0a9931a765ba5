// Tensor parallelism over threads (Megatron-style): each thread ("rank") holds a contiguous block
// of every layer's heads (their columns of c_attn, their rows of attn.c_proj), a block of the MLP's
// hidden units (columns of c_fc, rows of mlp.c_proj) and a block of the LM head's vocabulary
// columns. Embeddings and layer norms are replicated. A layer then needs two sums across ranks
// (after attn.c_proj and after mlp.c_proj); everything else is local. This file is pure: it plans
// the split and cuts a WeightMap into one rank's shard (plain typed arrays, shard-local shapes).
import { EngineError } from '../errors';
import type { AnyWeightArray, AnyWeightMap, GPTConfig, WeightArray, WeightMap } from '../types';

/** One rank's share of the model. Ranges are [start, end). */
export interface Shard {
  rank: number;
  nRanks: number;
  /** Query heads. */
  heads: [number, number];
  /**
   * Key/value heads those query heads read: [⌊h0 / g⌋, ⌈h1 / g⌉) with g = nHead / nKvHead (grouped-
   * query attention). Neighbouring shards may share one (each then holds and computes it). GPT-2: = heads.
   */
  kvHeads: [number, number];
  /** Hidden units of the MLP (columns of c_fc). */
  inner: [number, number];
  /** Columns of the tied LM head. */
  vocab: [number, number];
}

/** [start, end) of part `i` when `n` items are cut into `k` near-equal contiguous parts (the first ones one larger). */
function part(n: number, k: number, i: number): [number, number] {
  const base = Math.floor(n / k);
  const extra = n % k;
  const start = i * base + Math.min(i, extra);
  return [start, start + base + (i < extra ? 1 : 0)];
}

/** How `nRanks` threads split `config`; every rank gets at least one head. */
export function planShards(config: GPTConfig, nRanks: number): Shard[] {
  if (!Number.isInteger(nRanks) || nRanks < 1 || nRanks > config.nHead) {
    throw new EngineError('BAD_ARGUMENT', `cannot split ${config.nHead} heads over ${nRanks} threads`);
  }
  const g = config.nHead / config.nKvHead;
  return Array.from({ length: nRanks }, (_, rank) => {
    const heads = part(config.nHead, nRanks, rank);
    return {
      rank,
      nRanks,
      heads,
      kvHeads: [Math.floor(heads[0] / g), Math.ceil(heads[1] / g)] as [number, number],
      inner: part(config.nInner, nRanks, rank),
      vocab: part(config.vocabSize, nRanks, rank),
    };
  });
}

/** For each of the shard's query heads, the index of the kv head it reads among the shard's kv heads. */
export function kvHeadMap(config: GPTConfig, shard: Shard): number[] {
  const g = config.nHead / config.nKvHead;
  const [h0, h1] = shard.heads;
  return Array.from({ length: h1 - h0 }, (_, h) => Math.floor((h0 + h) / g) - shard.kvHeads[0]);
}

/** The whole model as one shard (a single thread). */
export function wholeShard(config: GPTConfig): Shard {
  return planShards(config, 1)[0];
}

export const isWhole = (s: Shard): boolean => s.nRanks === 1;

/** Columns [c0, c1) of a row-major [rows, cols] matrix, as a new [rows, c1 − c0] array of the same type (float32 or 16-bit). */
export function columns<A extends Float32Array | Uint16Array>(data: A, rows: number, cols: number, c0: number, c1: number, out?: A, outCol = 0, outCols = c1 - c0): A {
  const dst = out ?? (data instanceof Uint16Array ? new Uint16Array(rows * (c1 - c0)) : new Float32Array(rows * (c1 - c0))) as A;
  for (let r = 0; r < rows; r++) dst.set(data.subarray(r * cols + c0, r * cols + c1), r * outCols + outCol);
  return dst;
}

export function need(weights: WeightMap, name: string): WeightArray;
export function need(weights: AnyWeightMap, name: string): AnyWeightArray;
export function need(weights: AnyWeightMap, name: string): AnyWeightArray {
  const w = weights.get(name);
  if (!w) throw new EngineError('BAD_WEIGHTS', `the checkpoint has no "${name}"`);
  return w;
}

/**
 * Cuts a full WeightMap (checkpoint shapes) into `shard`'s WeightMap: the same names, shard-local
 * shapes. c_attn keeps its q | k | v layout over the shard's heads; the row-parallel biases
 * (attn.c_proj, mlp.c_proj) stay on rank 0 and are zeros elsewhere, so the sum across ranks adds
 * them once. Replicated weights are shared with the input on rank 0 and copied for the others
 * (their buffers are transferred to another thread). The LM head is cut at load (modelWeights.ts).
 */
export function shardWeights(config: GPTConfig, weights: WeightMap, shard: Shard, release = false): WeightMap {
  if (isWhole(shard)) return weights;
  const { nEmbd: d, nInner: f, nLayer, headDim: hd } = config;
  const [h0, h1] = shard.heads;
  const [f0, f1] = shard.inner;
  const hl = h1 - h0;
  const out: WeightMap = new Map();
  const replicate = (name: string) => {
    const w = need(weights, name);
    out.set(name, shard.rank === 0 ? w : { shape: w.shape.slice(), data: w.data.slice() });
  };
  const rowBias = (name: string) => {
    const w = need(weights, name);
    out.set(name, { shape: w.shape.slice(), data: shard.rank === 0 ? w.data.slice() : new Float32Array(w.data.length) });
  };
  const check = (name: string, shape: number[]): WeightArray => {
    const w = need(weights, name);
    if (w.shape.length !== shape.length || w.shape.some((s, i) => s !== shape[i])) {
      throw new EngineError('BAD_WEIGHTS', `"${name}" has shape [${w.shape}], expected [${shape}] from the config`);
    }
    return w;
  };

  // GPT-2's embeddings and final norm, or GPT-1's embeddings (its blocks have the same names and layout)
  const replicated = config.modelType === 'openai-gpt' ? ['tokens_embed.weight', 'positions_embed.weight'] : ['wpe.weight', 'ln_f.weight', 'ln_f.bias'];
  for (const name of replicated) replicate(name);
  // GPT-2's embedding [V, d] (154 MB for GPT-2 small): one shared copy that every thread reads
  if (config.modelType === 'gpt2') out.set('wte.weight', sharedWeight(weights as AnyWeightMap, 'wte.weight') as WeightArray);
  for (let i = 0; i < nLayer; i++) {
    const p = `h.${i}`;
    for (const name of [`${p}.ln_1.weight`, `${p}.ln_1.bias`, `${p}.ln_2.weight`, `${p}.ln_2.bias`]) replicate(name);

    const qkv = check(`${p}.attn.c_attn.weight`, [d, 3 * d]);
    const qkvB = check(`${p}.attn.c_attn.bias`, [3 * d]);
    const w = new Float32Array(d * 3 * hl * hd); // [d, 3·hl·hd]
    const b = new Float32Array(3 * hl * hd); // [3·hl·hd]
    for (let third = 0; third < 3; third++) {
      const c0 = third * d + h0 * hd;
      columns(qkv.data, d, 3 * d, c0, c0 + hl * hd, w, third * hl * hd, 3 * hl * hd);
      b.set(qkvB.data.subarray(c0, c0 + hl * hd), third * hl * hd);
    }
    out.set(`${p}.attn.c_attn.weight`, { shape: [d, 3 * hl * hd], data: w });
    out.set(`${p}.attn.c_attn.bias`, { shape: [3 * hl * hd], data: b });

    const proj = check(`${p}.attn.c_proj.weight`, [d, d]);
    out.set(`${p}.attn.c_proj.weight`, { shape: [hl * hd, d], data: proj.data.slice(h0 * hd * d, h1 * hd * d) }); // rows of the shard's heads
    rowBias(`${p}.attn.c_proj.bias`);

    const fc = check(`${p}.mlp.c_fc.weight`, [d, f]);
    const fcB = check(`${p}.mlp.c_fc.bias`, [f]);
    out.set(`${p}.mlp.c_fc.weight`, { shape: [d, f1 - f0], data: columns(fc.data, d, f, f0, f1) });
    out.set(`${p}.mlp.c_fc.bias`, { shape: [f1 - f0], data: fcB.data.slice(f0, f1) });
    const fp = check(`${p}.mlp.c_proj.weight`, [f, d]);
    out.set(`${p}.mlp.c_proj.weight`, { shape: [f1 - f0, d], data: fp.data.slice(f0 * d, f1 * d) });
    rowBias(`${p}.mlp.c_proj.bias`);
    // the last cut of the map: this layer's checkpoint arrays can go now (the caller drops the map)
    if (release) for (const name of [`${p}.attn.c_attn.weight`, `${p}.attn.c_attn.bias`, `${p}.attn.c_proj.weight`, `${p}.mlp.c_fc.weight`, `${p}.mlp.c_fc.bias`, `${p}.mlp.c_proj.weight`]) weights.delete(name);
  }
  return out;
}

/** Every distinct ArrayBuffer a WeightMap holds (to transfer it to another thread). */
/**
 * The weight `name` of `weights` on shared memory, one copy for every thread: moved there on the
 * first call (the map then holds the shared copy, and the checkpoint's own array can be freed),
 * as it is after. A thread's embedding table is read-only (Qwen2.5-0.5B's is 151936 × 896, 272 MB
 * in BF16): replicated as copies, each peer thread held its own.
 */
export function sharedWeight(weights: AnyWeightMap, name: string): AnyWeightArray {
  const w = need(weights, name);
  if (w.data.buffer instanceof SharedArrayBuffer) return w;
  const data = w.data instanceof Uint16Array ? new Uint16Array(new SharedArrayBuffer(w.data.byteLength)) : new Float32Array(new SharedArrayBuffer(w.data.byteLength));
  data.set(w.data);
  const shared = { ...w, data } as AnyWeightArray;
  weights.set(name, shared);
  return shared;
}

export function weightBuffers(weights: AnyWeightMap): ArrayBuffer[] {
  const set = new Set<ArrayBuffer>();
  for (const w of weights.values()) if (w.data.buffer instanceof ArrayBuffer) set.add(w.data.buffer);
  return [...set];
}
