// The engine's public shapes. Everything here is plain data (typed arrays, numbers, strings):
// tensors never leave src/engine/. Shapes are written row-major in the comments.

import type { Token } from '../shared/token';

import type { LayerCapture } from '../shared/engineData';
import type { HalfDtype } from './gemm/kernelWat';
import type { Intervention } from './interventionTypes';
export type { GeneratedToken, GenerationResult, LayerCapture, SamplingOptions } from '../shared/engineData';

/** The model families the engine runs (config.json's `model_type`). */
export type ModelType = 'gpt2' | 'openai-gpt' | 'llama' | 'mistral' | 'qwen2' | 'qwen3';

/** How a rotary embedding's frequencies are rescaled (config.json's `rope_scaling`; see rotary.ts). */
export type RopeScaling =
  /** Positions divided by `factor` (inv_freq / factor). */
  | { type: 'linear'; factor: number }
  /** Dynamic NTK: the default frequencies within max_position_embeddings, which the engine never exceeds. */
  | { type: 'dynamic'; factor: number }
  /** Llama 3.1's three wavelength bands. */
  | { type: 'llama3'; factor: number; lowFreqFactor: number; highFreqFactor: number; originalMaxPositions: number };

/** Rotary position embeddings (HF's layout: dims i and i + rotaryDim/2 rotate together). */
export interface RopeConfig {
  theta: number; // rope_theta
  /** Leading dims of each head that rotate: headDim · partial_rotary_factor. */
  rotaryDim: number;
  scaling?: RopeScaling;
}

/** A decoder's hyper-parameters, normalised from a Hugging Face `config.json`. */
export interface GPTConfig {
  modelType: ModelType;
  vocabSize: number; // V
  nPositions: number; // context length
  nEmbd: number; // d
  nLayer: number; // L
  nHead: number; // H: query heads
  /** Key/value heads (grouped-query attention): query head h reads kv head ⌊h / (H / nKvHead)⌋. GPT-2: H. */
  nKvHead: number;
  /** Width of one head; d / H for GPT-2, may differ for Qwen3 (explicit head_dim). */
  headDim: number;
  nInner: number; // feed-forward width, 4d unless `n_inner` says otherwise
  /** LayerNorm's or RMSNorm's epsilon. */
  layerNormEps: number;
  activation: 'gelu_new' | 'gelu' | 'relu' | 'gelu_fast' | 'gelu_pytorch_tanh' | 'silu';
  /** Absent: LayerNorm (GPT-2, GPT-1). */
  norm?: 'layernorm' | 'rmsnorm';
  /** Absent: learned positions (GPT-2, GPT-1). */
  rope?: RopeConfig;
  /** Mistral / Qwen2 sliding-window attention: key j is visible to query i iff j ≤ i and i − j < size, in layers ≥ fromLayer. */
  slidingWindow?: { size: number; fromLayer: number };
  /** Absent: true (the LM head is the token embedding). */
  tieWordEmbeddings?: boolean;
  /** Biases of the attention projections (Llama family; GPT-2 always has them). */
  attentionBias?: { qkv: boolean; o: boolean };
  /** Biases of gate/up/down (Llama's mlp_bias). */
  mlpBias?: boolean;
  /** Qwen3: RMSNorm over each head's q and k (q_norm, k_norm) before RoPE. */
  qkNorm?: boolean;
  bosTokenId?: number;
  eosTokenId?: number;
  /**
   * Every end token config.json lists (Llama 3 Instruct: <|end_of_text|>, <|eom_id|>, <|eot_id|>);
   * generation stops at any of them. Absent when it names one or none.
   */
  eosTokenIds?: number[];
  /** Whatever else config.json held, for display. */
  name?: string;
}

/** One weight as loaded: float32 data and its shape. */
export interface WeightArray {
  shape: number[];
  data: Float32Array;
}

/**
 * One weight kept as the checkpoint's 16-bit values (their bit patterns): a matrix is packed into
 * the GEMM's 16-bit panels as it is (half the memory of float32), anything else is widened where
 * it is used (WeightReader.array).
 */
export interface WeightArray16 {
  shape: number[];
  dtype: HalfDtype;
  data: Uint16Array;
}

/** A weight in either form. */
export type AnyWeightArray = WeightArray | WeightArray16;

