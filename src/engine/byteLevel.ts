// Byte-level pieces of GPT-2's tokenizer: the byte ↔ unicode table that lets BPE work on printable
// characters, UTF-8 encoding that remembers which UTF-16 character every byte came from, and the
// rank-ordered merge loop itself.

/**
 * GPT-2's `bytes_to_unicode`: printable Latin-1 bytes map to themselves, the other 68 bytes
 * (controls, space, 0x7F–0xA0, 0xAD) map to U+0100 onwards in byte order. So space → "Ġ", "\n" → "Ċ".
 */
function buildByteTables(): { byteToChar: string[]; charToByte: Map<string, number> } {
  const printable = (b: number): boolean =>
    (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const byteToChar: string[] = new Array<string>(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    byteToChar[b] = String.fromCharCode(printable(b) ? b : 256 + extra++);
  }
  const charToByte = new Map<string, number>();
  byteToChar.forEach((c, b) => charToByte.set(c, b));
  return { byteToChar, charToByte };
}

export const { byteToChar: BYTE_TO_CHAR, charToByte: CHAR_TO_BYTE } = buildByteTables();

/** UTF-8 bytes of `text`, with the UTF-16 span [charStart, charEnd) of the character each byte is part of. */
export interface Utf8WithOffsets {
  bytes: number[];
  charStart: number[];
  charEnd: number[];
}

/** UTF-8 encodes like TextEncoder (a lone surrogate becomes U+FFFD), keeping per-byte character spans. */
export function utf8WithOffsets(text: string): Utf8WithOffsets {
  const bytes: number[] = [];
  const charStart: number[] = [];
  const charEnd: number[] = [];
  for (let i = 0; i < text.length; ) {
    let cp = text.charCodeAt(i);
    let units = 1;
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
      const lo = text.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        units = 2;
      }
    }
    if (units === 1 && cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd; // lone surrogate
    const before = bytes.length;
    if (cp < 0x80) bytes.push(cp);
    else if (cp < 0x800) bytes.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
    else if (cp < 0x10000) bytes.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    else
      bytes.push(
        0xf0 | (cp >> 18),
        0x80 | ((cp >> 12) & 0x3f),
        0x80 | ((cp >> 6) & 0x3f),
        0x80 | (cp & 0x3f),
      );
    for (let k = before; k < bytes.length; k++) {
      charStart.push(i);
      charEnd.push(i + units);
    }
    i += units;
  }
  return { bytes, charStart, charEnd };
}

const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/**
 * UTF-8 decoding of bytes arriving in pieces: each push returns the characters completed so far
 * (a character split across pieces comes out whole with its last byte; bytes that cannot form a
 * character become U+FFFD as soon as that is certain), finish() what an unfinished character
 * leaves (U+FFFD). The pushes and finish() together equal decodeUtf8 of all the bytes.
 */
export function utf8Stream(): { push(bytes: Uint8Array): string; finish(): string } {
  const d = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  return { push: (bytes) => d.decode(bytes, { stream: true }), finish: () => d.decode() };
}

/** Decodes UTF-8; bytes that do not form a whole character become U+FFFD. */
export function decodeUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** Looks up the rank of merging `a` then `b`; undefined when no merge joins them. */
export type RankOf = (a: string, b: string) => number | undefined;

/**
 * Applies merges to `symbols` lowest rank first; among equal ranks the leftmost pair goes first,
 * which is what GPT-2's loop does. Runs in O(n log n) with a heap over candidate pairs, so a
 * pathological 100 000-character "word" does not stall the editor. `onMerge` sees the symbols
 * after each merge (for `explain`).
 */
export function bpeMerge(symbols: string[], rankOf: RankOf, onMerge?: (parts: string[]) => void): string[] {
  const n = symbols.length;
  if (n < 2) return symbols.slice();
  const sym = symbols.slice();
  const next = new Int32Array(n);
  const prev = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    next[i] = i + 1 < n ? i + 1 : -1;
    prev[i] = i - 1;
  }
  const heap = new PairHeap();
  const push = (left: number): void => {
    const right = next[left];
    if (left < 0 || right < 0) return;
    const r = rankOf(sym[left], sym[right]);
    if (r !== undefined) heap.push(r, left, right);
  };
  for (let i = 0; i + 1 < n; i++) push(i);
  const current = (): string[] => {
    const out: string[] = [];
    for (let i = 0; i >= 0; i = next[i]) out.push(sym[i]);
    return out;
  };
  while (heap.size > 0) {
    const { rank, left, right } = heap.pop();
    // Stale entry: one side has merged since it was pushed (a rank names exactly one pair).
    if (next[left] !== right || sym[left] === '' || rankOf(sym[left], sym[right]) !== rank) continue;
    sym[left] = sym[left] + sym[right];
    sym[right] = '';
    const after = next[right];
    next[left] = after;
    if (after >= 0) prev[after] = left;
    push(prev[left]);
    push(left);
    if (onMerge) onMerge(current());
  }
  return current();
}

/** A binary min-heap of candidate pairs ordered by (rank, left position). */
export class PairHeap {
  private ranks: number[] = [];
  private lefts: number[] = [];
  private rights: number[] = [];

  get size(): number {
    return this.ranks.length;
  }

  private less(i: number, j: number): boolean {
    return this.ranks[i] < this.ranks[j] || (this.ranks[i] === this.ranks[j] && this.lefts[i] < this.lefts[j]);
  }

  private swap(i: number, j: number): void {
    [this.ranks[i], this.ranks[j]] = [this.ranks[j], this.ranks[i]];
    [this.lefts[i], this.lefts[j]] = [this.lefts[j], this.lefts[i]];
    [this.rights[i], this.rights[j]] = [this.rights[j], this.rights[i]];
  }

  push(rank: number, left: number, right: number): void {
    this.ranks.push(rank);
    this.lefts.push(left);
    this.rights.push(right);
    for (let i = this.ranks.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): { rank: number; left: number; right: number } {
    const top = { rank: this.ranks[0], left: this.lefts[0], right: this.rights[0] };
    const last = this.ranks.length - 1;
    this.swap(0, last);
    this.ranks.pop();
    this.lefts.pop();
    this.rights.pop();
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < last && this.less(l, m)) m = l;
      if (r < last && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
    return top;
  }
}
