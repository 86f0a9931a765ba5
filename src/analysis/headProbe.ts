// The standard probe of the head table: a sequence of random ordinary tokens, then the same
// sequence again (Olsson et al. 2022; TransformerLens's induction test). An induction head, on the
// second copy, looks at the token after the current token's first occurrence; a previous-token
// head looks one back as everywhere. Random ids keep the model from predicting anything from
// meaning, so only copying helps. Seeded: the same model gets the same probe every time.
import type { Token } from '../shared/token';
import { makeRepeatedRandomTokens } from './headStats';

/** What the probe needs of a model's vocabulary (the engine's ModelInfo.vocabulary). */
export interface ProbeVocabulary {
  /** Ids [0, size) are the tokenizer's; the embedding may have more rows (padding), never drawn. */
  size: number;
  /** Special and added tokens (BOS, EOS, chat markers …): never drawn. */
  specialIds: readonly number[];
  /** What the tokenizer puts before any text (Llama's BOS); the probe starts with it too. */
  prefixIds: readonly number[];
}

export const PROBE_LENGTH = 32;
export const PROBE_SEED = 20240615;

/** The model the probe runs on: its embedding rows and its context. */
export interface ProbeModel {
  vocabSize: number;
  nPositions: number;
}

/**
 * The probe's ids: the vocabulary's prefix, then `n` distinct random ordinary ids, twice; ids drawn
 * below both the tokenizer's size and the model's embedding rows. A context too short for 2n
 * tokens gets a shorter sequence (what fits).
 */
export function probeIds(v: ProbeVocabulary, model: ProbeModel = { vocabSize: v.size, nPositions: Infinity }, n = PROBE_LENGTH, seed = PROBE_SEED): number[] {
  const size = Math.min(v.size, model.vocabSize);
  const fits = Math.min(n, Math.floor((model.nPositions - v.prefixIds.length) / 2));
  const body = makeRepeatedRandomTokens(Math.max(0, fits), size, seed, [...v.specialIds, ...v.prefixIds]); // [2n]
  return [...v.prefixIds, ...body];
}

/** The probe as tokens to analyse as given (no text: they are not in any document). */
export function probeTokens(v: ProbeVocabulary, model: ProbeModel): Token[] {
  return probeIds(v, model).map((id) => ({ id, text: '', start: 0, end: 0 }));
}
