// config.json of GPT-1 (model_type "openai-gpt", OpenAIGPTLMHeadModel) → GPTConfig: GPT-2's sizes
// under the same keys, the activation under `afn` (modeling_openai's ACT_FNS: "gelu" is gelu_new,
// the tanh approximation; "swish" and "silu" are SiLU), a 4·d feed-forward and the LM head tied to
// tokens_embed.
import { bad, modelName, numberIn, positiveInt, specialIds, type Json } from './configFields';
import type { GPTConfig } from './types';

const ACTIVATIONS: readonly GPTConfig['activation'][] = ['gelu_new', 'relu', 'silu'];

export function parseOpenAIGptConfig(obj: Json, file: string): GPTConfig {
  const vocabSize = positiveInt(obj, ['vocab_size'], file);
  const nPositions = positiveInt(obj, ['n_positions', 'n_ctx'], file);
  const nEmbd = positiveInt(obj, ['n_embd'], file);
  const nLayer = positiveInt(obj, ['n_layer'], file);
  const nHead = positiveInt(obj, ['n_head'], file);
  if (nEmbd % nHead !== 0) throw bad(file, `n_embd (${nEmbd}) must be divisible by n_head (${nHead})`);
  const afn = obj.afn ?? 'gelu';
  const activation = afn === 'swish' ? 'silu' : afn === 'gelu' ? 'gelu_new' : afn;
  if (typeof activation !== 'string' || !(ACTIVATIONS as readonly string[]).includes(activation)) {
    throw bad(file, `"afn" ${JSON.stringify(afn)} is not supported (one of gelu, relu, silu, swish)`);
  }
  if (obj.tie_word_embeddings === false) throw bad(file, "tie_word_embeddings is false; GPT-1's LM head is tokens_embed");
  const config: GPTConfig = {
    modelType: 'openai-gpt',
    vocabSize,
    nPositions,
    nEmbd,
    nLayer,
    nHead,
    nKvHead: nHead,
    headDim: nEmbd / nHead,
    nInner: 4 * nEmbd,
    layerNormEps: numberIn(obj, 'layer_norm_epsilon', file, 1e-5, 0, 1, 'a small positive number'),
    activation: activation as GPTConfig['activation'],
    ...specialIds(obj, file, vocabSize),
  };
  const name = modelName(obj);
  if (name !== undefined) config.name = name;
  return config;
}
