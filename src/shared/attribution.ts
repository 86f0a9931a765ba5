// Token attribution for one prediction: how much each token of the context contributed to the
// log-probability of one token predicted at one position. What the engine answers, the CLI prints
// and the panel shows; the methods are computed in src/engine/attribution/.
import type { Token } from './token';

/** grad: gradient × input on the token embeddings; ig: integrated gradients from zero embeddings; occlusion: leave one token out. */
export type AttributionMethod = 'grad' | 'ig' | 'occlusion';
export const ATTRIBUTION_METHODS: readonly AttributionMethod[] = ['grad', 'ig', 'occlusion'];

export const DEFAULT_IG_STEPS = 32;
export const MAX_IG_STEPS = 512;

export interface AttributionRequest {
  /** The position whose prediction is explained (0-based token index). */
  position: number;
  method: AttributionMethod;
  /** The predicted token explained; absent: the top prediction at `position`. */
  target?: number;
  /** Integrated gradients: Riemann steps (midpoint rule) from the baseline to the input. */
  steps?: number;
}

export interface AttributionResult {
  /** The tokens 0…position, as attributed (their offsets in the text that was tokenized). */
  tokens: Token[];
  position: number;
  method: AttributionMethod;
  /** The token explained: its id and text. */
  target: { id: number; text: string };
  /** log p(target) at `position` given the whole context, in nats. */
  logProb: number;
  /**
   * One score per token 0…position (later tokens cannot contribute: causal attention). Positive:
   * the token raised log p(target). In nats for ig and occlusion; grad is a first-order estimate.
   */
  scores: number[];
  /** Occlusion: the token put in place of each token in turn. */
  replacement?: { id: number; text: string };
  /** Integrated gradients: the steps, and f(input) − f(baseline), which the scores sum to (completeness). */
  steps?: number;
  baselineDelta?: number;
}
