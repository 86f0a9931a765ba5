// Cleaning helpers for Chinese text: joining hard-wrapped lines without inventing spaces between
// Chinese characters, removing terminal colour codes, and turning a message catalogue's
// translations into running text. Pure functions over strings.

/** A Han character, CJK punctuation or a full-width form: text that wraps without spaces. */
const CJK = /[\p{Script=Han}\u3000-\u303f\uff00-\uffef]/u;
const HAN = /\p{Script=Han}/gu;
/** CJK and full-width punctuation: never a space before or after it. */
const CJK_PUNCT = /[\u3000-\u303f\uff00-\uffef]/u;

/** True when `ch` (one character) is a Han character, CJK punctuation or a full-width form. */
export function isCjk(ch: string): boolean {
  return CJK.test(ch);
}

/** Number of Han characters in `text`. */
export function countHan(text: string): number {
  return text.match(HAN)?.length ?? 0;
}

/** UTF-8 bytes of the Han characters in `text`. */
export function hanBytes(text: string): number {
  let n = 0;
  for (const m of text.matchAll(HAN)) n += m[0].codePointAt(0)! > 0xffff ? 4 : 3;
  return n;
}

/**
 * Joins the lines of one wrapped paragraph: a break between two CJK characters, or next to CJK
 * punctuation, disappears (Chinese is written without spaces); any other break becomes one space.
 * Lines are trimmed first.
 */
export function joinWrappedLines(lines: readonly string[]): string {
  let out = '';
  for (const raw of lines) {
    const line = raw.trim();
    if (line.length === 0) continue;
    if (out.length > 0) {
      const last = [...out.slice(-2)].pop()!;
      const first = [...line][0];
      out += (isCjk(last) && isCjk(first)) || CJK_PUNCT.test(last) || CJK_PUNCT.test(first) ? '' : ' ';
    }
    out += line;
  }
  return out;
}

/**
 * Like `unwrapParagraphs` in clean.ts, for text that mixes Chinese and English: paragraphs are
 * separated by blank lines, and lines within one are joined with `joinWrappedLines`.
 */
export function unwrapMixedParagraphs(text: string): string {
  return text
    .split(/\n(?:[ \t]*\n)+/)
    .map((para) => joinWrappedLines(para.split('\n')))
    .filter((para) => para.length > 0)
    .join('\n\n');
}

/**
 * Removes spaces and tabs between two Han characters. Chinese is written without spaces; some older
 * translations (manpages-zh's CMPP pages) put one between every word, which no reader writes.
 */
export function closeHanSpaces(text: string): string {
  return text.replace(/(?<=\p{Script=Han})[ \t]+(?=\p{Script=Han})/gu, '');
}

/** Removes ANSI terminal escape sequences (colours, `ESC[…m`), as fortune files carry them. */
export function stripAnsi(text: string): string {
  return text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
}

/**
 * Running text from a message catalogue's translations (msgstr), one message per paragraph:
 * messages without a Han character (untranslated or symbols only) and repeats are dropped,
 * keyboard accelerators (`(_O)`, `(~O)`, `(&O)`, a `_` or `~` before a Han character) are removed, and
 * GCC's quoting directives `%<` `%>` become the quotes GCC prints (‘ ’). Other format directives
 * (`%s`, `%d`) stay: they are part of what the messages say.
 */
export function catalogueText(strs: Iterable<string>): string {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of strs) {
    if (countHan(raw) === 0) continue;
    const text = raw
      .replace(/\s*[(（][_~&][A-Za-z0-9][)）]/g, '')
      .replace(/[_~](?=\p{Script=Han})/gu, '')
      .replace(/%</g, '‘')
      .replace(/%>/g, '’')
      .replace(/[ \t]+\n/g, '\n')
      .trim();
    if (text.length === 0 || seen.has(text)) continue;
    seen.add(text);
    out.push(text);
  }
  return out.join('\n\n');
}
