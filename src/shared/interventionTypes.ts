// What the engine answers for issue 15's experiments on heads: an ablation (heads' outputs zeroed
// or replaced by their mean, before the output projection) and activation patching (a clean run's
// activations put into a corrupted run). Plain data: it crosses the worker boundary and reaches the panel.
import type { TopPredictions } from './sessionTypes';
import type { Token } from './token';

export type AblationMode = 'zero' | 'mean';

export interface HeadRef {
  layer: number;
  head: number;
}

export interface AblationRequest {
  heads: HeadRef[];
  mode: AblationMode;
  /** Predictions kept per position (default 10). */
  topK?: number;
}

export interface AblationResult {
  /** The ablated run, kept like an analysis: its attention maps can be asked for by this id. */
  runId: number;
  tokens: Token[];
  heads: HeadRef[];
  mode: AblationMode;
  /** Mean next-token loss (nats) over tokens 1 … T−1, without and with the ablation. */
  baseLoss: number;
  ablatedLoss: number;
  /** Per token t: −ln p(token t | tokens < t), nats; entry 0 (no prediction) is NaN. */
  baseLosses: number[];
  ablatedLosses: number[];
  /** Per position: the top predictions of the next token, without and with the ablation. */
  basePredictions: TopPredictions[];
  ablatedPredictions: TopPredictions[];
}

export interface PatchRequest {
  clean: string;
  corrupt: string;
  /** The token the clean text should favour (e.g. " Mary"), and the one it is compared with (" John"): one token each. */
  target: string;
  contrast: string;
}

/**
 * Recovered fraction of the logit difference target − contrast at the last position:
 * (patched − corrupt) / (clean − corrupt); 0 = as corrupted, 1 = as clean.
 */
export interface PatchResult {
  T: number;
  /** The corrupted text's tokens (the clean one has as many). */
  tokens: Token[];
  target: { id: number; text: string };
  contrast: { id: number; text: string };
  cleanDiff: number;
  corruptDiff: number;
  /** [layer][position]: the residual stream after block `layer` at one position patched from the clean run. */
  layers: number[][];
  /** [layer][head]: one head's output (every position) patched from the clean run. */
  heads: number[][];
}

/** Patching's progress: forwards done of the total. */
export interface PatchProgress {
  done: number;
  total: number;
}
