// What every view shows for a token: its text, except where the token holds only part of a
// character (byte-level BPE splits rare characters, emoji and most CJK text; SentencePiece falls back
// to <0xE8>-style byte tokens). Such a token is shown as the character it belongs to with the part it
// holds marked, 自¹⁄₃ (byte 1 of the 3 bytes of 自) or 自²⁻³⁄₃ (bytes 2–3), never as "�"; the bytes
// themselves go in the tooltip (describeLabel). The character is found from the token's byte span in
// the UTF-8 of the whole token sequence — its neighbours complete it — so labels are made for a
// sequence (labelTokens), not per token. A predicted next token has no neighbours after it: bytes
// that complete a character the context began are labelled as that character's part, bytes that only
// begin one are shown as ‹E8 87› (labelPrediction). Used by the panel, the Layer Stepper, the editor
// hovers and the CLI's exports alike; whitespace is left as it is (each view makes it visible its way).
import { formatText } from './explanations';
import type { Token } from './token';
import { hexBytes, openTail, parseHexBytes, utf8Units, type Utf8Unit } from './utf8Units';

/** One piece of a label: whole characters, part of a character, or bytes that form no character we can name. */
export type LabelPiece =
  | { kind: 'text'; text: string }
  | {
      kind: 'part';
      /** The character the bytes belong to, and its code point. */
      char: string;
      cp: number;
      /** Which of its bytes the token holds, 1-based and inclusive: from..to of `of`. */
      from: number;
      to: number;
      of: number;
      /** The bytes the token holds. */
      bytes: number[];
    }
  | { kind: 'bytes'; bytes: number[] };

export interface TokenLabel {
  /** The label as one line of plain text: "自¹⁄₃", "‹E8 87›", or the token's text when it holds whole characters. */
  text: string;
  pieces: LabelPiece[];
  /** True when the token holds part of a character (or bytes that form none). */
  partial: boolean;
}

/** What a label needs of a token: its text and, where the text cannot hold them, its bytes. */
export type LabelSource = Pick<Token, 'text' | 'bytes'>;

/** The strings describeLabel fills in (each view passes its translated ones). */
export interface LabelWords {
  /** {0} the character, {1} its code point (U+81EA), {2} the bytes held (1–2), {3} how many it has, {4} the bytes in hex. */
  partOf: string;
  /** {0} the bytes in hex. */
  bytesOf: string;
}

export const LABEL_WORDS_EN: LabelWords = {
  partOf: 'part of {0} ({1}): bytes {2} of {3}, {4}',
  bytesOf: 'part of a character: {0}',
};

const encoder = new TextEncoder();

/** The token's UTF-8 bytes: its `bytes` field when it has one, else its text encoded. */
export function tokenBytesOf(t: LabelSource): Uint8Array {
  return (t.bytes !== undefined ? parseHexBytes(t.bytes) : undefined) ?? encoder.encode(t.text);
}

/** The labels of a token sequence (the tokens of one text, in order). */
export function labelTokens(tokens: readonly LabelSource[]): TokenLabel[] {
  const parts = tokens.map(tokenBytesOf);
  const all = concat(parts);
  const units = utf8Units(all);
  const out: TokenLabel[] = [];
  let at = 0;
  let u = 0;
  for (const p of parts) {
    const end = at + p.length;
    while (u < units.length && units[u].end <= at) u++;
    out.push(labelSpan(all, units, u, at, end));
    at = end;
  }
  return out;
}

/** The label of tokens[i] alone, from the few neighbours that can complete its characters (as labelTokens(tokens)[i]). */
export function labelAt(tokens: readonly LabelSource[], i: number): TokenLabel {
  let a = i;
  for (let n = 0; a > 0 && n < 3; ) n += tokenBytesOf(tokens[--a]).length;
  let b = i + 1;
  for (let n = 0; b < tokens.length && n < 3; ) n += tokenBytesOf(tokens[b++]).length;
  return labelTokens(tokens.slice(a, b))[i - a];
}

/**
 * The label of a token predicted after a context: `before` is the bytes of the context's end (a
 * character it began is completed by the prediction); contextTail gives them.
 */
export function labelPrediction(p: LabelSource, before: Uint8Array = new Uint8Array(0)): TokenLabel {
  const open = openTail(before);
  const all = concat([open, tokenBytesOf(p)]);
  const units = utf8Units(all);
  let u = 0;
  while (u < units.length && units[u].end <= open.length) u++;
  return labelSpan(all, units, u, open.length, all.length);
}

