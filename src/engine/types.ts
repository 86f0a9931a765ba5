// The engine's public shapes. Everything here is plain data (typed arrays, numbers, strings):
// tensors never leave src/engine/. Shapes are written row-major in the comments.

/** A decoder's hyper-parameters, normalised from a Hugging Face `config.json`. */
export interface GPTConfig {
  modelType: 'gpt2';
  vocabSize: number; // V
  nPositions: number; // context length
  nEmbd: number; // d
  nLayer: number; // L
  nHead: number; // H, d % H === 0
  nInner: number; // feed-forward width, 4d unless `n_inner` says otherwise
  layerNormEps: number;
  activation: 'gelu_new' | 'gelu' | 'relu' | 'gelu_fast' | 'gelu_pytorch_tanh';
  bosTokenId?: number;
  eosTokenId?: number;
  /** Whatever else config.json held, for display. */
  name?: string;
}

/** One weight as loaded: float32 data and its shape. */
export interface WeightArray {
  shape: number[];
  data: Float32Array;
}

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

/** A token with its UTF-16 offsets into the string it came from. */
export interface TokenSpan {
  id: number;
  /** The token's text as decoded on its own (may hold U+FFFD for a partial character). */
  text: string;
  start: number;
  end: number;
}

export interface Tokenizer {
  readonly vocabSize: number;
  readonly bosTokenId?: number;
  readonly eosTokenId?: number;
  encode(text: string): TokenSpan[];
  encodeIds(text: string): number[];
  decode(ids: readonly number[]): string;
  /** The UTF-8 bytes an id stands for (part of a character, for ids that split one). */
  tokenBytes(id: number): Uint8Array;
  /** The raw vocabulary string of an id (byte-level form, e.g. "Ġthe"). */
  idToToken(id: number): string | undefined;
}

/** Which internals to capture during a forward pass (for the learner's stepper). */
export interface CaptureRequest {
  layer: number;
  /** Query position, 0 ≤ position < T. */
  position: number;
}

/** A layer's internals at one query position. Vectors are Float32Array, matrices row-major. */
export interface LayerCapture {
  layer: number;
  position: number;
  headDim: number;
  /** Residual stream entering the block, at `position` [d]. */
  residualIn: Float32Array;
  /** ln_1 output at every position ≤ position [(position+1) × d]. */
  ln1: Float32Array;
  /** Per head: q at `position` [H × headDim]. */
  q: Float32Array;
  /** Per head: k and v at positions 0..position [H × (position+1) × headDim]. */
  k: Float32Array;
  v: Float32Array;
  /** Per head: raw scores q·kᵀ [H × T] (all T keys, before scaling and masking). */
  rawScores: Float32Array;
  /** Per head: scores / √headDim [H × T]. */
  scaledScores: Float32Array;
  /** Per head: scaled scores with the causal mask applied (−Infinity above the diagonal) [H × T]. */
  maskedScores: Float32Array;
  /** Per head: softmax weights [H × T]; each row sums to 1. */
  weights: Float32Array;
  /** Per head: Σ weights·v [H × headDim]. */
  headOutputs: Float32Array;
  /** Heads concatenated [d] and after c_proj (with bias) [d]. */
  concat: Float32Array;
  attnOut: Float32Array;
  /** residualIn + attnOut [d]. */
  residualMid: Float32Array;
  /** ln_2 output [d], feed-forward hidden before and after the activation [nInner], FFN output [d]. */
  ln2: Float32Array;
  ffnPre: Float32Array;
  ffnAct: Float32Array;
  ffnOut: Float32Array;
  /** residualMid + ffnOut: the block's output at `position` [d]. */
  residualOut: Float32Array;
}

export interface ForwardOptions {
  /** Return post-softmax attention for every layer (default true). */
  attentions?: boolean;
  /** Return the residual stream after the embeddings and after every block (for the logit lens). */
  residuals?: boolean;
  capture?: CaptureRequest;
}

export interface ForwardResult {
  T: number;
  /** [T × V] */
  logits: Float32Array;
  /** One per layer, each [H × T × T], post-softmax. */
  attentions?: Float32Array[];
  /** nLayer + 1 entries: embeddings, then after each block; each [T × d]. */
  residuals?: Float32Array[];
  /** Token embedding and position embedding rows used, [T × d] each (only with capture). */
  tokenEmbeddings?: Float32Array;
  positionEmbeddings?: Float32Array;
  capture?: LayerCapture;
  /** ln_f applied to the last block's output at the captured position [d] (only with capture): lnF · wteᵀ is that position's logits row. */
  finalLn?: Float32Array;
}

export interface SamplingOptions {
  maxNewTokens: number;
  /** 0 = greedy. */
  temperature?: number;
  topK?: number;
  topP?: number;
  seed?: number;
  stopStrings?: string[];
  /** Stop at the tokenizer's EOS (default true). */
  stopAtEos?: boolean;
}

export interface GeneratedToken {
  id: number;
  /** This token alone, decoded (U+FFFD where it holds part of a character). */
  text: string;
  /**
   * What this token adds to the text generated so far: the characters whose last byte it brings
   * ('' while a character split across tokens is incomplete, then the whole character). The deltas
   * of a run concatenate to its text, but for a character the run ended in the middle of.
   */
  delta: string;
  /** log-probability of the token under the (unfiltered, temperature-1) distribution. */
  logprob: number;
}

export interface GenerationResult {
  ids: number[];
  text: string;
  tokens: GeneratedToken[];
  stopReason: 'eos' | 'stop-string' | 'max-tokens' | 'cancelled' | 'context-full';
}
