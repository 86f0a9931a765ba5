// The `pre_tokenizer` of a tokenizer.json: cuts normalized text into the pieces BPE sees, each
// piece keeping its alignment to the original text. Supported: Split (String or Regex pattern, all
// five behaviours, invert), ByteLevel (add_prefix_space, use_regex), Metaspace (replacement,
// prepend_scheme / add_prefix_space, split), BertPreTokenizer, Whitespace, WhitespaceSplit,
// Punctuation, Digits and Sequence, following Hugging Face's tokenizers (Rust) step by step.

import { EngineError } from '../errors';
import { NormalizedBuilder, codePoints, prepend, slice, type Normalized } from './normalized';
import { compilePattern, escapeRegExp } from './regex';

export type PreTokenizer = (splits: Normalized[]) => Normalized[];

/** The pre-tokenizer and whether the model reads bytes (a ByteLevel step ends the pipeline). */
export interface PreTokenizerSpec {
  run: PreTokenizer;
  byteLevel: boolean;
}

type Json = Record<string, unknown>;
type Behavior = 'Removed' | 'Isolated' | 'MergedWithPrevious' | 'MergedWithNext' | 'Contiguous';
type Span = [number, number, boolean]; // [start, end, isMatch] in UTF-16 units of the piece
const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);
const BEHAVIORS = new Set(['Removed', 'Isolated', 'MergedWithPrevious', 'MergedWithNext', 'Contiguous']);

/** GPT-2's pattern, which ByteLevel's use_regex applies (Oniguruma's \s, as Hugging Face runs it). */
export const BYTE_LEVEL_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

/** The piece as matches and the text between them (Rust's find_matches). */
function regexSpans(text: string, re: RegExp): Span[] {
  const spans: Span[] = [];
  let prev = 0;
  re.lastIndex = 0;
  for (const m of text.matchAll(re)) {
    const a = m.index ?? 0;
    const b = a + m[0].length;
    if (a === b) continue;
    if (a > prev) spans.push([prev, a, false]);
    spans.push([a, b, true]);
    prev = b;
  }
  if (prev < text.length) spans.push([prev, text.length, false]);
  return spans;
}

/** Every character for which `pred` holds is a match of its own. */
function charSpans(text: string, pred: (ch: string) => boolean): Span[] {
  const spans: Span[] = [];
  let prev = 0;
  for (const { a, b } of codePoints(text)) {
    if (!pred(text.slice(a, b))) continue;
    if (a > prev) spans.push([prev, a, false]);
    spans.push([a, b, true]);
    prev = b;
  }
  if (prev < text.length) spans.push([prev, text.length, false]);
  return spans;
}

/** Applies a split behaviour to the spans (tokenizers' NormalizedString::split). */
function applyBehavior(spans: Span[], behavior: Behavior): [number, number][] {
  const out: [number, number][] = [];
  switch (behavior) {
    case 'Removed':
      for (const [a, b, m] of spans) if (!m) out.push([a, b]);
      return out;
    case 'Isolated':
      return spans.map(([a, b]) => [a, b]);
    case 'MergedWithPrevious': {
      let prevMatch = false;
      for (const [a, b, m] of spans) {
        if (m && !prevMatch && out.length > 0) out[out.length - 1][1] = b;
        else out.push([a, b]);
        prevMatch = m;
      }
      return out;
    }
    case 'MergedWithNext': {
      let prevMatch = false;
      for (let i = spans.length - 1; i >= 0; i--) {
        const [a, b, m] = spans[i];
        if (m && !prevMatch && out.length > 0) out[out.length - 1][0] = a;
        else out.push([a, b]);
        prevMatch = m;
      }
      return out.reverse();
    }
    case 'Contiguous': {
      let prevMatch = false;
      spans.forEach(([a, b, m], i) => {
        if (i > 0 && m === prevMatch) out[out.length - 1][1] = b;
        else out.push([a, b]);
        prevMatch = m;
      });
      return out;
    }
  }
}

function splitter(find: (text: string) => Span[], behavior: Behavior, invert = false): PreTokenizer {
  return (pieces) => {
    const out: Normalized[] = [];
    for (const p of pieces) {
      let spans = find(p.text);
      if (invert) spans = spans.map(([a, b, m]) => [a, b, !m]);
      for (const [a, b] of applyBehavior(spans, behavior)) if (b > a) out.push(slice(p, a, b));
    }
    return out;
  };
}

