// Cleaning and splitting the training corpus: pure functions over strings and document lists.
// Markup is stripped from prose only (code keeps its `<T>` generics), every document is normalised
// the same way, exact duplicates and near-empty documents are dropped, and the validation split is
// chosen per document from a seeded hash of its id, so it never changes when sources are added.

import { createHash } from 'node:crypto';

/** A document of the corpus. `id` is stable across runs (e.g. "sotu/1790_george_washington"). */
export interface CorpusDoc {
  id: string;
  source: string;
  kind: 'prose' | 'code';
  text: string;
}

/** The separator written between documents in train.txt / val.txt. */
export const END_OF_TEXT = '<|endoftext|>';

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  mdash: '—',
  ndash: '–',
  hellip: '…',
  lsquo: '‘',
  rsquo: '’',
  ldquo: '“',
  rdquo: '”',
};

/** Decodes named (the common ones) and numeric character references; unknown ones are kept. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, body: string) => {
    if (body[0] === '#') {
      const cp = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : whole;
    }
    return NAMED_ENTITIES[body] ?? whole;
  });
}

export interface StripOptions {
  /** Elements removed with their content, e.g. OSIS `note` (footnotes) or HTML `script`. */
  dropElements?: string[];
  /** Elements that end a block: replaced by a newline instead of nothing (e.g. `p`, `div`, `lb`). */
  blockElements?: string[];
}

/**
 * Removes HTML/SGML/XML/OSIS markup: comments, `<!…>`/`<?…?>` declarations, dropped elements with
 * their content, then every tag; block tags become newlines. Entities are decoded last, so an
 * escaped `&lt;b&gt;` survives as the text `<b>`.
 */
export function stripMarkup(text: string, opts: StripOptions = {}): string {
  let out = text.replace(/<!--[\s\S]*?-->/g, '').replace(/<[!?][^>]*>/g, '');
  for (const name of opts.dropElements ?? []) {
    const n = escapeRegExp(name);
    out = out.replace(new RegExp(`<${n}(\\s[^>]*)?>[\\s\\S]*?</${n}\\s*>`, 'gi'), '');
    out = out.replace(new RegExp(`<${n}(\\s[^>]*)?/>`, 'gi'), '');
  }
  const blocks = new Set((opts.blockElements ?? []).map((b) => b.toLowerCase()));
  out = out.replace(/<\/?([A-Za-z][\w:.-]*)(?:\s[^<>]*)?\/?>/g, (_tag, name: string) =>
    blocks.has(name.toLowerCase()) ? '\n' : '',
  );
  return decodeEntities(out);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Normalises one document: NFC, `\r\n` and `\r` → `\n`, control characters other than `\n` and
 * `\t` removed, the end-of-text separator removed, trailing spaces cut, at most two blank lines in a
 * row, no blank lines at either end. Prose also turns tabs into spaces and runs of spaces into one;
 * code keeps its tabs and indentation.
 */
export function normalizeText(text: string, kind: 'prose' | 'code'): string {
  let out = text.normalize('NFC').replace(/\r\n?/g, '\n');
  out = out.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufeff]/g, '');
  out = out.split(END_OF_TEXT).join('');
  if (kind === 'prose') out = out.replace(/\t/g, ' ').replace(/(\S) {2,}/g, '$1 ');
  out = out.replace(/[ \t\u00a0]+$/gm, '');
  out = out.replace(/\n{4,}/g, '\n\n\n');
  return out.replace(/^\n+/, '').replace(/\n+$/, '');
}

/** Removes the indentation common to all non-blank lines. */
export function dedent(text: string): string {
  const lines = text.split('\n');
  let common = Infinity;
  for (const l of lines) if (l.trim().length > 0) common = Math.min(common, /^[ \t]*/.exec(l)![0].length);
  if (!Number.isFinite(common) || common === 0) return text;
  return lines.map((l) => l.slice(Math.min(common, /^[ \t]*/.exec(l)![0].length))).join('\n');
}

/**
 * Joins hard-wrapped prose: within a paragraph (lines between blank lines) the line breaks become
 * spaces. A paragraph with an indented line (verse, a quotation, a table) is left as it is.
 */
export function unwrapParagraphs(text: string): string {
  return text
    .split(/\n(?:[ \t]*\n)+/)
    .map((para) => {
      const lines = para.split('\n').filter((l) => l.trim().length > 0);
      if (lines.some((l, i) => i > 0 && /^[ \t]/.test(l))) return lines.join('\n');
      return lines.map((l) => l.trim()).join(' ');
    })
    .filter((para) => para.length > 0)
    .join('\n\n');
}

/** Hex SHA-256 of the text's UTF-8 bytes. */
export function contentHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A number in [0, 1) from a seeded hash of `key`; the same key and seed always give the same one. */
export function hashUnit(key: string, seed: number): number {
  const h = createHash('sha256').update(`${seed}:${key}`, 'utf8').digest();
  return h.readUInt32BE(0) / 2 ** 32;
}

/** Which split a document belongs to: 'val' for about `valFraction` of ids, chosen by hash. */
export function splitOf(id: string, seed: number, valFraction: number): 'train' | 'val' {
  return hashUnit(id, seed) < valFraction ? 'val' : 'train';
}

/** True when a document has fewer than `minChars` non-whitespace characters. */
export function isNearEmpty(text: string, minChars: number): boolean {
  let n = 0;
  for (const ch of text) if (!/\s/.test(ch) && ++n >= minChars) return false;
  return true;
}

export interface CleanReport {
  kept: CorpusDoc[];
  duplicates: number;
  nearEmpty: number;
}

/**
 * Normalises every document, then drops near-empty ones and exact duplicates (first one wins).
 * Pass the same `seen` set to several calls to drop duplicates across sources too.
 */
export function cleanDocs(docs: Iterable<CorpusDoc>, minChars = 64, seen = new Set<string>()): CleanReport {
  const kept: CorpusDoc[] = [];
  let duplicates = 0;
  let nearEmpty = 0;
  for (const doc of docs) {
    const text = normalizeText(doc.text, doc.kind);
    if (isNearEmpty(text, minChars)) {
      nearEmpty++;
      continue;
    }
    const h = contentHash(text);
    if (seen.has(h)) {
      duplicates++;
      continue;
    }
    seen.add(h);
    kept.push({ ...doc, text });
  }
  return { kept, duplicates, nearEmpty };
}

/**
 * Keeps documents in a seeded hash order of their ids until `maxBytes` (UTF-8) would be passed,
 * then returns them in their original order. A document larger than the cap on its own is skipped.
 */
export function capBySize(docs: readonly CorpusDoc[], maxBytes: number, seed: number): CorpusDoc[] {
  const order = docs.map((d, i) => ({ i, u: hashUnit(d.id, seed ^ 0x5eed) })).sort((a, b) => a.u - b.u || a.i - b.i);
  const chosen = new Set<number>();
  let total = 0;
  for (const { i } of order) {
    const n = Buffer.byteLength(docs[i].text, 'utf8');
    if (total + n > maxBytes) continue;
    total += n;
    chosen.add(i);
  }
  return docs.filter((_, i) => chosen.has(i));
}

/** Joins documents with the end-of-text token on its own line: `doc\n<|endoftext|>\ndoc\n…`. */
export function joinDocs(texts: readonly string[]): string {
  return texts.map((t) => `${t}\n${END_OF_TEXT}\n`).join('');
}
