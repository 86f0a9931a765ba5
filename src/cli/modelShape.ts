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

/** The family and the attention's shape, as GPTConfig holds them for every family. */
export function modelShape(config: GPTConfig): ModelShape {
  return { family: config.modelType, nKvHead: config.nKvHead, headDim: config.headDim };
}
