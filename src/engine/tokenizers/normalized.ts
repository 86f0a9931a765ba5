// Text on its way through a tokenizer's normalizer and pre-tokenizer, with every UTF-16 unit of it
// aligned to the span of the user's ORIGINAL text it came from (Hugging Face's NormalizedString).
// A character the pipeline inserted (Prepend's "▁", ByteLevel's prefix space) gets a zero-width
// span at the place it was inserted, so a token made only of inserted characters covers no text.

/** A string with, per UTF-16 unit, the original span [start, end) it stands for. */
export interface Normalized {
  text: string;
  start: Int32Array;
  end: Int32Array;
  /** Original offset of the first character of the piece before normalization (Metaspace "first"). */
  origin: number;
}

/** `text` taken from the original string at `base`, unchanged. */
export function identity(text: string, base: number): Normalized {
  const n = text.length;
  const start = new Int32Array(n);
  const end = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    start[i] = base + i;
    end[i] = base + i + 1;
  }
  // A surrogate pair is one character: both units cover both.
  for (let i = 0; i + 1 < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        end[i] = base + i + 2;
        start[i + 1] = base + i;
        i++;
      }
    }
  }
  return { text, start, end, origin: base };
}

/** The units [a, b) of `n`, sharing its alignment arrays. */
export function slice(n: Normalized, a: number, b: number): Normalized {
  return { text: n.text.slice(a, b), start: n.start.subarray(a, b), end: n.end.subarray(a, b), origin: n.origin };
}

/** The original span covered by units [a, b) of `n` (zero width at the insertion point when all are inserted). */
export function spanOf(n: Normalized, a: number, b: number): [number, number] {
  let s = Infinity;
  let e = -Infinity;
  for (let i = a; i < b; i++) {
    if (n.start[i] < s) s = n.start[i];
    if (n.end[i] > e) e = n.end[i];
  }
  return s === Infinity ? [0, 0] : [s, e];
}

/** The code points of a string with their UTF-16 [start, end) (a lone surrogate stays one unit). */
export function codePoints(text: string): { cp: number; a: number; b: number }[] {
  const out: { cp: number; a: number; b: number }[] = [];
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i) ?? 0;
    const units = cp > 0xffff ? 2 : 1;
    out.push({ cp, a: i, b: i + units });
    i += units;
  }
  return out;
}

/** Builds a Normalized from pieces, each a replacement string with the original span it stands for. */
export class NormalizedBuilder {
  private text = '';
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];

  constructor(private readonly origin: number) {}

  /** Appends `s`, every unit of it aligned to [start, end). */
  push(s: string, start: number, end: number): void {
    this.text += s;
    for (let i = 0; i < s.length; i++) {
      this.starts.push(start);
      this.ends.push(end);
    }
  }

  /** Appends units [a, b) of `n` with their own alignment. */
  pushFrom(n: Normalized, a: number, b: number): void {
    this.text += n.text.slice(a, b);
    for (let i = a; i < b; i++) {
      this.starts.push(n.start[i]);
      this.ends.push(n.end[i]);
    }
  }

  build(): Normalized {
    return { text: this.text, start: Int32Array.from(this.starts), end: Int32Array.from(this.ends), origin: this.origin };
  }
}

/**
 * Rewrites `n` one code point at a time: `f` returns the replacement (maybe empty or longer) of
 * each character, which is aligned to that character's original span.
 */
export function mapChars(n: Normalized, f: (ch: string, cp: number) => string): Normalized {
  const out = new NormalizedBuilder(n.origin);
  for (const { cp, a, b } of codePoints(n.text)) {
    const ch = n.text.slice(a, b);
    const r = f(ch, cp);
    if (r === ch) out.pushFrom(n, a, b);
    else {
      const [s, e] = spanOf(n, a, b);
      out.push(r, s, e);
    }
  }
  return out.build();
}

/** Inserts `s` before the text, zero-width at the first character's original start. */
export function prepend(n: Normalized, s: string): Normalized {
  const at = n.text.length > 0 ? n.start[0] : n.origin;
  const out = new NormalizedBuilder(n.origin);
  out.push(s, at, at);
  out.pushFrom(n, 0, n.text.length);
  return out.build();
}
