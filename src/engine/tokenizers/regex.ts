// Hugging Face's tokenizers compile `Split` patterns with Oniguruma; Node 20's RegExp differs in two
// ways these files use:
//  - `(?i:…)` inline case-insensitive groups (Llama 3's and Qwen2's `(?i:'s|'t|'re|…)`) are a
//    SyntaxError ("Invalid group") before the V8 of Node 23. We expand every letter inside such a
//    group into the class of the characters that match it case-insensitively, as `u`+`i` would
//    ("'s" → "'[sSſ]"): ASCII letters pair with their other case plus U+017F ſ (folds to s) and
//    U+212A K (Kelvin, folds to k), the only other characters that simple case folding maps onto
//    ASCII letters; other letters pair with their upper and lower case.
//  - `\s` is Unicode White_Space in Oniguruma (it includes U+0085, not U+FEFF); JavaScript's differs
//    on exactly those two, so `\s` / `\S` are written out.
// `\p{…}` classes need the `u` flag, which every pattern gets.
//
// A pattern comes from a downloaded file and runs on the user's whole text, and JavaScript's RegExp
// backtracks: `(a+)+$` or `(a|a)*b` take exponential time on a line of "a"s, which would freeze
// the engine worker with no way to stop it (a synchronous match cannot be interrupted, so a timer
// cannot time-box it, and V8's linear-time engine needs a command-line flag we cannot give VS Code's
// extension host). We refuse what such blow-ups need instead: a repeated group (`(…)*`, `(…)+`,
// `(…){n,m}`; a group may only be optional, `(…)?`), backreferences, and patterns longer than
// MAX_PATTERN_LENGTH. Repetition is left only on single characters and classes, as every tokenizer
// we know writes its patterns (GPT-2's, Llama 3's, Qwen2's, GPT-4o's: `\p{L}+`, `\p{N}{1,3}`, `(?i:'s|'t)?`).

import { EngineError } from '../errors';

const WHITE_SPACE = '\\t-\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const WORD = '\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\p{Join_Control}';
const SYNTAX = '^$\\.*+?()[]{}|/';
const FOLD_EXTRAS: Record<string, string> = { s: '\u017f', k: '\u212a' };

/** The characters that match `ch` case-insensitively, as the inside of a character class. */
export function caseClass(ch: string): string {
  const lower = ch.toLowerCase();
  const upper = ch.toUpperCase();
  const set = new Set([ch]);
  if ([...lower].length === 1) set.add(lower);
  if ([...upper].length === 1) set.add(upper);
  const extra = FOLD_EXTRAS[lower];
  if (extra) set.add(extra);
  return [...set].join('');
}

const isLetter = (ch: string): boolean => ch.toLowerCase() !== ch.toUpperCase();

/**
 * Rewrites an Oniguruma pattern for JavaScript's `u` flag. Throws a plain Error saying what it
 * cannot translate (the caller names the file).
 */
/** Longer than any tokenizer's pattern we know (Llama 3's is 120 characters, GPT-4o's about 300). */
export const MAX_PATTERN_LENGTH = 2000;

