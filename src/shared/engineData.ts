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

  // ---- Families with RMSNorm, RoPE and SwiGLU (the Llama family); absent for GPT-2 and GPT-1 ----
  /** input_layernorm: √(mean(x²) + ε) of residualIn [1], and its weight [d] (ln1 = residualIn / rms · weight). */
  ln1Rms?: Float32Array;
  ln1Weight?: Float32Array;
  /** post_attention_layernorm: the same over residualMid [1], weight [d]. */
  ln2Rms?: Float32Array;
  ln2Weight?: Float32Array;
  /** q at `position` as q_proj gave it (bias included), before q/k norm and RoPE [H × headDim]. */
  qProjected?: Float32Array;
  /** k as k_proj gave it at positions 0..position, per query head (its kv head) [H × (position+1) × headDim]. */
  kProjected?: Float32Array;
  /** Qwen3: q and k after q_norm / k_norm, before RoPE (shapes of qProjected, kProjected); their weights [headDim]. */
  qNormed?: Float32Array;
  kNormed?: Float32Array;
  qNormWeight?: Float32Array;
  kNormWeight?: Float32Array;
  /** SwiGLU: silu(gate) [nInner] and up_proj(ln2) [nInner]; ffnPre is the gate, ffnAct their product. */
  ffnGateAct?: Float32Array;
  ffnUp?: Float32Array;

  // ---- GPT-1 (post-LN) ----
  /** What ln_1 normalises, residualIn + attnOut [d], and what ln_2 normalises, residualMid + ffnOut [d]. */
  attnSum?: Float32Array;
  ffnSum?: Float32Array;
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
