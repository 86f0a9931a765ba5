// What the user asked to analyse, in plain values (a document URI and offsets), so it can be
// re-run after an edit or a window reload.
import type { AnalysisSource, PersistedState } from '../shared/protocol';

export interface AnalysisRequest {
  uri: string;
  fileName: string;
  /** Document offsets. */
  start: number;
  end: number;
  origin: AnalysisSource['origin'];
  /** Document offsets of text to mark in the panel: what a completion generated (Explain Completion). */
  marked?: { start: number; end: number };
}

/** The request a saved state describes (a re-run after a window reload). */
export function requestOf(s: NonNullable<PersistedState['source']>): AnalysisRequest {
  return { uri: s.uri, fileName: s.fileName, start: s.startOffset, end: s.endOffset, origin: s.origin };
}
