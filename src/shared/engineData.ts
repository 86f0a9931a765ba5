// What the engine hands to the views, as plain data: a layer's internals at one position (the
// Layer Stepper's numbers), and generation (options, tokens, result). Defined here, not in the
// engine, so that src/shared/ (bundled into the webviews) owns its contract and imports nothing
// from src/engine/; the engine re-exports them from its types.

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
