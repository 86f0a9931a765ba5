// The tokenizer of a model folder, whichever family it is:
//  - tokenizer.json holding GPT-2's exact pipeline → ByteLevelBPETokenizer (GPT-2's ids as always);
//  - any other tokenizer.json → HfTokenizer (Llama, Mistral, Qwen, SmolLM2, GPT-1 …);
//  - vocab.json + merges.txt → GPT-1's pipeline when config.json says openai-gpt or the merges use
//    "</w>" word ends, else GPT-2's.
// EOS / BOS (and add_bos_token) come from tokenizer_config.json, special_tokens_map.json, config.json.

import * as fs from 'fs';
import * as path from 'path';
import { EngineError } from './errors';
import { ByteLevelBPETokenizer } from './tokenizer';
import { checkDepth, isGpt2Pipeline, isObject, readJson, readSpecialTokens, readText } from './tokenizerFiles';
import { HfTokenizer } from './tokenizers/hfTokenizer';
import { readGpt1Files, readHfTokenizerJson } from './tokenizers/readHfTokenizer';
import type { Tokenizer } from './types';

function isGpt1(dir: string, mergesFile: string): boolean {
  const config = path.join(dir, 'config.json');
  if (fs.existsSync(config)) {
    const json = readJson(config);
    if (isObject(json) && typeof json.model_type === 'string') return json.model_type === 'openai-gpt';
  }
  return fs.existsSync(mergesFile) && readText(mergesFile).slice(0, 100_000).includes('</w>');
}

export function loadTokenizer(dir: string): Tokenizer {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new EngineError('FILE_NOT_FOUND', 'model folder not found', dir);
  }
  const at = (name: string): string => path.join(dir, name);
  if (fs.existsSync(at('tokenizer.json'))) {
    const root = readJson(at('tokenizer.json'));
    checkDepth(root, at('tokenizer.json'));
    if (isGpt2Pipeline(root)) return ByteLevelBPETokenizer.fromModelDir(dir);
    return new HfTokenizer(readHfTokenizerJson(at('tokenizer.json'), readSpecialTokens(dir), root));
  }
  if (!fs.existsSync(at('vocab.json'))) {
    throw new EngineError('FILE_NOT_FOUND', `${at('tokenizer.json')}: no tokenizer.json (nor vocab.json + merges.txt) in the model folder`, at('tokenizer.json'));
  }
  if (isGpt1(dir, at('merges.txt'))) return new HfTokenizer(readGpt1Files(at('vocab.json'), at('merges.txt'), readSpecialTokens(dir)));
  return ByteLevelBPETokenizer.fromModelDir(dir);
}
