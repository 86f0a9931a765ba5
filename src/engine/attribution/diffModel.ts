// A differentiable copy of the loaded model, for the gradient methods of attribution: the family's
// forward written with tfjs ops (diffGpt.ts: GPT-2 and GPT-1; diffLlama.ts: Llama, Mistral, Qwen2,
// Qwen3) over float32 tensors of the checkpoint, on this thread. The engine's model keeps its
// weights packed for our GEMM (16-bit where stored so) and lets the checkpoint go once packed, and a
// split model holds only a shard per thread: so this copy is read again from the folder, whole, when
// a gradient method first needs it. Occlusion needs none of this: it runs the engine's own forward.
import { EngineError } from '../errors';
import type { GPTConfig, WeightMap } from '../types';
import { DiffGpt } from './diffGpt';
import { DiffLlama } from './diffLlama';
import type { DiffModel } from './diffParts';

export type { DiffModel } from './diffParts';

/** Float32 bytes of the copy above which gradients are refused (tfjs's wasm heap is at most 4 GiB, and the backward pass needs room too). */
export const MAX_DIFF_BYTES = 1.5 * 1024 ** 3;

/** The differentiable model of `config`'s family from float32 `weights` (the map can be dropped after). */
export function diffModelOf(config: GPTConfig, weights: WeightMap, numParams: number): DiffModel {
  const bytes = numParams * 4;
  if (bytes > MAX_DIFF_BYTES) {
    throw new EngineError(
      'MODEL_TOO_LARGE',
      `gradient attribution needs a float32 copy of the whole model on one thread (${(bytes / 1024 ** 3).toFixed(1)} GiB, more than ${MAX_DIFF_BYTES / 1024 ** 3} GiB); use occlusion for this model`,
    );
  }
  switch (config.modelType) {
    case 'gpt2':
    case 'openai-gpt':
      return DiffGpt.load(config, weights);
    case 'llama':
    case 'mistral':
    case 'qwen2':
    case 'qwen3':
      return DiffLlama.load(config, weights);
  }
}