export function translatePattern(src: string): string {
  if (src.length > MAX_PATTERN_LENGTH) throw new Error(`the pattern is ${src.length} characters long, more than the ${MAX_PATTERN_LENGTH} we accept`);
  let out = '';
  const groups: boolean[] = []; // per open group: was case-insensitivity on before it
  let fold = false;
  let inClass = false;
  const chars = [...src];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (c === '\\') {
      const next = chars[i + 1];
      if (next === undefined) throw new Error('the pattern ends with a lone backslash');
      i++;
      if (next === 's') out += inClass ? WHITE_SPACE : `[${WHITE_SPACE}]`;
      else if (next === 'S') {
        if (inClass) throw new Error('\\S inside a character class is not supported');
        out += `[^${WHITE_SPACE}]`;
      } else if (next === 'p' || next === 'P' || next === 'x' || next === 'u') {
        // \p{…}, \x{…}/\xHH, \uHHHH: copy up to the closing brace when there is one
        out += '\\' + next;
        if (chars[i + 1] === '{') {
          const close = chars.indexOf('}', i + 1);
          if (close < 0) throw new Error(`unclosed \\${next}{ in the pattern`);
          out += chars.slice(i + 1, close + 1).join('');
          i = close;
        }
      } else if (next === 'A' || next === 'z' || next === 'Z' || next === 'G' || next === 'h' || next === 'H') {
        throw new Error(`the escape \\${next} is not supported`);
      } else if (next === 'd' || next === 'D') {
        const neg = next === 'D' ? 'P' : 'p';
        out += `\\${neg}{Nd}`;
      } else if (next === 'w' || next === 'W') {
        if (inClass && next === 'W') throw new Error('\\W inside a character class is not supported');
        out += inClass ? WORD : `[${next === 'W' ? '^' : ''}${WORD}]`;
      } else if (!inClass && (/[1-9]/.test(next) || (next === 'k' && chars[i + 1] === '<'))) {
        throw new Error('backreferences are not supported');
      } else if (/[A-Za-z0-9]/.test(next)) out += '\\' + next;
      else if (SYNTAX.includes(next) || (inClass && next === '-')) out += '\\' + next;
      else out += next; // Oniguruma allows any escaped punctuation; JavaScript's u flag only syntax characters
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      if (fold && isLetter(c)) {
        if (chars[i + 1] === '-' || chars[i - 1] === '-') throw new Error('a letter range inside (?i:…) is not supported');
        out += caseClass(c);
      } else out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (chars[i + 1] === '^') out += chars[++i];
      if (chars[i + 1] === ']') out += '\\' + chars[++i]; // "[]…]" starts with a literal ]
      continue;
    }
    if (c === '(') {
      groups.push(fold);
      const rest = chars.slice(i, i + 4).join('');
      if (rest === '(?i:') {
        fold = true;
        out += '(?:';
        i += 3;
        continue;
      }
      if (rest.startsWith('(?i)') || rest.startsWith('(?-')) throw new Error(`the inline flag group "${rest}" is not supported`);
      out += c;
      continue;
    }
    if (c === ')') {
      fold = groups.pop() ?? false;
      out += c;
      const q = chars[i + 1];
      if (q === '*' || q === '+' || (q === '{' && /\d/.test(chars[i + 2] ?? ''))) {
        throw new Error(`a repeated group ("…)${q}") is not supported: its matching can take exponential time`);
      }
      continue;
    }
    if ((c === '+' || c === '?' || c === '*') && chars[i + 1] === '+' && c !== '?') {
      throw new Error(`the possessive quantifier "${c}+" is not supported`);
    }
    out += fold && isLetter(c) ? `[${caseClass(c)}]` : c;
  }
  if (inClass) throw new Error('unclosed character class');
  return out;
}

/** A global Unicode RegExp for an Oniguruma pattern; errors name the file. */
export function compilePattern(src: string, file: string): RegExp {
  try {
    return new RegExp(translatePattern(src), 'gu');
  } catch (err) {
    const shown = src.length > 80 ? `${src.slice(0, 80)}…` : src;
    throw new EngineError('BAD_TOKENIZER', `the pre-tokenizer pattern ${JSON.stringify(shown)} cannot be used: ${(err as Error).message}`, file);
  }
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * A global RegExp matching any of `literals` (the longest first at one place), for added tokens;
 * undefined for none. V8 refuses a RegExp past its size limit (a 1 MB added token, say) with a
 * SyntaxError when it first runs it: that is a BAD_TOKENIZER naming `file`.
 */
export function literalsPattern(literals: string[], file: string): RegExp | undefined {
  if (literals.length === 0) return undefined;
  const sorted = literals.slice().sort((a, b) => b.length - a.length);
  try {
    const re = new RegExp(sorted.map(escapeRegExp).join('|'), 'gu');
    re.exec('x'); // V8 compiles a RegExp at its first match, and only then finds it too large
    re.lastIndex = 0;
    return re;
  } catch (err) {
    const longest = sorted[0].length;
    throw new EngineError('BAD_TOKENIZER', `the ${literals.length} added tokens (the longest ${longest} characters) cannot be matched: ${(err as Error).message.slice(-40)}`, file);
  }
}
