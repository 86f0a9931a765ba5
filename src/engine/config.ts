// Hugging Face `config.json` → GPTConfig (GPT-2 here; the other families in their own files), and
// a GPT-2 or Llama GPTConfig back. Every check names the file and the key.
import { bad, modelName, positiveInt, specialIds, type Json } from './configFields';
import { EngineError } from './errors';
import { LLAMA_FAMILY, llamaConfigToJson, parseLlamaConfig, type LlamaType } from './llamaConfig';
import { parseOpenAIGptConfig } from './openaiGptConfig';
import type { GPTConfig } from './types';

const ACTIVATIONS: readonly GPTConfig['activation'][] = [
  'gelu_new',
  'gelu',
  'relu',
  'gelu_fast',
  'gelu_pytorch_tanh',
];

/** Model families people are likely to point us at, which this engine cannot run yet. */
const NOT_YET = ['gemma', 'phi', 'gpt_neox', 'gptj', 'opt', 'falcon', 'mixtral', 'bloom', 'qwen', 'llama', 'mistral', 'olmo', 'starcoder', 'stablelm'];

/** architectures[0] → model_type, for a config.json without model_type. */
const ARCHITECTURES: Record<string, string> = {
  GPT2LMHeadModel: 'gpt2',
  LlamaForCausalLM: 'llama',
  MistralForCausalLM: 'mistral',
  Qwen2ForCausalLM: 'qwen2',
  Qwen3ForCausalLM: 'qwen3',
  OpenAIGPTLMHeadModel: 'openai-gpt',
};

function modelTypeOf(obj: Json): string | undefined {
  if (obj.model_type !== undefined && obj.model_type !== null) return String(obj.model_type);
  const arch = Array.isArray(obj.architectures) ? obj.architectures[0] : undefined;
  return typeof arch === 'string' ? ARCHITECTURES[arch] : undefined;
}

const SUPPORTED = `gpt2, openai-gpt, ${LLAMA_FAMILY.join(', ')}`;

/**
 * Parses and validates a config.json (already JSON-parsed) read from `file`: GPT-2 (also without
 * model_type), GPT-1 (openai-gpt) or the Llama family (llamaConfig.ts).
 */
export function parseConfig(json: unknown, file: string): GPTConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw bad(file, 'expected a JSON object');
  }
  const obj = json as Json;

  const modelType = modelTypeOf(obj);
  if ((LLAMA_FAMILY as readonly string[]).includes(modelType ?? '')) return parseLlamaConfig(obj, modelType as LlamaType, file);
  if (modelType === 'openai-gpt') return parseOpenAIGptConfig(obj, file);
  if (modelType !== undefined && modelType !== 'gpt2') {
    const family = NOT_YET.find((f) => modelType.toLowerCase().startsWith(f));
    throw bad(file, `model_type "${modelType}" is not supported${family ? ' yet' : ''} (supported: ${SUPPORTED})`);
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

  if (obj.tie_word_embeddings === false) {
    throw bad(file, 'tie_word_embeddings is false; only a tied LM head (GPT-2\'s) is supported');
  }

  const config: GPTConfig = {
    modelType: 'gpt2',
    vocabSize,
    nPositions,
    nEmbd,
    nLayer,
    nHead,
    nKvHead: nHead,
    headDim: nEmbd / nHead,
    nInner,
    layerNormEps,
    activation,
    ...specialIds(obj, file, vocabSize),
  };
  const name = modelName(obj);
  if (name !== undefined) config.name = name;
  return config;
}

/** A GPT-2 (GPT2LMHeadModel) or Llama (LlamaForCausalLM) GPTConfig → a Hugging Face style config.json object. */
export function configToJson(c: GPTConfig): Record<string, unknown> {
  if (c.modelType === 'llama') {
    try {
      return llamaConfigToJson(c);
    } catch (e) {
      throw new EngineError('INTERNAL', (e as Error).message);
    }
  }
  if (c.modelType !== 'gpt2') throw new EngineError('INTERNAL', `configToJson writes GPT-2 and Llama configs only, not ${c.modelType}`);
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
