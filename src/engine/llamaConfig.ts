// config.json of the Llama family — LlamaForCausalLM (SmolLM2, TinyLlama, Llama 3.x),
// MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM — → GPTConfig. Defaults are those of
// Hugging Face's config classes (LlamaConfig, MistralConfig, Qwen2Config, Qwen3Config) for a key
// the file leaves out; every check names the file and the key. And a Llama GPTConfig back to
// LlamaForCausalLM's config.json (what the training pipeline exports).
import { bad, bool, modelName, numberIn, pick, positiveInt, specialIds, type Json } from './configFields';
import type { GPTConfig, RopeConfig, RopeScaling } from './types';

export const LLAMA_FAMILY = ['llama', 'mistral', 'qwen2', 'qwen3'] as const;
export type LlamaType = (typeof LLAMA_FAMILY)[number];

/** HF's defaults per family, for keys the file does not have. */
const DEFAULTS: Record<LlamaType, { nPositions: number; headDim?: number; slidingWindow?: number }> = {
  llama: { nPositions: 2048 },
  mistral: { nPositions: 4096 * 32, slidingWindow: 4096 },
  qwen2: { nPositions: 32768 },
  qwen3: { nPositions: 32768, headDim: 128 },
};

function ropeNumber(s: Json, key: string, file: string): number {
  const v = s[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw bad(file, `"rope_scaling.${key}" must be a positive number, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** rope_scaling (or v5's rope_parameters): none, linear, dynamic or llama3; `type` is the old key for `rope_type`. */
function ropeScaling(obj: Json, file: string): RopeScaling | undefined {
  const s = obj.rope_scaling ?? obj.rope_parameters;
  if (s === undefined || s === null) return undefined;
  if (typeof s !== 'object' || Array.isArray(s)) throw bad(file, `"rope_scaling" must be an object, got ${JSON.stringify(s)}`);
  const o = s as Json;
  const type = o.rope_type ?? o.type ?? 'default';
  switch (type) {
    case 'default':
      return undefined;
    case 'linear':
    case 'dynamic':
      return { type: type as 'linear' | 'dynamic', factor: ropeNumber(o, 'factor', file) };
    case 'llama3': {
      const scaling = {
        type: 'llama3' as const,
        factor: ropeNumber(o, 'factor', file),
        lowFreqFactor: ropeNumber(o, 'low_freq_factor', file),
        highFreqFactor: ropeNumber(o, 'high_freq_factor', file),
        originalMaxPositions: ropeNumber(o, 'original_max_position_embeddings', file),
      };
      if (scaling.highFreqFactor <= scaling.lowFreqFactor) {
        throw bad(file, `"rope_scaling.high_freq_factor" (${scaling.highFreqFactor}) must exceed "low_freq_factor" (${scaling.lowFreqFactor})`);
      }
      return scaling;
    }
    default:
      throw bad(file, `not supported yet: rope_scaling type ${JSON.stringify(type)} (supported: default, linear, dynamic, llama3)`);
  }
}

function rope(obj: Json, file: string, headDim: number): RopeConfig {
  const params = (typeof obj.rope_parameters === 'object' && obj.rope_parameters !== null ? obj.rope_parameters : {}) as Json;
  const theta = numberIn(obj, 'rope_theta', file, numberIn(params, 'rope_theta', file, 10000, 0, Infinity, 'a positive number'), 0, Infinity, 'a positive number');
  const factor = numberIn(obj, 'partial_rotary_factor', file, 1, 0, 1.000001, 'a number in (0, 1]');
  const rotaryDim = Math.floor(headDim * factor);
  if (rotaryDim < 2 || rotaryDim % 2 !== 0) {
    throw bad(file, `head_dim ${headDim} × partial_rotary_factor ${factor} = ${rotaryDim} rotary dims; it must be a positive even number`);
  }
  const scaling = ropeScaling(obj, file);
  return scaling ? { theta, rotaryDim, scaling } : { theta, rotaryDim };
}

/** Mistral: sliding_window in every layer (HF's default 4096 when the key is absent; null: none). Qwen2/3: only with use_sliding_window, from max_window_layers on. */
function slidingWindow(obj: Json, type: LlamaType, file: string, nLayer: number): GPTConfig['slidingWindow'] {
  const fallback = DEFAULTS[type].slidingWindow;
  if (type === 'mistral') {
    if (obj.sliding_window === null) return undefined;
    const size = positiveInt(obj, ['sliding_window'], file, fallback);
    return { size, fromLayer: 0 };
  }
  if (type === 'qwen2' || type === 'qwen3') {
    if (!bool(obj, 'use_sliding_window', file, false) || obj.sliding_window === null) return undefined;
    const size = positiveInt(obj, ['sliding_window'], file, 4096);
    const fromLayer = obj.max_window_layers === undefined || obj.max_window_layers === null ? 28 : obj.max_window_layers;
    if (typeof fromLayer !== 'number' || !Number.isInteger(fromLayer) || fromLayer < 0) {
      throw bad(file, `"max_window_layers" must be a non-negative integer, got ${JSON.stringify(obj.max_window_layers)}`);
    }
    return fromLayer >= nLayer ? undefined : { size, fromLayer };
  }
  if (obj.sliding_window !== undefined && obj.sliding_window !== null) {
    throw bad(file, `"sliding_window" is not supported for model_type "${type}"`);
  }
  return undefined;
}

/** Parses a Llama-family config.json (`type` is its model_type). */
export function parseLlamaConfig(obj: Json, type: LlamaType, file: string): GPTConfig {
  const defaults = DEFAULTS[type];
  const vocabSize = positiveInt(obj, ['vocab_size'], file);
  const nEmbd = positiveInt(obj, ['hidden_size'], file);
  const nInner = positiveInt(obj, ['intermediate_size'], file);
  const nLayer = positiveInt(obj, ['num_hidden_layers'], file);
  const nHead = positiveInt(obj, ['num_attention_heads'], file);
  const nKvHead = positiveInt(obj, ['num_key_value_heads'], file, nHead);
  const nPositions = positiveInt(obj, ['max_position_embeddings'], file, defaults.nPositions);
  if (nHead % nKvHead !== 0) {
    throw bad(file, `num_key_value_heads (${nKvHead}) must divide num_attention_heads (${nHead})`);
  }
  let headDim: number;
  if (pick(obj, ['head_dim'])) headDim = positiveInt(obj, ['head_dim'], file);
  else if (defaults.headDim !== undefined) headDim = defaults.headDim;
  else if (nEmbd % nHead !== 0) {
    throw bad(file, `no "head_dim", and hidden_size (${nEmbd}) is not divisible by num_attention_heads (${nHead}) to give one`);
  } else headDim = nEmbd / nHead;

  const act = obj.hidden_act ?? 'silu';
  if (act !== 'silu' && act !== 'swish') {
    throw bad(file, `"hidden_act" ${JSON.stringify(act)} is not supported for model_type "${type}" (only "silu")`);
  }
  const attentionBias = bool(obj, 'attention_bias', file, false);
  const config: GPTConfig = {
    modelType: type,
    vocabSize,
    nPositions,
    nEmbd,
    nLayer,
    nHead,
    nKvHead,
    headDim,
    nInner,
    layerNormEps: numberIn(obj, 'rms_norm_eps', file, 1e-6, 0, 1, 'a small positive number'),
    activation: 'silu',
    norm: 'rmsnorm',
    rope: rope(obj, file, headDim),
    tieWordEmbeddings: bool(obj, 'tie_word_embeddings', file, false),
    // Mistral has no biases; Qwen2 always biases q, k, v and never o; Llama and Qwen3 follow attention_bias.
    attentionBias: type === 'mistral' ? { qkv: false, o: false } : type === 'qwen2' ? { qkv: true, o: false } : { qkv: attentionBias, o: attentionBias },
    mlpBias: type === 'llama' ? bool(obj, 'mlp_bias', file, false) : false,
    qkNorm: type === 'qwen3',
    ...specialIds(obj, file, vocabSize),
  };
  const window = slidingWindow(obj, type, file, nLayer);
  if (window) config.slidingWindow = window;
  const name = modelName(obj);
  if (name !== undefined) config.name = name;
  return config;
}

/**
 * A Llama GPTConfig → LlamaForCausalLM's config.json (the keys LlamaConfig reads). Only what the
 * training pipeline writes: no rope_scaling, no partial rotary, no q/k norms.
 */
export function llamaConfigToJson(c: GPTConfig): Record<string, unknown> {
  if (c.modelType !== 'llama' || !c.rope || c.rope.scaling || c.rope.rotaryDim !== c.headDim || c.qkNorm || c.slidingWindow) {
    throw new Error(`llamaConfigToJson writes plain Llama configs only (got ${c.modelType}${c.rope?.scaling ? ' with rope_scaling' : ''})`);
  }
  const bias = c.attentionBias?.qkv ?? false;
  if (bias !== (c.attentionBias?.o ?? false)) throw new Error('llamaConfigToJson: Llama biases q, k, v and o together (attention_bias)');
  const out: Record<string, unknown> = {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    vocab_size: c.vocabSize,
    hidden_size: c.nEmbd,
    intermediate_size: c.nInner,
    num_hidden_layers: c.nLayer,
    num_attention_heads: c.nHead,
    num_key_value_heads: c.nKvHead,
    head_dim: c.headDim,
    max_position_embeddings: c.nPositions,
    hidden_act: 'silu',
    rms_norm_eps: c.layerNormEps,
    rope_theta: c.rope.theta,
    rope_scaling: null,
    attention_bias: bias,
    attention_dropout: 0,
    mlp_bias: c.mlpBias ?? false,
    tie_word_embeddings: c.tieWordEmbeddings !== false,
    initializer_range: 0.02,
    torch_dtype: 'float32',
  };
  if (c.bosTokenId !== undefined) out.bos_token_id = c.bosTokenId;
  if (c.eosTokenId !== undefined) out.eos_token_id = c.eosTokenId;
  if (c.name !== undefined) out._name_or_path = c.name;
  return out;
}
