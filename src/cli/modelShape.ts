// The model facts `dump`'s meta.json and `info` report beside the config: its family and the shape
// of its attention. The one place they are read from the config.
import type { GPTConfig } from '../engine/types';

export interface ModelShape {
  /** config.json's model_type: "gpt2", "llama", "qwen2", … */
  family: string;
  /** Key/value heads (fewer than the query heads under grouped-query attention). */
  nKvHead: number;
  /** Width of one head. */
  headDim: number;
}

/**
 * GPTConfig gains `nKvHead` and `headDim` with the Llama-style families; a config without them is
 * GPT-2's, with one key/value head per query head and nEmbd / nHead wide heads.
 * TODO(integration): read config.nKvHead and config.headDim directly once GPTConfig has them.
 */
export function modelShape(config: GPTConfig): ModelShape {
  const c = config as GPTConfig & { nKvHead?: number; headDim?: number };
  return {
    family: c.modelType,
    nKvHead: c.nKvHead ?? c.nHead,
    headDim: c.headDim ?? c.nEmbd / c.nHead,
  };
}
