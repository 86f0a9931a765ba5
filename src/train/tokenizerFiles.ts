// Writes a trained byte-level BPE the way Hugging Face saves GPT-2's tokenizer: `tokenizer.json`
// (the `tokenizers` library's format), the slow tokenizer's `vocab.json` + `merges.txt`, and
// `tokenizer_config.json` + `special_tokens_map.json`. Any GPT-2 loader reads the directory.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SaveTokenizerOptions {
  /** Tokens written as added, special tokens (default: `<|endoftext|>` when it is in the vocab). */
  specialTokens?: string[];
  /** Default: `<|endoftext|>` when present, else the first special token. */
  eosToken?: string;
  /** Default: the EOS token, as in GPT-2. */
  bosToken?: string;
  /** Default: the EOS token, as in GPT-2. */
  unkToken?: string;
  /** `model_max_length` in tokenizer_config.json (default 1024). */
  modelMaxLength?: number;
}

/** The `added_tokens` entry GPT-2's tokenizer.json has for `<|endoftext|>`. */
interface AddedToken {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

const EOT = '<|endoftext|>';

function byteLevel(addPrefixSpace: boolean, trimOffsets: boolean): Record<string, unknown> {
  return { type: 'ByteLevel', add_prefix_space: addPrefixSpace, trim_offsets: trimOffsets, use_regex: true };
}

/** Builds the tokenizer.json object (exported for tests). */
export function tokenizerJson(
  vocab: Record<string, number>,
  merges: readonly (readonly [string, string])[],
  specialTokens: readonly string[],
): Record<string, unknown> {
  const added: AddedToken[] = specialTokens.map((content) => {
    const id = vocab[content];
    if (id === undefined) throw new Error(`special token ${JSON.stringify(content)} is not in the vocabulary`);
    return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true };
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: byteLevel(false, true),
    post_processor: byteLevel(true, false),
    decoder: byteLevel(true, true),
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: sortedVocab(vocab),
      merges: merges.map(([a, b]) => `${a} ${b}`),
    },
  };
}

/** The vocabulary as an object whose keys run in id order (JSON keeps insertion order). */
function sortedVocab(vocab: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [t, id] of Object.entries(vocab).sort((x, y) => x[1] - y[1])) out[t] = id;
  return out;
}

/** Checks that ids are 0..n-1 without gaps or repeats, and that every merge's result is a token. */
function validate(vocab: Record<string, number>, merges: readonly (readonly [string, string])[]): void {
  const ids = Object.values(vocab).sort((a, b) => a - b);
  ids.forEach((id, i) => {
    if (id !== i) throw new Error(`vocabulary ids must be 0..${ids.length - 1} without gaps (found ${id} at ${i})`);
  });
  for (const [a, b] of merges) {
    if (!(a in vocab) || !(b in vocab) || !(a + b in vocab)) throw new Error(`merge "${a} ${b}" uses a token not in the vocabulary`);
    if (a.includes(' ') || b.includes(' ')) throw new Error(`merge part holds a space: "${a}" "${b}"`);
  }
}

/**
 * Writes tokenizer.json, vocab.json, merges.txt, tokenizer_config.json and special_tokens_map.json
 * into `dir` (created if needed). Output is byte-for-byte deterministic for the same input.
 */
export function saveTokenizer(
  dir: string,
  vocab: Record<string, number>,
  merges: readonly (readonly [string, string])[],
  opts: SaveTokenizerOptions = {},
): void {
  validate(vocab, merges);
  const specials = opts.specialTokens ?? (EOT in vocab ? [EOT] : []);
  const eos = opts.eosToken ?? (specials.includes(EOT) ? EOT : specials[0]);
  const bos = opts.bosToken ?? eos;
  const unk = opts.unkToken ?? eos;
  for (const t of [eos, bos, unk]) {
    if (t !== undefined && !(t in vocab)) throw new Error(`token ${JSON.stringify(t)} is not in the vocabulary`);
  }
  mkdirSync(dir, { recursive: true });

  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJson(vocab, merges, specials), null, 2) + '\n');
  writeFileSync(join(dir, 'vocab.json'), JSON.stringify(sortedVocab(vocab)) + '\n');
  writeFileSync(join(dir, 'merges.txt'), ['#version: 0.2', ...merges.map(([a, b]) => `${a} ${b}`)].join('\n') + '\n');

  const addedDecoder: Record<string, Omit<AddedToken, 'id'>> = {};
  for (const content of specials) {
    addedDecoder[String(vocab[content])] = { content, lstrip: false, normalized: true, rstrip: false, single_word: false, special: true };
  }
  const named: Record<string, string> = {};
  if (bos !== undefined) named.bos_token = bos;
  if (eos !== undefined) named.eos_token = eos;
  if (unk !== undefined) named.unk_token = unk;
  const config = {
    add_bos_token: false,
    add_prefix_space: false,
    added_tokens_decoder: addedDecoder,
    ...named,
    clean_up_tokenization_spaces: false,
    errors: 'replace',
    model_max_length: opts.modelMaxLength ?? 1024,
    pad_token: null,
    tokenizer_class: 'GPT2Tokenizer',
  };
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(config, null, 2) + '\n');
  writeFileSync(join(dir, 'special_tokens_map.json'), JSON.stringify(named, null, 2) + '\n');
}
