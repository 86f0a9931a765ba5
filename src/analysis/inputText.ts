// What to analyse: the selection, or the paragraph around the cursor; and the checks that keep
// bad input (empty, whitespace only, binary, huge) from reaching the model. Pure, no vscode.

/** Text beyond this many UTF-16 units is not tokenised at all (the model sees far fewer tokens). */
export const MAX_INPUT_CHARS = 200_000;

export interface Span {
  start: number;
  end: number;
}

const BLANK_LINE = /^[ \t]*$/;

/**
 * The paragraph around `offset`: the run of non-blank lines that holds it, bounded by blank lines
 * or the ends of the text. When the cursor is on a blank line, the nearest paragraph below it (or
 * else above it) is used. Returns an empty span when the text has no non-blank line.
 */
export function findParagraph(text: string, offset: number): Span {
  const lines: Span[] = [];
  let s = 0;
  for (;;) {
    const nl = text.indexOf('\n', s);
    if (nl < 0) {
      lines.push({ start: s, end: text.length });
      break;
    }
    lines.push({ start: s, end: nl });
    s = nl + 1;
  }
  const blank = (i: number) => BLANK_LINE.test(text.slice(lines[i].start, lines[i].end).replace(/\r$/, ''));
  let at = lines.findIndex((l) => offset >= l.start && offset <= l.end);
  if (at < 0) at = lines.length - 1;
  if (blank(at)) {
    let below = at;
    while (below < lines.length && blank(below)) below++;
    if (below < lines.length) at = below;
    else {
      let above = at;
      while (above >= 0 && blank(above)) above--;
      if (above < 0) return { start: offset, end: offset };
      at = above;
    }
  }
  let first = at;
  while (first > 0 && !blank(first - 1)) first--;
  let last = at;
  while (last < lines.length - 1 && !blank(last + 1)) last++;
  let end = lines[last].end;
  if (text[end - 1] === '\r') end--;
  return { start: lines[first].start, end };
}

/** What a command analyses: the selection when there is one, else the paragraph around the cursor. */
export interface InputSpan extends Span {
  origin: 'selection' | 'paragraph';
}

/** `selection` (document offsets; undefined when empty) or else the paragraph of `text` around `cursor`. */
export function inputSpan(text: string, selection: Span | undefined, cursor: number): InputSpan {
  if (selection && selection.end > selection.start) return { start: selection.start, end: selection.end, origin: 'selection' };
  return { ...findParagraph(text, cursor), origin: 'paragraph' };
}

/** `span` moved inside [0, length] (a re-run after edits may ask for a range past the end), start ≤ end. */
export function clampSpan(span: Span, length: number): Span {
  const start = Math.max(0, Math.min(span.start, length));
  return { start, end: Math.max(start, Math.min(span.end, length)) };
}

export type InputProblem = 'empty' | 'whitespace' | 'binary';

export type InputCheck =
  | { ok: true; text: string; clippedChars: boolean }
  | { ok: false; problem: InputProblem; message: string };

/**
 * Checks the text to analyse. Binary (a NUL character) and empty or whitespace-only text are
 * refused with a plain message; huge text is cut to MAX_INPUT_CHARS (never inside a surrogate
 * pair) and flagged.
 */
export function checkInput(text: string, maxChars = MAX_INPUT_CHARS): InputCheck {
  if (text.length === 0) return { ok: false, problem: 'empty', message: 'There is no text to analyse: the selection or document is empty.' };
  const probe = text.length > maxChars ? text.slice(0, maxChars) : text;
  if (probe.includes('\u0000'))
    return { ok: false, problem: 'binary', message: 'This looks like a binary file (it contains NUL bytes); Attention Lens analyses text only.' };
  if (/^\s*$/.test(probe))
    return { ok: false, problem: 'whitespace', message: 'The selection holds only whitespace; select some text to analyse.' };
  if (text.length <= maxChars) return { ok: true, text, clippedChars: false };
  let cut = maxChars;
  const c = text.charCodeAt(cut - 1);
  if (c >= 0xd800 && c <= 0xdbff) cut--;
  return { ok: true, text: text.slice(0, cut), clippedChars: true };
}

/** "notes.txt:3" or "notes.txt:3–7": a file name and its 0-based first and last lines, shown 1-based. */
export function rangeLabel(name: string, startLine: number, endLine: number): string {
  return startLine === endLine ? `${name}:${startLine + 1}` : `${name}:${startLine + 1}–${endLine + 1}`;
}
