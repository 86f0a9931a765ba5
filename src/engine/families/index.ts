// The registry of model families: config.json's model_type → how to build its weights (a Family),
// how to cut them into a tensor-parallel shard, and how many parameters the checkpoint holds. The
// decoder (model.ts) and the session look families up here; a new family is a file and an entry.
import { shardLlamaWeights } from '../parallel/llamaShards';
import { shardWeights, type Shard } from '../parallel/shards';
import type { GPTConfig, ModelType, WeightMap } from '../types';
import type { Family } from './family';
import { countParams as countGpt2Params, GPT2 } from './gpt2';
import { countLlamaParams, Llama } from './llama';
import { countOpenAIGptParams, OpenAIGPT } from './openaiGpt';

export interface FamilyEntry {
  /** Builds a shard's (by default the whole model's) weights, already cut to it. */
  load(config: GPTConfig, weights: WeightMap, shard?: Shard): Family;
  /** Cuts the whole checkpoint's weights into one shard's (the whole map for a single shard). */
  cut(config: GPTConfig, weights: WeightMap, shard: Shard): WeightMap;
  /** Parameters of the whole checkpoint. */
  countParams(config: GPTConfig): number;
}

const GPT2_ENTRY: FamilyEntry = { load: (c, w, s) => GPT2.load(c, w, s), cut: shardWeights, countParams: countGpt2Params };
const LLAMA_ENTRY: FamilyEntry = { load: (c, w, s) => Llama.load(c, w, s), cut: shardLlamaWeights, countParams: countLlamaParams };

const FAMILIES: Record<ModelType, FamilyEntry> = {
  gpt2: GPT2_ENTRY,
  'openai-gpt': { load: (c, w, s) => OpenAIGPT.load(c, w, s), cut: shardWeights, countParams: countOpenAIGptParams },
  llama: LLAMA_ENTRY,
  mistral: LLAMA_ENTRY,
  qwen2: LLAMA_ENTRY,
  qwen3: LLAMA_ENTRY,
};

export function familyOf(config: GPTConfig): FamilyEntry {
  return FAMILIES[config.modelType];
}
