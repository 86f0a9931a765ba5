// The registry of model families: config.json's model_type → how to build its weights (a Family),
// how to cut them into a tensor-parallel shard, and how many parameters the checkpoint holds. The
// decoder (model.ts) and the session look families up here; a new family is a file and an entry.
import { shardLlamaWeights } from '../parallel/llamaShards';
import { shardWeights, type Shard } from '../parallel/shards';
import { widenWeight } from '../modelWeights';
import type { AnyWeightMap, GPTConfig, ModelType, WeightMap } from '../types';
import type { Family } from './family';
import { countParams as countGpt2Params, GPT2 } from './gpt2';
import { countLlamaParams, Llama } from './llama';
import { countOpenAIGptParams, OpenAIGPT } from './openaiGpt';

export interface FamilyEntry {
  /**
   * Builds a shard's (by default the whole model's) weights, already cut to it. 16-bit weights are
   * packed as stored by the Llama family; the GPT-2 and GPT-1 families widen them first.
   */
  load(config: GPTConfig, weights: AnyWeightMap, shard?: Shard, release?: boolean): Family;
  /**
   * Cuts the whole checkpoint's weights into one shard's (the whole map for a single shard). With
   * `release` (the last cut of the map) it may take arrays out of `weights` rather than copy them.
   */
  cut(config: GPTConfig, weights: AnyWeightMap, shard: Shard, release?: boolean): AnyWeightMap;
  /** Bytes per parameter these weights take in memory when the checkpoint stores `storedBytes` (2 or 4) per value. */
  bytesInMemory(storedBytes: number): number;
  /** Parameters of the whole checkpoint. */
  countParams(config: GPTConfig): number;
}

/**
 * The map with every 16-bit weight replaced by its float32 widening, in place (one weight at a
 * time, so at most one float32 copy is made beside the 16-bit arrays); a float32 map as it is.
 */
export function widenWeights(weights: AnyWeightMap): WeightMap {
  for (const [name, w] of weights) if (w.data instanceof Uint16Array) weights.set(name, { shape: w.shape, data: widenWeight(w) });
  return weights as WeightMap;
}

const GPT2_ENTRY: FamilyEntry = {
  load: (c, w, s, release) => GPT2.load(c, widenWeights(w), s, release),
  cut: (c, w, s, release) => shardWeights(c, widenWeights(w), s, release),
  countParams: countGpt2Params,
  bytesInMemory: () => 4,
};
const LLAMA_ENTRY: FamilyEntry = { load: (c, w, s, release) => Llama.load(c, w, s, release), cut: shardLlamaWeights, countParams: countLlamaParams, bytesInMemory: (b) => b };

const FAMILIES: Record<ModelType, FamilyEntry> = {
  gpt2: GPT2_ENTRY,
  'openai-gpt': {
    load: (c, w, s) => OpenAIGPT.load(c, widenWeights(w), s),
    cut: (c, w, s) => shardWeights(c, widenWeights(w), s),
    countParams: countOpenAIGptParams,
    bytesInMemory: () => 4,
  },
  llama: LLAMA_ENTRY,
  mistral: LLAMA_ENTRY,
  qwen2: LLAMA_ENTRY,
  qwen3: LLAMA_ENTRY,
};

export function familyOf(config: GPTConfig): FamilyEntry {
  return FAMILIES[config.modelType];
}
