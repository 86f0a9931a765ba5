// The `normalizer` of a tokenizer.json, as functions from Normalized to Normalized that keep every
// character aligned to the original text (so offsets survive NFC, lower-casing, "▁" for spaces …).
// Supported: NFC, NFD, NFKC, NFKD, Lowercase, Strip, StripAccents, Replace, Prepend, BertNormalizer,
// Precompiled (by the reference library's rules)
// and Sequence of these, as Hugging Face's tokenizers (Rust) define them.

import { EngineError } from '../errors';
import { NormalizedBuilder, codePoints, mapChars, prepend, spanOf, type Normalized } from './normalized';
import { compilePattern, escapeRegExp } from './regex';

export type Normalizer = (n: Normalized) => Normalized;

type Json = Record<string, unknown>;
const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);

/** A combining mark, or a Hangul jamo that composes with what precedes it (V and T jamo). */
const JOINS_PREVIOUS = /^[\p{M}\u1160-\u11ff\ud7b0-\ud7ff]/u;

/**
 * Unicode normalization with alignment: the text is cut before every character that does not join
 * the one before it, each segment is normalized on its own and its output aligned to the segment's
 * span. Normalization does not cross those cuts in practice; if the joined result ever differs from
 * normalizing the whole, the whole piece's span is used for every character (coarser, never wrong).
 */
function unicodeForm(form: 'NFC' | 'NFD' | 'NFKC' | 'NFKD'): Normalizer {
  return (n) => {
    if (/^[\x00-\x7f]*$/.test(n.text)) return n; // ASCII is invariant under all four forms
    const whole = n.text.normalize(form);
    if (whole === n.text) return n;
    const out = new NormalizedBuilder(n.origin);
    const cps = codePoints(n.text);
    for (let i = 0; i < cps.length; ) {
      let j = i + 1;
      while (j < cps.length && JOINS_PREVIOUS.test(String.fromCodePoint(cps[j].cp))) j++;
      const a = cps[i].a;
      const b = cps[j - 1].b;
      const seg = n.text.slice(a, b);
      const norm = seg.normalize(form);
      if (norm === seg) out.pushFrom(n, a, b);
      else {
        const [s, e] = spanOf(n, a, b);
        out.push(norm, s, e);
      }
      i = j;
    }
    const built = out.build();
    if (built.text === whole) return built;
    const coarse = new NormalizedBuilder(n.origin);
    const [s, e] = spanOf(n, 0, n.text.length);
    coarse.push(whole, s, e);
    return coarse.build();
  };
}

/** Lower case one code point at a time (no final-sigma rule), like Rust's char::to_lowercase. */
const lowercase: Normalizer = (n) => (/[A-Z]/.test(n.text) || /[^\x00-\x7f]/.test(n.text) ? mapChars(n, (ch) => ch.toLowerCase()) : n);

const WHITE = /^\p{White_Space}$/u;

function strip(left: boolean, right: boolean): Normalizer {
  return (n) => {
    let a = 0;
    let b = n.text.length;
    if (left) while (a < b && WHITE.test(n.text[a])) a++;
    if (right) while (b > a && WHITE.test(n.text[b - 1])) b--;
    const out = new NormalizedBuilder(n.origin);
    out.pushFrom(n, a, b);
    return out.build();
  };
}

/** NFD then drop non-spacing marks (Mn), the marks Rust's StripAccents removes. */
const stripAccents: Normalizer = (n) => {
  const d = unicodeForm('NFD')(n);
  return mapChars(d, (ch) => (/^\p{Mn}$/u.test(ch) ? '' : ch));
};

function replace(cfg: Json, file: string): Normalizer {
  const pattern = cfg.pattern;
  const content = cfg.content;
  if (!isObject(pattern) || typeof content !== 'string') throw new EngineError('BAD_TOKENIZER', `normalizer Replace needs "pattern" and "content"`, file);
  const re =
    typeof pattern.String === 'string'
      ? new RegExp(escapeRegExp(pattern.String), 'gu')
      : typeof pattern.Regex === 'string'
        ? compilePattern(pattern.Regex, file)
        : undefined;
  if (!re) throw new EngineError('BAD_TOKENIZER', `normalizer Replace has a pattern that is neither String nor Regex`, file);
  return (n) => {
    re.lastIndex = 0;
    if (!re.test(n.text)) return n;
    re.lastIndex = 0; // matchAll starts where test() stopped
    const out = new NormalizedBuilder(n.origin);
    let last = 0;
    for (const m of n.text.matchAll(re)) {
      const at = m.index ?? 0;
      if (m[0].length === 0) continue;
      out.pushFrom(n, last, at);
      const [s, e] = spanOf(n, at, at + m[0].length);
      // One replacement character per replaced character keeps per-character spans (" " → "▁").
      if (content.length === m[0].length) for (let k = 0; k < content.length; k++) out.push(content[k], n.start[at + k], n.end[at + k]);
      else out.push(content, s, e);
      last = at + m[0].length;
    }
    out.pushFrom(n, last, n.text.length);
    return out.build();
  };
}

