// What an engine session answers, as plain data: the options of an analysis, its summary and first
// phase, the slices asked for by runId, the logit lens, and the predictions and surprisal in them.
// Defined in shared/ so that the engine, the worker protocol, the host and the views all take the
// contract from one place that depends on none of them.
import type { LayerCapture } from './engineData';
import type { Token } from './token';

/** The top-k next tokens after one position: ids, probabilities and texts, best first. */
export interface TopPredictions {
  ids: number[];
  probs: number[];
  texts: string[];
  /**
   * Token.bytes of each entry ('' where the text holds the token's bytes); absent when every
   * text does. A text that holds part of a character is U+FFFD: shared/tokenLabels.ts labels it.
   */
  bytes?: string[];
}

/** How the model rated the token that actually came next. */
export interface ActualTokenStats {
  /** softmax(logits[t-1])[id_t]. */
  prob: number;
  /** 1 = the model's top choice; 1 + the number of tokens it rated strictly higher. */
  rank: number;
  /** −log₂ prob, in bits. */
  surprisal: number;
}

export interface AnalyzeOptions {
  /** Keep the first nPositions tokens of a text longer than the context instead of failing. */
  truncate?: boolean;
  /** How many next-token predictions per position (default 10). */
  topK?: number;
  /**
   * Compute and keep the attentions (default true). Without them the forward is cheaper and the
   * run has logits only: its attention slices answer BAD_ARGUMENT.
   */
  attentions?: boolean;
  /**
   * Attention on demand even where every map would fit the memory budget (the CLI's dump of a few
   * heads): the run keeps each layer's queries and keys, and a head's map is rebuilt when asked for.
   * Past the budget the engine goes on demand by itself.
   */
  onDemand?: boolean;
  /** On demand: the layers whose queries and keys to keep (default: every layer the budget holds); others are rebuilt by running the forward again. */
  keepLayers?: number[];
  /** On demand: each head's overview thumbnail side, pooled as the forward runs and streamed (default 0: none). */
  thumbSize?: number;
}

/** What one analysis returns at once; attentions and logits are fetched by slice with its runId. */
export interface AnalysisSummary {
  runId: number;
  tokens: Token[];
  T: number;
  truncated: boolean;
  /** Tokens in the whole text (> T when truncated). */
  totalTokens: number;
  nLayer: number;
  nHead: number;
  /**
   * True when the run keeps its attention on demand (queries and keys, not maps): each map is
   * rebuilt when asked for, and the first phase streams thumbnails instead of maps.
   */
  onDemand?: boolean;
  /** Per position t: the top-k next tokens after reading tokens 0..t. */
  predictions: TopPredictions[];
  /** Per position t > 0: how the model at t−1 rated token t. Entry 0 is all NaN. */
  actual: ActualTokenStats[];
}

/**
 * The first phase of an analysis: everything but the predictions, ready as soon as the blocks have
 * run (before the LM head). Slices by `runId` can be asked for at once: a worker serves them after
 * the analysis finishes (the run is kept only then).
 */
export type AttentionSummary = Omit<AnalysisSummary, 'predictions' | 'actual'>;

/**
 * The first phase of an analysis as it happens: the summary before the forward runs, then each
 * layer's attention [H × T × T] as soon as the layer has run, in order (the run's own arrays: copy,
 * don't modify). The LM head, top-k and surprisal follow the last layer.
 */
export interface AttentionStream {
  start(first: AttentionSummary): void;
  layer(layer: number, attention: Float32Array): void;
  /** On demand: layer `layer`'s thumbnails [H × size × size] as soon as it has run (the run's array: copy, don't modify). */
  thumbs?(layer: number, thumbs: Float32Array, size: number): void;
}

export interface CaptureSlice {
  capture: LayerCapture;
  /** wte row of the token at `position` [d]. */
  tokenEmbedding: Float32Array;
  /** wpe row of `position` [d]; absent for families whose positions enter through RoPE. */
  positionEmbedding?: Float32Array;
  /** ln_f of the last block's output at `position` [d] (whatever the layer): lnF · wteᵀ = the logits row. */
  finalLn: Float32Array;
  /** Final RMSNorm (Llama family): √(mean(x_L²) + ε) at `position` and the norm's weight [d]. */
  finalNormRms?: number;
  finalNormWeight?: Float32Array;
  /** Rotary families: inv_freq [rotaryDim / 2] after rope_scaling; dims i and i + rotaryDim/2 turn by position · invFreq[i]. */
  invFreq?: Float32Array;
}

export interface LogitLensResult {
  /** nLayer + 1: the embeddings, then the output of every block. */
  layers: number;
  T: number;
  /** [layer][position]: the top-k tokens when that residual is read out through ln_f and wteᵀ. */
  top: TopPredictions[][];
}
