// Hugging Face GPT-2 `config.json` → GPTConfig, and back. Every check names the file and the key.
import { EngineError } from './errors';
import type { GPTConfig } from './types';

const ACTIVATIONS: readonly GPTConfig['activation'][] = [
  'gelu_new',
  'gelu',
  'relu',
  'gelu_fast',
  'gelu_pytorch_tanh',
];

/** Model families people are likely to point us at, which this engine cannot run yet. */
const NOT_YET = ['llama', 'mistral', 'qwen', 'gemma', 'phi', 'gpt_neox', 'gptj', 'opt', 'falcon', 'mixtral', 'bloom'];

type Json = Record<string, unknown>;

function bad(file: string, problem: string): EngineError {
  return new EngineError('BAD_CONFIG', `${file}: ${problem}`, file);
}

/** The first of `keys` that is present (not undefined/null), with the key it came from. */
function pick(obj: Json, keys: string[]): { key: string; value: unknown } | undefined {
  for (const key of keys) {
    if (obj[key] !== undefined && obj[key] !== null) return { key, value: obj[key] };
  }
  return undefined;
}

function positiveInt(obj: Json, keys: string[], file: string, fallback?: number): number {
  const found = pick(obj, keys);
  if (!found) {
    if (fallback !== undefined) return fallback;
    throw bad(file, `missing "${keys[0]}"${keys.length > 1 ? ` (or ${keys.slice(1).map((k) => `"${k}"`).join(', ')})` : ''}`);
  }
  const v = found.value;
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw bad(file, `"${found.key}" must be a positive integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

function optionalTokenId(obj: Json, key: string, file: string): number | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  // Some configs hold a list of ids (several end tokens); keep the first.
  const id = Array.isArray(v) ? v[0] : v;
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
    throw bad(file, `"${key}" must be a non-negative integer, got ${JSON.stringify(v)}`);
  }
  return id;
}

/** Parses and validates a GPT-2 style config.json (already JSON-parsed) read from `file`. */
export function parseConfig(json: unknown, file: string): GPTConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw bad(file, 'expected a JSON object');
  }
  const obj = json as Json;

  const modelType = obj.model_type;
  if (modelType !== undefined && modelType !== 'gpt2') {
    const t = String(modelType);
    const family = NOT_YET.find((f) => t.toLowerCase().startsWith(f));
    throw bad(
      file,
      family
        ? `model_type "${t}" is not supported yet (only GPT-2 style models, model_type "gpt2")`
        : `model_type "${t}" is not supported (only GPT-2 style models, model_type "gpt2")`,
    );
  }

  const vocabSize = positiveInt(obj, ['vocab_size'], file);
  const nPositions = positiveInt(obj, ['n_positions', 'max_position_embeddings', 'n_ctx'], file);
  const nEmbd = positiveInt(obj, ['n_embd', 'hidden_size'], file);
  const nLayer = positiveInt(obj, ['n_layer', 'num_hidden_layers'], file);
  const nHead = positiveInt(obj, ['n_head', 'num_attention_heads'], file);
  const nInner = positiveInt(obj, ['n_inner'], file, 4 * nEmbd);
  if (nEmbd % nHead !== 0) {
    throw bad(file, `n_embd (${nEmbd}) must be divisible by n_head (${nHead})`);
  }

  let layerNormEps = 1e-5;
  if (obj.layer_norm_epsilon !== undefined && obj.layer_norm_epsilon !== null) {
    const e = obj.layer_norm_epsilon;
    if (typeof e !== 'number' || !Number.isFinite(e) || e <= 0 || e >= 1) {
      throw bad(file, `"layer_norm_epsilon" must be a small positive number, got ${JSON.stringify(e)}`);
    }
    layerNormEps = e;
  }

  let activation: GPTConfig['activation'] = 'gelu_new';
  if (obj.activation_function !== undefined && obj.activation_function !== null) {
    const a = obj.activation_function;
    if (typeof a !== 'string' || !(ACTIVATIONS as readonly string[]).includes(a)) {
      throw bad(file, `"activation_function" ${JSON.stringify(a)} is not supported (one of ${ACTIVATIONS.join(', ')})`);
    }
    activation = a as GPTConfig['activation'];
  }

  const bosTokenId = optionalTokenId(obj, 'bos_token_id', file);
  const eosTokenId = optionalTokenId(obj, 'eos_token_id', file);
  for (const [key, id] of [['bos_token_id', bosTokenId], ['eos_token_id', eosTokenId]] as const) {
    if (id !== undefined && id >= vocabSize) {
      throw bad(file, `"${key}" ${id} is outside the vocabulary (vocab_size ${vocabSize})`);
    }
  }

  const config: GPTConfig = {
    modelType: 'gpt2',
    vocabSize,
    nPositions,
    nEmbd,
    nLayer,
    nHead,
    nInner,
    layerNormEps,
    activation,
  };
  if (bosTokenId !== undefined) config.bosTokenId = bosTokenId;
  if (eosTokenId !== undefined) config.eosTokenId = eosTokenId;
  const name = pick(obj, ['_name_or_path', 'name']);
  if (name && typeof name.value === 'string' && name.value !== '') config.name = name.value;
  return config;
}

/** GPTConfig → a Hugging Face style config.json object (GPT2LMHeadModel). */
export function configToJson(c: GPTConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    vocab_size: c.vocabSize,
    n_positions: c.nPositions,
    n_ctx: c.nPositions,
    n_embd: c.nEmbd,
    n_layer: c.nLayer,
    n_head: c.nHead,
    n_inner: c.nInner === 4 * c.nEmbd ? null : c.nInner,
    layer_norm_epsilon: c.layerNormEps,
    activation_function: c.activation,
    tie_word_embeddings: true,
  };
  if (c.bosTokenId !== undefined) out.bos_token_id = c.bosTokenId;
  if (c.eosTokenId !== undefined) out.eos_token_id = c.eosTokenId;
  if (c.name !== undefined) out._name_or_path = c.name;
  return out;
}