const isControl = (cp: number, ch: string): boolean => cp !== 9 && cp !== 10 && cp !== 13 && /^\p{C}$/u.test(ch);
const isWhitespace = (ch: string): boolean => /^[\t\n\r\p{White_Space}]$/u.test(ch);
/** The CJK ideograph blocks BERT pads with spaces. */
const isChinese = (cp: number): boolean =>
  (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x20000 && cp <= 0x2a6df) ||
  (cp >= 0x2a700 && cp <= 0x2b73f) || (cp >= 0x2b740 && cp <= 0x2b81f) || (cp >= 0x2b820 && cp <= 0x2ceaf) ||
  (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x2f800 && cp <= 0x2fa1f);

/** BERT's (and GPT-1's) clean-up: drop controls, whitespace → " ", pad CJK, strip accents, lower-case. */
function bert(cfg: Json): Normalizer {
  const clean = cfg.clean_text !== false;
  const chinese = cfg.handle_chinese_chars !== false;
  const lower = cfg.lowercase !== false;
  const accents = cfg.strip_accents === true || ((cfg.strip_accents === null || cfg.strip_accents === undefined) && lower);
  return (n) => {
    let x = n;
    if (clean) x = mapChars(x, (ch, cp) => (cp === 0 || cp === 0xfffd || isControl(cp, ch) ? '' : isWhitespace(ch) ? ' ' : ch));
    if (chinese) x = mapChars(x, (ch, cp) => (isChinese(cp) ? ` ${ch} ` : ch));
    if (accents) x = stripAccents(x);
    if (lower) x = lowercase(x);
    return x;
  };
}

const PRECOMPILED_DROPS = /[\u0001-\u0008\u000B\u000E-\u001F\u007F\u008F\u009F]/;
const PRECOMPILED_SPACES = /[\u0009\u000A\u000C\u000D\u00A0\u1680\u2000-\u200F\u2028\u2029\u202F\u205F\u2581\u3000\uFEFF\uFFFD]/;
const nfkc = unicodeForm('NFKC');

/**
 * `Precompiled` (SentencePiece's nmt_nfkc, as T5's and Marian's tokenizers carry it) by the rules
 * of the reference library, @huggingface/tokenizers, rather than by reading the charsmap (a Darts
 * double-array trie): control characters dropped, the NMT whitespace set → " ", then NFKC — except
 * "～" (U+FF5E), which NFKC would turn into "~" and nmt_nfkc keeps.
 */
const precompiled: Normalizer = (n) => {
  const x = mapChars(n, (ch) => (PRECOMPILED_DROPS.test(ch) ? '' : PRECOMPILED_SPACES.test(ch) ? ' ' : ch));
  if (!x.text.includes('\uff5e')) return nfkc(x);
  const out = new NormalizedBuilder(x.origin);
  let from = 0;
  for (let i = 0; i <= x.text.length; i++) {
    if (i < x.text.length && x.text[i] !== '\uff5e') continue;
    const part = new NormalizedBuilder(x.origin);
    part.pushFrom(x, from, i);
    const normed = nfkc(part.build());
    out.pushFrom(normed, 0, normed.text.length);
    if (i < x.text.length) out.pushFrom(x, i, i + 1);
    from = i + 1;
  }
  return out.build();
};

/** Builds the normalizer of a tokenizer.json (null → none). */
export function buildNormalizer(cfg: unknown, file: string): Normalizer | undefined {
  if (cfg === null || cfg === undefined) return undefined;
  const bad = (msg: string): EngineError => new EngineError('BAD_TOKENIZER', msg, file);
  if (!isObject(cfg)) throw bad(`normalizer is not an object: ${JSON.stringify(cfg)}`);
  switch (cfg.type) {
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD':
      return unicodeForm(cfg.type);
    case 'Lowercase':
      return lowercase;
    case 'Strip':
      return strip(cfg.strip_left !== false, cfg.strip_right !== false);
    case 'StripAccents':
      return stripAccents;
    case 'Replace':
      return replace(cfg, file);
    case 'Prepend': {
      const s = cfg.prepend;
      if (typeof s !== 'string') throw bad('normalizer Prepend has no "prepend" string');
      return (n) => (n.text.length > 0 ? prepend(n, s) : n);
    }
    case 'BertNormalizer':
      return bert(cfg);
    case 'Precompiled':
      return precompiled;
    case 'Sequence': {
      if (!Array.isArray(cfg.normalizers)) throw bad('normalizer Sequence has no "normalizers" list');
      const steps = cfg.normalizers.map((c) => buildNormalizer(c, file)).filter((f): f is Normalizer => f !== undefined);
      return (n) => steps.reduce((x, f) => f(x), n);
    }
    default:
      throw bad(`normalizer ${JSON.stringify(cfg.type)} is not supported (supported: NFC, NFD, NFKC, NFKD, Lowercase, Strip, StripAccents, Replace, Prepend, BertNormalizer, Precompiled, Sequence)`);
  }
}
