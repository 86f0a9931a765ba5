// What an EngineSession answers, as plain data: the options of an analysis, its summary and first
// phase, the slices asked for by runId, the logit lens. The worker protocol, the client and the
// views take these from here; session.ts is the service only.
import type { ActualTokenStats } from '../analysis/surprisal';
import type { TopPredictions } from '../analysis/topk';
import type { Token } from '../shared/token';
import type { BackendOptions } from './backend';
import type { LayerCapture } from './types';

export interface AnalyzeOptions {
  /** Keep the first nPositions tokens of a text longer than the context instead of failing. */
  truncate?: boolean;
  /** How many next-token predictions per position (default 10). */
  topK?: number;
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
}

export interface CaptureSlice {
  capture: LayerCapture;
  /** wte row of the token at `position` [d]. */
  tokenEmbedding: Float32Array;
  /** wpe row of `position` [d]. */
  positionEmbedding: Float32Array;
  /** ln_f of the last block's output at `position` [d] (whatever the layer): lnF · wteᵀ = the logits row. */
  finalLn: Float32Array;
}

export interface LogitLensResult {
  /** nLayer + 1: the embeddings, then the output of every block. */
  layers: number;
  T: number;
  /** [layer][position]: the top-k tokens when that residual is read out through ln_f and wteᵀ. */
  top: TopPredictions[][];
}

export interface EngineOptions extends BackendOptions {
  /** Threads to split the model over; 0 or absent: automatic (see chooseThreads). */
  threads?: number;
}
