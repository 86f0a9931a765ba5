// What the engine answers about an encoder–decoder model (MarianMTModel, T5ForConditionalGeneration):
// a translation, and one analysis with the three kinds of attention. Plain data and typed arrays,
// safe across the worker and the webview boundaries.
import type { TopPredictions } from './sessionTypes';
import type { Token } from './token';

/** The three kinds of attention map of an encoder–decoder model. */
export type EncDecMapKind = 'encoder' | 'decoder' | 'cross';
export const ENCDEC_MAP_KINDS: readonly EncDecMapKind[] = ['encoder', 'decoder', 'cross'];

export interface TranslateRequestOptions {
  /** Beam width; 1 (the default) is greedy. */
  beam?: number;
  /** Default 64. */
  maxNewTokens?: number;
}

export interface TranslationResult {
  /** The source's tokens (offsets into the source text), the EOS last. */
  source: Token[];
  /** Generated ids, no start token, the EOS included when reached. */
  ids: number[];
  /** The translation (special tokens skipped). */
  text: string;
  cancelled: boolean;
}

/** A step of a translation: its index and the ids so far (beam search: the best running beam's). */
export interface TranslateProgress {
  step: number;
  ids: number[];
  text: string;
}

export interface EncDecAnalysis {
  /** The source's tokens, offsets into the source text (S of them). */
  source: Token[];
  /** The decoder's input: the start token, then the target's ids without a final EOS (T of them); offsets into `targetText`. */
  target: Token[];
  targetText: string;
  encoderLayers: number;
  decoderLayers: number;
  nHead: number;
  S: number;
  T: number;
  encoder: Float32Array; // [Le, H, S, S], not masked
  decoder: Float32Array; // [Ld, H, T, T], causal
  cross: Float32Array; // [Ld, H, T, S]
  /** Per decoder position: the top next tokens. */
  predictions: TopPredictions[];
}
