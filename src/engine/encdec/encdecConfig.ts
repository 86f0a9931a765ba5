// config.json of an encoder–decoder checkpoint → EncDecConfig: MarianMTModel (model_type "marian")
// and T5ForConditionalGeneration ("t5"). Every check names the file and the key. The decoder-only
// families keep their own GPTConfig (config.ts); isEncDecConfig() tells the two apart.
import { bad, bool, numberIn, positiveInt, shown, type Json } from '../configFields';

export type EncDecFamilyName = 'marian' | 't5';
export type EncDecActivation = 'relu' | 'silu' | 'gelu' | 'gelu_new';

export interface EncDecConfig {
  family: EncDecFamilyName;
  vocabSize: number;
  dModel: number;
  encoderLayers: number;
  decoderLayers: number;
  nHead: number;
  /** Per head: d_model / heads (Marian), d_kv (T5: heads · d_kv may differ from d_model). */
  headDim: number;
  /** Feed-forward width (encoder and decoder alike). */
  ffnDim: number;
  activation: EncDecActivation;
  /** T5's gated feed-forward: act(wi_0 x) · wi_1 x (flan-t5's gated-gelu). */
  gated: boolean;
  /** lm_head is the shared embedding (T5 then scales the decoder output by d_model^-0.5). */
  tied: boolean;
  /** Marian: embeddings multiplied by √d_model. */
  scaleEmbedding: boolean;
  layerNormEps: number;
  /** Marian: the sinusoid table's length (the longest source or target). */
  maxPositions?: number;
  /** T5: relative_attention_num_buckets, relative_attention_max_distance. */
  buckets?: number;
  maxDistance?: number;
  padTokenId: number;
  eosTokenId: number;
  decoderStartTokenId: number;
  /** Tokens generation never picks (Marian: the pad token, its bad_words_ids). */
  banned: number[];
  name?: string;
}

const FAMILY_OF: Record<string, EncDecFamilyName> = { marian: 'marian', t5: 't5', MarianMTModel: 'marian', T5ForConditionalGeneration: 't5' };

/** The encoder–decoder family of a parsed config.json, or undefined for any other model. */
export function encDecFamilyOf(raw: unknown): EncDecFamilyName | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const obj = raw as Json;
  if (typeof obj.model_type === 'string') return FAMILY_OF[obj.model_type];
  const arch = Array.isArray(obj.architectures) ? obj.architectures[0] : undefined;
  return typeof arch === 'string' ? FAMILY_OF[arch] : undefined;
}

export function isEncDecConfig(raw: unknown): boolean {
  return encDecFamilyOf(raw) !== undefined;
}

function tokenId(obj: Json, key: string, file: string, vocabSize: number, fallback?: number): number {
  const v = obj[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= vocabSize) {
    throw bad(file, `"${key}" must be a token id below vocab_size ${vocabSize}, got ${shown(v)}`);
  }
  return v;
}

