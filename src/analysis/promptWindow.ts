// Which part of the text before the cursor a completion reads, and which part an explanation
// analyses. The engine keeps the LAST tokens of a prompt that does not fit its context (it slides);
// here the text is clipped before it is sent, so that a huge document is not tokenised whole on
// every keystroke. Pure: no vscode, no tfjs.

/** Characters of prefix sent per context token: generous, since a token can be long (runs of spaces). */
export const CHARS_PER_CONTEXT_TOKEN = 32;

/** The most characters of prefix worth sending for a model with this context. */
export function prefixBudget(nPositions: number): number {
  return Math.max(1024, nPositions * CHARS_PER_CONTEXT_TOKEN);
}

const isLowSurrogate = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;

/**
 * The last `maxChars` UTF-16 units of `text` (all of it when shorter), never starting in the
 * middle of a surrogate pair. Returns the clipped text and where it starts in `text`.
 */
export function clipPrefix(text: string, maxChars: number): { text: string; start: number } {
  if (!(maxChars >= 0)) throw new RangeError(`maxChars must be ≥ 0, got ${maxChars}`);
  if (text.length <= maxChars) return { text, start: 0 };
  let start = text.length - Math.floor(maxChars);
  if (start < text.length && isLowSurrogate(text.charCodeAt(start))) start++;
  return { text: text.slice(start), start };
}

/**
 * Where to start the analysis of prompt + completion so that the whole completion and as much of
 * the prompt as fits is in the model's context: at most `nPositions − completionTokens − margin`
 * prompt tokens, and at most `maxPromptTokens`. `promptTokens` are the prompt's tokens with their
 * offsets; the result is an offset into the prompt (0 keeps it all; promptLength keeps none).
 * `margin` leaves room for the prompt and the completion tokenising differently when joined.
 */
export function explainStart(
  promptTokens: readonly { start: number; end: number }[],
  promptLength: number,
  completionTokens: number,
  nPositions: number,
  maxPromptTokens: number,
  margin = 2,
): number {
  const room = Math.max(0, Math.min(maxPromptTokens, nPositions - completionTokens - margin));
  if (promptTokens.length <= room) return 0;
  if (room === 0) return promptLength;
  return promptTokens[promptTokens.length - room].start;
}

/**
 * The tokens (as a half-open index range) that overlap the text range [start, end), given the
 * tokens' offsets into the same text; undefined when none do.
 */
export function tokenRangeOf(
  tokens: readonly { start: number; end: number }[],
  start: number,
  end: number,
): { start: number; end: number } | undefined {
  let first = -1;
  let last = -1;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.end > start && t.start < end) {
      if (first < 0) first = i;
      last = i;
    }
  }
  return first < 0 ? undefined : { start: first, end: last + 1 };
}

/**
 * How many of a prompt's last tokens a generation of up to `maxNewTokens` reads (EngineSession's
 * generate): all of them when they leave room for maxNewTokens in the context, else the last
 * max(1, nPositions − maxNewTokens).
 */
export function keptPromptTokens(promptTokens: number, maxNewTokens: number, nPositions: number): number {
  if (promptTokens + maxNewTokens <= nPositions) return promptTokens;
  return Math.min(promptTokens, Math.max(1, nPositions - maxNewTokens));
}
