// `added_tokens` of a tokenizer.json (<|endoftext|>, <|im_start|>, <s> …): found in the text before
// the normalizer and pre-tokenizer ever see it and never split, as Hugging Face's AddedVocabulary
// does: tokens with `normalized: false` are matched in the raw text, the others in the normalized
// text; leftmost match first, the longest at one place; `single_word` needs no word character on
// either side, `lstrip` / `rstrip` swallow the whitespace beside the token.

import { slice, spanOf, type Normalized } from './normalized';
import { literalsPattern } from './regex';

export interface AddedToken {
  id: number;
  content: string;
  special: boolean;
  singleWord: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
}

/** A piece of text after matching: an added token (with its original span) or text to tokenize. */
export type Piece = { id: number; start: number; end: number } | { text: Normalized };

const WORD = /[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]/u;
const SPACE = /\p{White_Space}/u;
const endsWithWord = (s: string): boolean => WORD.test([...s.slice(-2)].pop() ?? '');
const startsWithWord = (s: string): boolean => WORD.test([...s.slice(0, 2)][0] ?? '');

export class AddedTokenMatcher {
  private readonly re?: RegExp;
  private readonly byContent: Map<string, AddedToken>;

  /** `patterns` maps each token to the string searched for (its content, normalized for normalized tokens). */
  constructor(tokens: AddedToken[], file: string, patternOf: (t: AddedToken) => string = (t) => t.content) {
    this.byContent = new Map();
    for (const t of tokens) {
      const p = patternOf(t);
      if (p.length > 0 && !this.byContent.has(p)) this.byContent.set(p, t);
    }
    this.re = literalsPattern([...this.byContent.keys()], file);
  }

  get empty(): boolean {
    return this.re === undefined;
  }

  /** Splits `n` around the added tokens it holds. */
  split(n: Normalized): Piece[] {
    const text = n.text;
    if (!this.re || text.length === 0) return text.length > 0 ? [{ text: n }] : [];
    const pieces: Piece[] = [];
    let from = 0; // end of the last piece taken
    this.re.lastIndex = 0;
    for (const m of text.matchAll(this.re)) {
      let start = m.index ?? 0;
      let stop = start + m[0].length;
      if (start < from) continue; // inside what an rstrip already took
      const tok = this.byContent.get(m[0]) as AddedToken;
      if (tok.singleWord && (endsWithWord(text.slice(0, start)) || startsWithWord(text.slice(stop)))) continue;
      if (tok.lstrip) while (start > from && SPACE.test(text[start - 1])) start--;
      if (tok.rstrip) while (stop < text.length && SPACE.test(text[stop])) stop++;
      if (start > from) pieces.push({ text: slice(n, from, start) });
      const [s, e] = spanOf(n, start, stop);
      pieces.push({ id: tok.id, start: s, end: e });
      from = stop;
    }
    if (from < text.length) pieces.push({ text: slice(n, from, text.length) });
    return pieces;
  }
}