const WHITE = /^\p{White_Space}$/u;
const PUNCT = /^[\p{P}!-/:-@[-`{-~]$/u;
const isWhite = (ch: string): boolean => WHITE.test(ch);
const isPunct = (ch: string): boolean => PUNCT.test(ch);

function metaspace(cfg: Json): PreTokenizer {
  const rep = typeof cfg.replacement === 'string' ? cfg.replacement : '▁';
  const scheme =
    typeof cfg.prepend_scheme === 'string' ? cfg.prepend_scheme : cfg.add_prefix_space === false ? 'never' : 'always';
  const split = cfg.split !== false;
  const splitOnRep = splitter((t) => charSpans(t, (ch) => ch === rep), 'MergedWithNext');
  return (pieces) => {
    const out: Normalized[] = [];
    for (const p of pieces) {
      const b = new NormalizedBuilder(p.origin);
      for (let i = 0; i < p.text.length; i++) {
        if (p.text[i] === ' ') b.push(rep, p.start[i], p.end[i]);
        else b.pushFrom(p, i, i + 1);
      }
      let n = b.build();
      const first = (p.text.length > 0 ? p.start[0] : p.origin) === 0;
      if (!n.text.startsWith(rep) && (scheme === 'always' || (scheme === 'first' && first))) n = prepend(n, rep);
      if (split) out.push(...splitOnRep([n]));
      else out.push(n);
    }
    return out;
  };
}

function build(cfg: unknown, file: string, last: boolean): PreTokenizerSpec {
  const bad = (msg: string): EngineError => new EngineError('BAD_TOKENIZER', msg, file);
  if (!isObject(cfg)) throw bad(`pre_tokenizer is not an object: ${JSON.stringify(cfg)}`);
  const plain = (run: PreTokenizer): PreTokenizerSpec => ({ run, byteLevel: false });
  switch (cfg.type) {
    case 'Sequence': {
      const list = cfg.pretokenizers;
      if (!Array.isArray(list)) throw bad('pre_tokenizer Sequence has no "pretokenizers" list');
      const steps = list.map((c, i) => build(c, file, last && i === list.length - 1));
      return {
        run: (pieces) => steps.reduce((p, s) => s.run(p), pieces),
        byteLevel: steps.some((s) => s.byteLevel),
      };
    }
    case 'Split': {
      const pat = cfg.pattern;
      const behavior = cfg.behavior;
      if (typeof behavior !== 'string' || !BEHAVIORS.has(behavior)) throw bad(`pre_tokenizer Split has an unknown behavior ${JSON.stringify(behavior)}`);
      let re: RegExp;
      if (isObject(pat) && typeof pat.Regex === 'string') re = compilePattern(pat.Regex, file);
      else if (isObject(pat) && typeof pat.String === 'string') re = new RegExp(escapeRegExp(pat.String), 'gu');
      else throw bad(`pre_tokenizer Split has a pattern that is neither String nor Regex: ${JSON.stringify(pat)}`);
      return plain(splitter((t) => regexSpans(t, re), behavior as Behavior, cfg.invert === true));
    }
    case 'ByteLevel': {
      if (!last) throw bad('a ByteLevel pre-tokenizer before other pre-tokenizers is not supported (it must come last)');
      const re = cfg.use_regex === false ? undefined : compilePattern(BYTE_LEVEL_PATTERN, file);
      const addPrefix = cfg.add_prefix_space === true;
      const split = re ? splitter((t) => regexSpans(t, re), 'Isolated') : undefined;
      return {
        run: (pieces) => {
          const prefixed = addPrefix ? pieces.map((p) => (p.text.startsWith(' ') ? p : prepend(p, ' '))) : pieces;
          return split ? split(prefixed) : prefixed;
        },
        byteLevel: true,
      };
    }
    case 'Metaspace':
      return plain(metaspace(cfg));
    case 'BertPreTokenizer': {
      const ws = splitter((t) => charSpans(t, isWhite), 'Removed');
      const punct = splitter((t) => charSpans(t, isPunct), 'Isolated');
      return plain((p) => punct(ws(p)));
    }
    case 'WhitespaceSplit':
      return plain(splitter((t) => charSpans(t, isWhite), 'Removed'));
    case 'Whitespace': {
      const re = compilePattern('\\w+|[^\\w\\s]+', file);
      return plain(splitter((t) => regexSpans(t, re), 'Removed', true));
    }
    case 'Punctuation': {
      const behavior = typeof cfg.behavior === 'string' && BEHAVIORS.has(cfg.behavior) ? (cfg.behavior as Behavior) : 'Isolated';
      return plain(splitter((t) => charSpans(t, isPunct), behavior));
    }
    case 'Digits': {
      const digit = (ch: string): boolean => ch >= '0' && ch <= '9' && ch.length === 1;
      return plain(splitter((t) => charSpans(t, digit), cfg.individual_digits === true ? 'Isolated' : 'Contiguous'));
    }
    default:
      throw bad(
        `pre_tokenizer ${JSON.stringify(cfg.type)} is not supported (supported: Split, ByteLevel, Metaspace, ` +
          'BertPreTokenizer, Whitespace, WhitespaceSplit, Punctuation, Digits, Sequence)',
      );
  }
}

/** Builds the pre-tokenizer of a tokenizer.json (null → the whole piece is one word). */
export function buildPreTokenizer(cfg: unknown, file: string): PreTokenizerSpec {
  if (cfg === null || cfg === undefined) return { run: (p) => p, byteLevel: false };
  return build(cfg, file, true);
}
