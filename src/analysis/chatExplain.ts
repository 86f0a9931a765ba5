// Explain Completion on an answer as chat: the tokens the model saw (the chat template's rendering
// of the question, then the answer it generated) as one run, with the place each one has in the
// document. The question's tokens sit on the selection, the answer's on the inserted answer; the
// template's own tokens (`<|im_start|>`, `user`, a default system prompt …) have no place there.
// The ids are the ones generated from, never a re-tokenization of the document's text, which
// could differ (the template's text and the question tokenize together). Pure, no vscode.
import type { Token } from '../shared/token';
import type { Span } from './tokenMapping';

export interface ChatExplainInput {
  /** The rendered chat prompt: its text and its tokens (offsets into the text), as generated from. */
  prompt: { text: string; tokens: readonly Token[] };
  /** The user message's content as sent (the selection trimmed, maybe clipped) and its document offset. */
  question: { content: string; docStart: number };
  /** The answer's tokens as generated: their deltas concatenate to the answer's text. */
  answer: readonly { id: number; text: string; delta: string }[];
  /**
   * Document offsets of the answer's text as inserted (after the separator before it); shorter
   * than the deltas when the insertion stopped early or a stop string was held back.
   */
  answerDoc: Span;
  /** The model's context: the run keeps the last nPositions tokens. */
  nPositions: number;
  /**
   * How many of the prompt's last tokens the generation read (keptPromptTokens: a prompt too long
   * for its context beside maxNewTokens was cut at its start); default all of them.
   */
  promptKept?: number;
}

export interface ChatExplanation {
  /** The tokens to analyse; offsets into the prompt's text followed by the answer's. */
  tokens: Token[];
  /** Per token: its document range, or null where it has none (the template's tokens, an end token). */
  places: (Span | null)[];
  /** The answer's tokens, as an index range. */
  generated: Span;
  /** Indices of the tokens that come from the chat template: neither the question nor the answer. */
  template: number[];
  /** Prompt tokens left out at the start: those the generation did not read, or that do not fit the context. */
  dropped: number;
}

/**
 * Where the question's content is in the rendered prompt: the last occurrence whose both ends are
 * token boundaries (a template writes the content between its own tokens, so a short question
 * such as "a" is not found inside "assistant"); else the last occurrence; -1 when absent (a
 * template that rewrites the content: the question's tokens then have no place).
 */
export function questionAt(prompt: { text: string; tokens: readonly Token[] }, content: string): number {
  if (content.length === 0) return -1;
  const starts = new Set(prompt.tokens.map((t) => t.start));
  const ends = new Set(prompt.tokens.map((t) => t.end));
  let last = -1;
  for (let at = prompt.text.lastIndexOf(content); at >= 0; at = at === 0 ? -1 : prompt.text.lastIndexOf(content, at - 1)) {
    if (starts.has(at) && ends.has(at + content.length)) return at;
    if (last < 0) last = at;
  }
  return last;
}

/** The part of [start, end) inside [from, to), moved by `shift`; null when empty. */
function clip(start: number, end: number, from: number, to: number, shift: number): Span | null {
  const s = Math.max(start, from);
  const e = Math.min(end, to);
  return e > s ? { start: s + shift, end: e + shift } : null;
}

export function chatExplanation(input: ChatExplainInput): ChatExplanation {
  const { prompt, question, answer, answerDoc } = input;
  const tokens: Token[] = [];
  const places: (Span | null)[] = [];
  const template: number[] = [];
  const q = questionAt(prompt, question.content);
  for (const t of prompt.tokens) {
    const place = q < 0 ? null : clip(t.start, t.end, q, q + question.content.length, question.docStart - q);
    if (!place) template.push(tokens.length);
    tokens.push({ id: t.id, text: t.text, start: t.start, end: t.end });
    places.push(place);
  }
  const base = prompt.text.length;
  let at = 0; // offset into the answer's text
  for (const g of answer) {
    const end = at + g.delta.length;
    tokens.push({ id: g.id, text: g.text, start: base + at, end: base + end });
    places.push(clip(answerDoc.start + at, answerDoc.start + end, answerDoc.start, answerDoc.end, 0));
    at = end;
  }
  const n = prompt.tokens.length;
  const unread = n - Math.min(n, Math.max(0, input.promptKept ?? n));
  const dropped = Math.max(unread, tokens.length - Math.max(1, input.nPositions));
  return {
    tokens: tokens.slice(dropped),
    places: places.slice(dropped),
    generated: { start: Math.max(0, n - dropped), end: tokens.length - dropped },
    template: template.filter((i) => i >= dropped).map((i) => i - dropped),
    dropped,
  };
}

/**
 * The index of the placed token that holds document offset `offset` (relative as the places
 * are), or -1. Places are in order and do not overlap; an offset at a token's end belongs to the
 * next token, except after the last placed one (the cursor after the answer's last character).
 */
export function placedIndexAt(places: readonly (Span | null)[], offset: number): number {
  let last = -1;
  for (let i = 0; i < places.length; i++) {
    const p = places[i];
    if (!p) continue;
    if (offset >= p.start && offset < p.end) return i;
    last = i;
  }
  return last >= 0 && offset === places[last]?.end ? last : -1;
}
