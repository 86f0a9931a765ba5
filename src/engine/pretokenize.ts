// Splitting text before BPE: first around added (special) tokens, which are matched whole, then
// with GPT-2's pre-tokenizer regex. Every piece keeps its UTF-16 offsets into the original string.
import { literalsPattern } from './tokenizers/regex';

/**
 * GPT-2's pattern (encoder.py), with the `u` flag so \p{L} and \p{N} are Unicode classes. \s is
 * JavaScript's, which differs from Python's `regex` on U+0085 and U+FEFF only; js-tiktoken and
 * transformers.js make the same choice.
 */
export const GPT2_PATTERN = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** A piece of the original text: `special` holds the id when the piece is a whole added token. */
export interface TextPiece {
  text: string;
  start: number;
  end: number;
  special?: number;
}

/** Finds added tokens (longest first, leftmost wins) and splits the text around them. */
export class SpecialSplitter {
  private readonly pattern: RegExp | undefined;
  private readonly ids: Map<string, number>;

  /** `file` is named when the tokens cannot be compiled into one pattern (a 1 MB added token). */
  constructor(added: ReadonlyArray<{ id: number; content: string }>, file = 'tokenizer data') {
    this.ids = new Map(added.filter((t) => t.content.length > 0).map((t) => [t.content, t.id]));
    this.pattern = literalsPattern([...this.ids.keys()], file);
  }

  split(text: string): TextPiece[] {
    if (!this.pattern) return text.length > 0 ? [{ text, start: 0, end: text.length }] : [];
    const pieces: TextPiece[] = [];
    let last = 0;
    for (const m of text.matchAll(this.pattern)) {
      const start = m.index ?? 0;
      if (start > last) pieces.push({ text: text.slice(last, start), start: last, end: start });
      pieces.push({ text: m[0], start, end: start + m[0].length, special: this.ids.get(m[0]) });
      last = start + m[0].length;
    }
    if (last < text.length) pieces.push({ text: text.slice(last), start: last, end: text.length });
    return pieces;
  }
}

/** Splits ordinary text (no special tokens in it) with GPT-2's regex; offsets are shifted by `base`. */
export function preTokenize(text: string, base = 0): TextPiece[] {
  const words: TextPiece[] = [];
  for (const m of text.matchAll(GPT2_PATTERN)) {
    const start = base + (m.index ?? 0);
    words.push({ text: m[0], start, end: start + m[0].length });
  }
  return words;
}
