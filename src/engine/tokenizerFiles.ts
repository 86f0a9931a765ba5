// Reading a tokenizer from disk: GPT-2's vocab.json + merges.txt, a Hugging Face tokenizer.json, or
// a model folder holding either (with its EOS/BOS from the config files). Only shape checks live
// here; ByteLevelBPETokenizer validates the contents. Every error names the file.

import * as fs from 'fs';
import * as path from 'path';
import { EngineError } from './errors';

/** What a tokenizer is built from, before validation. */
export interface TokenizerSource {
  vocab: unknown;
  merges: unknown[];
  addedTokens: { id: number; content: string }[];
  /** A token string, or an id (from config.json); undefined = `<|endoftext|>` when in the vocabulary. */
  eos?: string | number;
  bos?: string | number;
  /** The file named in errors, and more precise ones when the parts come from different files. */
  file: string;
  vocabFile?: string;
  mergesFile?: string;
  /** Where the EOS / BOS token was named. */
  eosFile?: string;
  bosFile?: string;
  /** 1-based line of each merge in merges.txt. */
  mergeLines?: number[];
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A text file's contents. It must be UTF-8, as Hugging Face's readers (Rust's serde_json, Python's
 * open(encoding="utf-8")) require: bytes that are not would otherwise turn into U+FFFD silently,
 * and a vocabulary would hold tokens that no text can produce.
 */
export function decodeUtf8(bytes: Uint8Array, file: string, code: 'BAD_JSON' | 'BAD_TOKENIZER' | 'BAD_CONFIG'): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new EngineError(code, 'is not valid UTF-8 text', file);
  }
}

export function readText(file: string, code: 'BAD_JSON' | 'BAD_TOKENIZER' = 'BAD_TOKENIZER'): string {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new EngineError('FILE_NOT_FOUND', 'file not found', file);
    throw new EngineError('FILE_NOT_FOUND', `cannot read the file (${code ?? String(err)})`, file);
  }
  return decodeUtf8(bytes, file, code);
}

export function readJson(file: string): unknown {
  const text = readText(file, 'BAD_JSON');
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    throw new EngineError('BAD_JSON', `is not valid JSON (${(err as Error).message})`, file);
  }
}

/** Deeper than any tokenizer.json's nesting (pipelines of Sequences are 3 or 4 levels deep). */
export const MAX_JSON_DEPTH = 64;

/**
 * Refuses JSON nested deeper than MAX_JSON_DEPTH: the pipeline's readers recurse into Sequences (and
 * messages stringify what they quote), and a file nested 5,000 deep would overflow the stack with a
 * bare RangeError. JSON.parse itself copes; this walk uses its own stack, never recursion.
 */
export function checkDepth(value: unknown, file: string): void {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > MAX_JSON_DEPTH) throw new EngineError('BAD_TOKENIZER', `is nested more than ${MAX_JSON_DEPTH} levels deep`, file);
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
}

export function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** GPT-2's vocab.json and merges.txt; merges.txt may start with a `#version` line. */
export function readVocabAndMerges(vocabFile: string, mergesFile: string): TokenizerSource {
  const vocab = readJson(vocabFile);
  const merges: [string, string][] = [];
  const mergeLines: number[] = [];
  readText(mergesFile)
    .split('\n')
    .forEach((raw, i) => {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (line === '' || (i === 0 && line.startsWith('#version'))) return;
      const parts = line.split(' ');
      if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
        throw new EngineError('BAD_TOKENIZER', `line ${i + 1} is not two symbols separated by one space: ${JSON.stringify(line)}`, mergesFile);
      }
      merges.push([parts[0], parts[1]]);
      mergeLines.push(i + 1);
    });
  return { vocab, merges, mergeLines, addedTokens: [], file: vocabFile, vocabFile, mergesFile };
}

function typeOf(x: unknown): string {
  return isObject(x) && typeof x.type === 'string' ? x.type : JSON.stringify(x);
}

/** Whether a tokenizer.json is GPT-2's pipeline exactly, which ByteLevelBPETokenizer runs (as it always has). */
export function isGpt2Pipeline(root: unknown): boolean {
  if (!isObject(root) || !isObject(root.model) || (root.model.type !== undefined && root.model.type !== 'BPE')) return false;
  for (const key of ['continuing_subword_prefix', 'end_of_word_suffix'] as const) {
    if (typeof root.model[key] === 'string' && root.model[key] !== '') return false;
  }
  if (root.model.byte_fallback === true || root.model.ignore_merges === true) return false;
  if (Array.isArray(root.added_tokens) && root.added_tokens.some((t) => isObject(t) && (t.lstrip || t.rstrip || t.single_word))) return false;
  if (isObject(root.post_processor) && root.post_processor.type !== 'ByteLevel') return false;
  try {
    checkPipeline(root, '');
    return true;
  } catch {
    return false;
  }
}

