// The trainable model of a config's family: GPT-2 (gptTrain.ts) or Llama (llamaTrain.ts). The
// training code calls these two and sees only TrainableModel.
import type { GPTConfig, WeightMap } from '../engine/types';
import { GPTTrain } from './gptTrain';
import { LlamaTrain } from './llamaTrain';
import type { TrainableModel } from './trainable';

function unsupported(c: GPTConfig): Error {
  return new Error(`model_type ${c.modelType} cannot be trained here (gpt2 and llama can)`);
}

/** A freshly initialised model of `config`'s family. */
export function initModel(config: GPTConfig, seed: number): TrainableModel {
  if (config.modelType === 'gpt2') return GPTTrain.init(config, seed);
  if (config.modelType === 'llama') return LlamaTrain.init(config, seed);
  throw unsupported(config);
}

/** A model of `config`'s family holding a copy of `weights` (a loaded checkpoint). */
export function modelFromWeights(config: GPTConfig, weights: WeightMap): TrainableModel {
  if (config.modelType === 'gpt2') return GPTTrain.fromWeights(config, weights);
  if (config.modelType === 'llama') return LlamaTrain.fromWeights(config, weights);
  throw unsupported(config);
}
