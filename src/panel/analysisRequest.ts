// What the user asked to analyse, in plain values (a document URI and offsets), so it can be
// re-run after an edit or a window reload.
import type { Span } from '../analysis/tokenMapping';
import type { AnalysisSource, PersistedState } from '../shared/protocol';
import type { Token } from '../shared/token';

/**
 * An answer as chat to explain (chatExplain.ts): the tokens the model saw, analysed as they are
 * instead of the document's text, and where each one is in the document.
 */
export interface ChatRun {
  /** The chat prompt's tokens, then the answer's: the ids generated from. */
  tokens: Token[];
  /** Per token: its document offsets, or null for the chat template's own tokens. */
  places: (Span | null)[];
  /** The answer's tokens, as an index range. */
  generated: Span;
  /** Indices of the template's tokens (shown as such in the token strip). */
  template: number[];
}

export interface AnalysisRequest {
  uri: string;
  fileName: string;
  /** Document offsets. */
  start: number;
  end: number;
  origin: AnalysisSource['origin'];
  /** Document offsets of text to mark in the panel: what a completion generated (Explain Completion). */
  marked?: { start: number; end: number };
  /** An answer as chat (Explain Completion): [start, end) covers the question and the answer. */
  chat?: ChatRun;
}

/** The request a saved state describes (a re-run after a window reload). */
export function requestOf(s: NonNullable<PersistedState['source']>): AnalysisRequest {
  return { uri: s.uri, fileName: s.fileName, start: s.startOffset, end: s.endOffset, origin: s.origin };
}

/**
 * The request for `span` (the analysed range as edits moved it): a chat run's tokens hold only
 * while its range is unchanged; after an edit the range is analysed as text.
 */
export function requestFor(req: AnalysisRequest, span: Span | undefined): AnalysisRequest {
  if (!span || (span.start === req.start && span.end === req.end)) return req;
  return { ...textRequest(req), start: span.start, end: span.end };
}

/** The request as text: for a model other than the one a chat run's ids belong to. */
export function textRequest(req: AnalysisRequest): AnalysisRequest {
  const text = { ...req };
  delete text.chat;
  return text;
}