/** Rejects pipelines that would give different ids from GPT-2's regex + byte-level mapping. */
function checkPipeline(root: Record<string, unknown>, file: string): void {
  const bad = (msg: string): EngineError => new EngineError('BAD_TOKENIZER', msg, file);
  if (root.normalizer !== null && root.normalizer !== undefined) {
    throw bad(`has a normalizer (${typeOf(root.normalizer)}); only GPT-2-style tokenizers without one are supported`);
  }
  const pre = root.pre_tokenizer;
  const steps = isObject(pre) && pre.type === 'Sequence' && Array.isArray(pre.pretokenizers) ? pre.pretokenizers : [pre];
  for (const step of steps) {
    if (!isObject(step) || step.type !== 'ByteLevel') {
      throw bad(`pre_tokenizer ${typeOf(step)} is not supported; only GPT-2's ByteLevel pre-tokenizer is`);
    }
    if (step.use_regex === false) throw bad('its ByteLevel pre-tokenizer has use_regex: false; only GPT-2\'s split is supported');
  }
}

/** A Hugging Face tokenizer.json with a BPE model; merges as "a b" strings or ["a", "b"] pairs. */
export function readTokenizerJson(file: string): TokenizerSource {
  const root = readJson(file);
  checkDepth(root, file);
  const bad = (msg: string): EngineError => new EngineError('BAD_TOKENIZER', msg, file);
  if (!isObject(root)) throw bad('is not a JSON object');
  const model = root.model;
  if (!isObject(model)) throw bad('has no "model" object');
  if (model.type !== undefined && model.type !== 'BPE') {
    throw bad(`model.type is ${JSON.stringify(model.type)}; only "BPE" is supported`);
  }
  for (const key of ['continuing_subword_prefix', 'end_of_word_suffix'] as const) {
    if (typeof model[key] === 'string' && model[key] !== '') throw bad(`model.${key} is set; GPT-2's BPE has none`);
  }
  checkPipeline(root, file);
  if (!Array.isArray(model.merges)) throw bad('model.merges is not a list');
  const merges = model.merges.map((m: unknown, i: number) => {
    if (typeof m !== 'string') return m;
    const parts = m.split(' ');
    if (parts.length !== 2) throw bad(`merge ${i + 1} is not two symbols separated by one space: ${JSON.stringify(m)}`);
    return parts;
  });
  const added = root.added_tokens ?? [];
  if (!Array.isArray(added)) throw bad('added_tokens is not a list');
  const addedTokens = added.map((t: unknown) => {
    if (!isObject(t) || typeof t.content !== 'string') throw bad(`an added token has no "content" string: ${JSON.stringify(t)}`);
    return { id: t.id as number, content: t.content };
  });
  return { vocab: model.vocab, merges, addedTokens, file };
}

/** A special token as tokenizer_config.json / special_tokens_map.json write it: "x" or { content: "x" }. */
function tokenString(x: unknown): string | undefined {
  if (typeof x === 'string') return x;
  if (isObject(x) && typeof x.content === 'string') return x.content;
  return undefined;
}

function tokenId(x: unknown): number | undefined {
  if (typeof x === 'number') return x;
  if (Array.isArray(x) && typeof x[0] === 'number') return x[0];
  return undefined;
}

/** EOS / BOS as a model folder's configs name them, and tokenizer_config.json's add_bos_token / add_eos_token. */
export interface SpecialTokenSettings {
  eos?: string | number;
  bos?: string | number;
  eosFile?: string;
  bosFile?: string;
  addBos?: boolean;
  addEos?: boolean;
}

/** Reads EOS/BOS from tokenizer_config.json, then special_tokens_map.json, then config.json (first that names it). */
export function readSpecialTokens(dir: string): SpecialTokenSettings {
  const at = (name: string): string => path.join(dir, name);
  const out: SpecialTokenSettings = {};
  const sources: [string, (j: Record<string, unknown>, key: 'eos' | 'bos') => string | number | undefined][] = [
    ['tokenizer_config.json', (j, key) => tokenString(j[`${key}_token`])],
    ['special_tokens_map.json', (j, key) => tokenString(j[`${key}_token`])],
    ['config.json', (j, key) => tokenId(j[`${key}_token_id`])],
  ];
  for (const key of ['eos', 'bos'] as const) {
    for (const [name, pick] of sources) {
      if (!fs.existsSync(at(name))) continue;
      const json = readJson(at(name));
      const value = isObject(json) ? pick(json, key) : undefined;
      if (value !== undefined) {
        out[key] = value;
        out[`${key}File`] = at(name);
        break;
      }
    }
  }
  if (fs.existsSync(at('tokenizer_config.json'))) {
    const cfg = readJson(at('tokenizer_config.json'));
    if (isObject(cfg) && typeof cfg.add_bos_token === 'boolean') out.addBos = cfg.add_bos_token;
    if (isObject(cfg) && typeof cfg.add_eos_token === 'boolean') out.addEos = cfg.add_eos_token;
  }
  return out;
}

/** A model folder: tokenizer.json if present, else vocab.json + merges.txt; EOS/BOS from its configs. */
export function readModelDir(dir: string): TokenizerSource {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new EngineError('FILE_NOT_FOUND', 'model folder not found', dir);
  }
  const at = (name: string): string => path.join(dir, name);
  const src = fs.existsSync(at('tokenizer.json'))
    ? readTokenizerJson(at('tokenizer.json'))
    : readVocabAndMerges(at('vocab.json'), at('merges.txt'));
  const { eos, bos, eosFile, bosFile } = readSpecialTokens(dir);
  return { ...src, ...(eos !== undefined ? { eos, eosFile } : {}), ...(bos !== undefined ? { bos, bosFile } : {}) };
}
