// What the host shows about a loaded model: plain data, safe to send across the worker boundary.
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { GPTConfig } from './types';

/** The weights' dtype as the checkpoint stores them; 'mixed' when they differ. */
export type WeightsDtype = 'F32' | 'F16' | 'BF16' | 'mixed';

export interface ModelInfo {
  /** The config's `_name_or_path` if any, else the folder's name. */
  name: string;
  /** Absolute path of the model folder. */
  dir: string;
  config: GPTConfig;
  numParams: number;
  vocabSize: number;
  contextLength: number;
  eosTokenId?: number;
  bosTokenId?: number;
  /** The folder's README.md (its model card), first 20 KB, if there is one. */
  card?: string;
  /** Threads the engine split the model over (tensor parallelism); 1 when it runs on one. */
  threads: number;
  /** The weights' dtype in the checkpoint (safetensors); absent where the loader did not say. */
  weightsDtype?: WeightsDtype;
  /** The file holding the model's chat template (chat_template.jinja or tokenizer_config.json), if it has one. */
  chatTemplate?: string;
}

/** How much of README.md `card` keeps. */
export const CARD_LIMIT_BYTES = 20 * 1024;

/** Reads the model card (README.md) of `dir`, cut to CARD_LIMIT_BYTES; undefined when absent. */
export function readModelCard(dir: string): string | undefined {
  const file = join(dir, 'README.md');
  if (!existsSync(file)) return undefined;
  try {
    const buf = readFileSync(file);
    // Cutting may split a multi-byte character at the end; drop the replacement character then.
    return buf.subarray(0, CARD_LIMIT_BYTES).toString('utf8').replace(/\uFFFD$/, '');
  } catch {
    return undefined;
  }
}

/** Builds a ModelInfo from what a session loaded. */
export function buildModelInfo(
  dir: string,
  config: GPTConfig,
  numParams: number,
  tokenizer: { vocabSize: number; eosTokenId?: number; bosTokenId?: number },
  threads = 1,
): ModelInfo {
  const abs = resolve(dir);
  const info: ModelInfo = {
    name: config.name ?? basename(abs),
    dir: abs,
    config,
    numParams,
    vocabSize: config.vocabSize,
    contextLength: config.nPositions,
    threads,
  };
  const eos = config.eosTokenId ?? tokenizer.eosTokenId;
  const bos = config.bosTokenId ?? tokenizer.bosTokenId;
  if (eos !== undefined) info.eosTokenId = eos;
  if (bos !== undefined) info.bosTokenId = bos;
  const card = readModelCard(abs);
  if (card !== undefined) info.card = card;
  return info;
}