/** The last bytes of tokens[0..q] (enough for labelPrediction to see a character they leave open). */
export function contextTail(tokens: readonly LabelSource[], q: number): Uint8Array {
  const parts: Uint8Array[] = [];
  let n = 0;
  for (let i = Math.min(q, tokens.length - 1); i >= 0 && n < 3; i--) {
    const b = tokenBytesOf(tokens[i]);
    parts.unshift(b);
    n += b.length;
  }
  const all = concat(parts);
  return all.subarray(Math.max(0, all.length - 3));
}

/** The lines a tooltip adds for a label's partial pieces (none for a token of whole characters). */
export function describeLabel(label: TokenLabel, words: LabelWords = LABEL_WORDS_EN): string[] {
  const lines: string[] = [];
  for (const p of label.pieces) {
    if (p.kind === 'part') {
      const range = p.from === p.to ? String(p.from) : `${p.from}–${p.to}`;
      lines.push(formatText(words.partOf, shownChar(p.cp), codePoint(p.cp), range, p.of, hexBytes(p.bytes)));
    } else if (p.kind === 'bytes') lines.push(formatText(words.bytesOf, hexBytes(p.bytes)));
  }
  return lines;
}

/** "U+81EA". */
export function codePoint(cp: number): string {
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The marker of a part: ¹⁄₃ for byte 1 of 3, ²⁻³⁄₃ for bytes 2–3 of 3. */
export function partMarker(from: number, to: number, of: number): string {
  return `${sup(String(from))}${from === to ? '' : `⁻${sup(String(to))}`}⁄${sub(String(of))}`;
}

// ---------------------------------------------------------------- pieces

/** The label of bytes [t0, t1) of `all`, whose units from index u on overlap it. */
function labelSpan(all: Uint8Array, units: Utf8Unit[], u: number, t0: number, t1: number): TokenLabel {
  const pieces: LabelPiece[] = [];
  for (let k = u; k < units.length && units[k].start < t1; k++) {
    const { start, end, cp } = units[k];
    const a = Math.max(start, t0);
    const b = Math.min(end, t1);
    if (a >= b) continue;
    const last = pieces[pieces.length - 1];
    if (cp < 0) {
      if (last?.kind === 'bytes') last.bytes.push(...all.subarray(a, b));
      else pieces.push({ kind: 'bytes', bytes: [...all.subarray(a, b)] });
    } else if (a === start && b === end) {
      const ch = shownChar(cp);
      if (last?.kind === 'text') last.text += ch;
      else pieces.push({ kind: 'text', text: ch });
    } else {
      pieces.push({ kind: 'part', char: String.fromCodePoint(cp), cp, from: a - start + 1, to: b - start, of: end - start, bytes: [...all.subarray(a, b)] });
    }
  }
  const text = pieces.map(pieceText).join('');
  return { text, pieces, partial: pieces.some((p) => p.kind !== 'text') };
}

function pieceText(p: LabelPiece): string {
  switch (p.kind) {
    case 'text':
      return p.text;
    case 'part':
      return shownChar(p.cp) + partMarker(p.from, p.to, p.of);
    case 'bytes':
      return `‹${hexBytes(p.bytes)}›`;
  }
}

const IGNORABLE_NAMES: Record<number, string> = {
  0x00ad: 'SHY',
  0x200b: 'ZWSP',
  0x200c: 'ZWNJ',
  0x200d: 'ZWJ',
  0x2060: 'WJ',
  0xfe0e: 'VS15',
  0xfe0f: 'VS16',
  0xfeff: 'BOM',
};
const IGNORABLE = /^\p{Default_Ignorable_Code_Point}$/u;

/**
 * A character as a label shows it: itself, except the invisible ones (zero-width joiner, variation
 * selectors, …), which are named: ‹ZWJ›, ‹VS16›, ‹U+2061›. Whitespace stays as it is.
 */
export function shownChar(cp: number): string {
  const ch = String.fromCodePoint(cp);
  if (!IGNORABLE.test(ch)) return ch;
  return `‹${IGNORABLE_NAMES[cp] ?? codePoint(cp)}›`;
}

const SUP = '⁰¹²³⁴⁵⁶⁷⁸⁹';
const SUB = '₀₁₂₃₄₅₆₇₈₉';
const sup = (digits: string): string => digits.replace(/\d/g, (d) => SUP[Number(d)]);
const sub = (digits: string): string => digits.replace(/\d/g, (d) => SUB[Number(d)]);

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const all = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}