function parseMarian(obj: Json, file: string): EncDecConfig {
  const vocabSize = positiveInt(obj, ['vocab_size'], file);
  const dModel = positiveInt(obj, ['d_model'], file);
  const nHead = positiveInt(obj, ['encoder_attention_heads'], file);
  if (positiveInt(obj, ['decoder_attention_heads'], file) !== nHead) throw bad(file, '"decoder_attention_heads" differs from "encoder_attention_heads"; not supported');
  const ffnDim = positiveInt(obj, ['encoder_ffn_dim'], file);
  if (positiveInt(obj, ['decoder_ffn_dim'], file) !== ffnDim) throw bad(file, '"decoder_ffn_dim" differs from "encoder_ffn_dim"; not supported');
  if (dModel % nHead !== 0) throw bad(file, `d_model (${dModel}) must be divisible by encoder_attention_heads (${nHead})`);
  if (obj.share_encoder_decoder_embeddings === false) throw bad(file, 'share_encoder_decoder_embeddings is false (separate source and target embeddings); not supported');
  if (obj.decoder_vocab_size !== undefined && obj.decoder_vocab_size !== null && obj.decoder_vocab_size !== vocabSize) {
    throw bad(file, `"decoder_vocab_size" ${shown(obj.decoder_vocab_size)} differs from vocab_size ${vocabSize}; not supported`);
  }
  if (obj.normalize_before === true) throw bad(file, 'normalize_before is true (pre-LayerNorm Marian); only the post-LayerNorm design is supported');
  const act = obj.activation_function ?? 'gelu';
  const activation = act === 'swish' || act === 'silu' ? 'silu' : act === 'relu' || act === 'gelu' || act === 'gelu_new' ? act : undefined;
  if (!activation) throw bad(file, `"activation_function" ${shown(act)} is not supported (swish, relu, gelu, gelu_new)`);
  const pad = tokenId(obj, 'pad_token_id', file, vocabSize);
  return {
    family: 'marian',
    vocabSize,
    dModel,
    encoderLayers: positiveInt(obj, ['encoder_layers'], file),
    decoderLayers: positiveInt(obj, ['decoder_layers'], file),
    nHead,
    headDim: dModel / nHead,
    ffnDim,
    activation,
    gated: false,
    tied: bool(obj, 'tie_word_embeddings', file, true),
    scaleEmbedding: bool(obj, 'scale_embedding', file, false),
    layerNormEps: 1e-5,
    maxPositions: positiveInt(obj, ['max_position_embeddings'], file),
    padTokenId: pad,
    eosTokenId: tokenId(obj, 'eos_token_id', file, vocabSize),
    decoderStartTokenId: tokenId(obj, 'decoder_start_token_id', file, vocabSize, pad),
    banned: [pad],
  };
}

function parseT5(obj: Json, file: string): EncDecConfig {
  const vocabSize = positiveInt(obj, ['vocab_size'], file);
  const proj = obj.feed_forward_proj ?? 'relu';
  const m = typeof proj === 'string' ? /^(gated-)?(relu|gelu|gelu_new|silu)$/.exec(proj) : null;
  if (!m) throw bad(file, `"feed_forward_proj" ${shown(proj)} is not supported (relu, gated-gelu, gated-relu, gated-silu)`);
  const gated = m[1] !== undefined;
  // transformers maps gated-gelu to gelu_new (the tanh form), as flan-t5 was trained
  const activation = (gated && m[2] === 'gelu' ? 'gelu_new' : m[2]) as EncDecActivation;
  const nLayer = positiveInt(obj, ['num_layers'], file);
  const pad = tokenId(obj, 'pad_token_id', file, vocabSize, 0);
  return {
    family: 't5',
    vocabSize,
    dModel: positiveInt(obj, ['d_model'], file),
    encoderLayers: nLayer,
    decoderLayers: positiveInt(obj, ['num_decoder_layers'], file, nLayer),
    nHead: positiveInt(obj, ['num_heads'], file),
    headDim: positiveInt(obj, ['d_kv'], file),
    ffnDim: positiveInt(obj, ['d_ff'], file),
    activation,
    gated,
    tied: bool(obj, 'tie_word_embeddings', file, true),
    scaleEmbedding: false,
    layerNormEps: numberIn(obj, 'layer_norm_epsilon', file, 1e-6, 0, 1, 'a small positive number'),
    buckets: positiveInt(obj, ['relative_attention_num_buckets'], file, 32),
    maxDistance: positiveInt(obj, ['relative_attention_max_distance'], file, 128),
    padTokenId: pad,
    eosTokenId: tokenId(obj, 'eos_token_id', file, vocabSize, 1),
    decoderStartTokenId: tokenId(obj, 'decoder_start_token_id', file, vocabSize, pad),
    banned: [],
  };
}

/** Parses an encoder–decoder config.json (already JSON-parsed) read from `file`. */
export function parseEncDecConfig(raw: unknown, file: string): EncDecConfig {
  const family = encDecFamilyOf(raw);
  if (!family) throw bad(file, 'is not a MarianMTModel or T5ForConditionalGeneration config');
  const obj = raw as Json;
  const config = family === 'marian' ? parseMarian(obj, file) : parseT5(obj, file);
  if (typeof obj._name_or_path === 'string' && obj._name_or_path !== '') config.name = obj._name_or_path;
  return config;
}
