// What the host shows about a loaded model: plain data, safe to send across the worker boundary.
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { GPTConfig, Tokenizer } from './types';

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
  /** What the head table's probe draws from (analysis/headProbe.ts); absent for a bare tokenizer. */
  vocabulary?: VocabularyFacts;
}

/** The tokenizer's ids, for drawing ordinary tokens (the head table's probe). */
export interface VocabularyFacts {
  /** The tokenizer's ids are [0, size) (the embedding may have more rows: padding). */
  size: number;
  /** Added and special tokens, BOS and EOS, ascending. */
  specialIds: number[];
  /** The ids the tokenizer puts before any text (Llama's BOS); [] for GPT-2. */
  prefixIds: number[];
}

type TokenizerFacts = Pick<Tokenizer, 'vocabSize' | 'eosTokenId' | 'bosTokenId'> & Partial<Pick<Tokenizer, 'encodeIds' | 'specialIds'>>;

/** The vocabulary facts of a tokenizer that can list its specials; undefined otherwise. */
export function vocabularyFacts(tokenizer: TokenizerFacts, extraSpecial: (number | undefined)[] = []): VocabularyFacts | undefined {
  if (!tokenizer.specialIds || !tokenizer.encodeIds) return undefined;
  const special = new Set(tokenizer.specialIds());
  for (const id of extraSpecial) if (id !== undefined) special.add(id);
  // The prefix: what encoding a text puts before the text's own ids.
  const bare = tokenizer.encodeIds('a', { addSpecialTokens: false });
  const full = tokenizer.encodeIds('a');
  let at = 0;
  while (at + bare.length <= full.length && !bare.every((id, i) => full[at + i] === id)) at++;
  const prefixIds = at + bare.length <= full.length ? full.slice(0, at) : [];
  return { size: tokenizer.vocabSize, specialIds: [...special].sort((a, b) => a - b), prefixIds };
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
  tokenizer: TokenizerFacts,
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
  const vocabulary = vocabularyFacts(tokenizer, [eos, bos]);
  if (vocabulary) info.vocabulary = vocabulary;
  const card = readModelCard(abs);
  if (card !== undefined) info.card = card;
  return info;
}