/**
 * The checkpoint's weights under GPT-2's own names, with any `transformer.` prefix removed and the
 * causal-mask buffers dropped: `wte.weight` [V, d], `wpe.weight` [P, d],
 * `h.{i}.ln_1.weight|bias` [d], `h.{i}.attn.c_attn.weight` [d, 3d] (Conv1D layout: in × out),
 * `h.{i}.attn.c_attn.bias` [3d], `h.{i}.attn.c_proj.weight` [d, d], `h.{i}.attn.c_proj.bias` [d],
 * `h.{i}.ln_2.weight|bias` [d], `h.{i}.mlp.c_fc.weight` [d, nInner], `h.{i}.mlp.c_fc.bias` [nInner],
 * `h.{i}.mlp.c_proj.weight` [nInner, d], `h.{i}.mlp.c_proj.bias` [d], `ln_f.weight|bias` [d].
 * The LM head is tied to `wte.weight`.
 */
export type WeightMap = Map<string, WeightArray>;

/** A WeightMap whose weights may hold the checkpoint's 16-bit values (the Llama family keeps them so). */
export type AnyWeightMap = Map<string, AnyWeightArray>;

export interface Tokenizer {
  readonly vocabSize: number;
  readonly bosTokenId?: number;
  readonly eosTokenId?: number;
  /** The tokens of `text` with UTF-16 offsets into it; `addSpecialTokens` as for encodeIds. */
  encode(text: string, opts?: { addSpecialTokens?: boolean }): Token[];
  /**
   * The ids of `text`. `addSpecialTokens: false` leaves out what the tokenizer's template adds
   * (Llama's BOS), like Hugging Face's add_special_tokens=False: for text that already holds its
   * special tokens, such as a rendered chat template. Default true.
   */
  encodeIds(text: string, opts?: { addSpecialTokens?: boolean }): number[];
  decode(ids: readonly number[]): string;
  /** The UTF-8 bytes an id stands for (part of a character, for ids that split one). */
  tokenBytes(id: number): Uint8Array;
  /** The raw vocabulary string of an id (byte-level form, e.g. "Ġthe"). */
  idToToken(id: number): string | undefined;
  /** Ids that are not ordinary text pieces: special and added tokens, BOS and EOS. */
  specialIds?(): number[];
}

/** Which internals to capture during a forward pass (for the learner's stepper). */
export interface CaptureRequest {
  layer: number;
  /** Query position, 0 ≤ position < T. */
  position: number;
}

export interface ForwardOptions {
  /** Return post-softmax attention for every layer (default true). */
  attentions?: boolean;
  /** Return the residual stream after the embeddings and after every block (for the logit lens). */
  residuals?: boolean;
  capture?: CaptureRequest;
  /**
   * Attention on demand (instead of `attentions`, which it overrides): no map is kept; each
   * layer's queries and keys after RoPE are (for the layers in `keepLayers`, default every layer),
   * from which attentionMaps.ts rebuilds any head's map, and each head's map is pooled to a
   * thumbnail [min(thumbSize, T)²] as it is made (thumbSize 0: none).
   */
  onDemand?: { thumbSize: number; keepLayers?: readonly number[] };
  /** Head edits, residual patches and head recordings (interventions.ts); every thread applies its part. */
  intervention?: Intervention;
}

/**
 * One layer's kept queries and keys (attention on demand): every query head's rows after RoPE,
 * then every kv head's, head-major [(H + Hkv) × T × hd].
 */
export type LayerQK = Float32Array;

export interface ForwardResult {
  T: number;
  /** [T × V] */
  logits: Float32Array;
  /** One per layer, each [H × T × T], post-softmax. */
  attentions?: Float32Array[];
  /** With onDemand: per layer its queries and keys (LayerQK), null for a layer not kept. */
  qk?: (LayerQK | null)[];
  /** With onDemand and a thumbSize: per layer every head's thumbnail [H × S × S], S = thumbSize capped at T. */
  thumbs?: Float32Array[];
  /** nLayer + 1 entries: embeddings, then after each block; each [T × d]. */
  residuals?: Float32Array[];
  /** Token embedding and position embedding rows used, [T × d] each (only with capture). */
  tokenEmbeddings?: Float32Array;
  positionEmbeddings?: Float32Array;
  capture?: LayerCapture;
  /** ln_f applied to the last block's output at the captured position [d] (only with capture): lnF · wteᵀ is that position's logits row. */
  finalLn?: Float32Array;
  /** Families with RMSNorm, with capture: the final norm's √(mean(x²) + ε) at the captured position and its weight [d]. */
  finalNorm?: { rms: number; weight: Float32Array };
}

