// Trains a GPT-2-style byte-level BPE: GPT-2's pre-tokenizer regex splits text into words, each
// word becomes its UTF-8 bytes written with GPT-2's bytes_to_unicode characters, and the most
// frequent adjacent pair is merged until the vocabulary is full. Pair counts are kept
// incrementally with an index pair → words, so a merge only touches the words that hold the pair,
// and within a word only the pairs next to each occurrence (Chinese pre-tokens are whole clauses,
// tens of bytes long: recounting every pair of such a word at each merge made training 4× slower).

// The engine's own pre-tokenizer pattern and byte table, so training and encoding cannot drift.
import { GPT2_PATTERN } from '../engine/pretokenize';
import { BYTE_TO_CHAR } from '../engine/byteLevel';

/**
 * GPT-2's bytes_to_unicode: printable Latin-1 bytes map to themselves, the other 68 to U+0100
 * onwards in byte order. Vocabulary ids 0..255 follow the order of the mapped characters, which is
 * GPT-2's own order ("!" = 0, …, "Ā" (byte 0) = 188, "Ġ" (space) = 220).
 */
export function byteLevelAlphabet(): { byteToChar: string[]; byteToId: Int32Array; idToChar: string[] } {
  const byteToChar = [...BYTE_TO_CHAR];
  const order = [...byteToChar.keys()].sort((x, y) => byteToChar[x].charCodeAt(0) - byteToChar[y].charCodeAt(0));
  const byteToId = new Int32Array(256);
  order.forEach((b, id) => (byteToId[b] = id));
  return { byteToChar, byteToId, idToChar: order.map((b) => byteToChar[b]) };
}

export interface BPETrainOptions {
  /** Final vocabulary size, special tokens included. */
  vocabSize: number;
  /** Accepted for API symmetry; training is deterministic and samples nothing. */
  seed?: number;
  /** Added after the learned tokens, so they take the last ids (e.g. `<|endoftext|>`). */
  specialTokens?: string[];
  /** Stop early when the best pair occurs fewer times than this (default 1: never stop early). */
  minFrequency?: number;
  /** Called every 100 merges and at the end with the number of merges so far. */
  onProgress?: (merges: number) => void;
}

export interface BPEModel {
  /** Token (byte-level string, e.g. "Ġthe") → id. */
  vocab: Record<string, number>;
  /** In rank order; each merge's concatenation is in `vocab`. */
  merges: [string, string][];
}

/** Counts the pre-tokenized words of `texts`; special tokens are cut out and never learned. */
export function countWords(texts: Iterable<string>, specialTokens: readonly string[] = []): Map<string, number> {
  const counts = new Map<string, number>();
  const specials = specialTokens.filter((s) => s.length > 0);
  for (const text of texts) {
    const parts = specials.length > 0 ? splitOnSpecials(text, specials) : [text];
    for (const part of parts) {
      for (const m of part.matchAll(GPT2_PATTERN)) counts.set(m[0], (counts.get(m[0]) ?? 0) + 1);
    }
  }
  return counts;
}

function splitOnSpecials(text: string, specials: readonly string[]): string[] {
  let parts = [text];
  for (const s of specials) parts = parts.flatMap((p) => p.split(s));
  return parts;
}

// Pair keys pack two ids into one number: below 2^15 each they stay small integers (fast Map keys).
const MAX_VOCAB = 2 ** 21;
function pairCodec(size: number): { key: (a: number, b: number) => number; left: (k: number) => number; right: (k: number) => number } {
  const shift = size <= 2 ** 15 ? 2 ** 15 : MAX_VOCAB;
  return { key: (a, b) => a * shift + b, left: (k) => Math.floor(k / shift), right: (k) => k % shift };
}

/** Trains a byte-level BPE on `texts`; same input and options always give the same model. */
export function trainByteLevelBPE(texts: Iterable<string> | string[], opts: BPETrainOptions): BPEModel {
  const specials = [...new Set(opts.specialTokens ?? [])];
  const target = opts.vocabSize - specials.length;
  if (!Number.isInteger(opts.vocabSize) || target < 256) {
    throw new RangeError(`vocabSize must leave room for the 256 byte tokens (got ${opts.vocabSize})`);
  }
  if (target >= MAX_VOCAB) throw new RangeError(`vocabSize ${opts.vocabSize} is too large`);
  const { key: pairKey, left: pairLeft, right: pairRight } = pairCodec(target);
  const minFrequency = Math.max(1, opts.minFrequency ?? 1);
  const { byteToId, idToChar } = byteLevelAlphabet();

  // Words, sorted so that the order of the input never matters beyond the counts.
  const counted = [...countWords(texts, specials).entries()].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  const encoder = new TextEncoder();
  const words: number[][] = counted.map(([w]) => Array.from(encoder.encode(w), (b) => byteToId[b]));
  const freq: number[] = counted.map(([, c]) => c);

  const idToToken: string[] = idToChar.slice();
  const tokenToId = new Map<string, number>(idToToken.map((t, i) => [t, i]));
  const pairCounts = new Map<number, number>();
  const pairWords = new Map<number, Set<number>>();

  /** Adds `f` to the count of (x, y); a positive change also indexes word `w` under the pair. */
  const bump = (x: number, y: number, f: number, w: number, touched?: Set<number>): void => {
    const k = pairKey(x, y);
    const c = (pairCounts.get(k) ?? 0) + f;
    if (c === 0) pairCounts.delete(k);
    else pairCounts.set(k, c);
    if (f > 0) {
      let set = pairWords.get(k);
      if (!set) pairWords.set(k, (set = new Set()));
      set.add(w);
      touched?.add(k);
    }
  };
  for (let w = 0; w < words.length; w++) {
    const syms = words[w];
    for (let i = 0; i + 1 < syms.length; i++) bump(syms[i], syms[i + 1], freq[w], w);
  }

  /**
   * Merges every non-overlapping (a, b) of word `w`, left to right, into `id` and updates the
   * counts of the neighbouring pairs only: (left, a) → (left, id) and (b, right) → (id, right);
   * between two adjacent occurrences (b, a) → (id, id), counted once. False when the word no
   * longer holds the pair (a stale index entry).
   */
  const mergeWord = (w: number, a: number, b: number, id: number, touched: Set<number>): boolean => {
    const syms = words[w];
    const f = freq[w];
    const n = syms.length;
    let out = 0;
    let found = false;
    let prevEnd = -1; // where the previous occurrence ended, in the old word
    for (let i = 0; i < n; ) {
      if (i + 1 < n && syms[i] === a && syms[i + 1] === b) {
        found = true;
        if (i > 0) {
          if (i === prevEnd) bump(id, id, f, w, touched); // (b, a) was removed by the previous occurrence
          else {
            bump(syms[i - 1], a, -f, w);
            bump(syms[i - 1], id, f, w, touched);
          }
        }
        bump(a, b, -f, w);
        if (i + 2 < n) {
          const adjacent = i + 3 < n && syms[i + 2] === a && syms[i + 3] === b;
          bump(b, syms[i + 2], -f, w);
          if (!adjacent) bump(id, syms[i + 2], f, w, touched);
        }
        // syms[i - 1] was read above before this write: out <= i - 1 only ever lags behind i.
        syms[out++] = id;
        i += 2;
        prevEnd = i;
      } else {
        syms[out++] = syms[i++];
      }
    }
    syms.length = out;
    return found;
  };

  const heap = new PairHeap();
  for (const [k, c] of pairCounts) heap.push(c, k);

  const merges: [string, string][] = [];
  while (tokenToId.size < target && heap.size > 0) {
    const top = heap.pop();
    const current = pairCounts.get(top.key) ?? 0;
    if (current !== top.count) {
      // Counts of old pairs only ever fall, so a stale entry goes back with its true count.
      if (current > 0) heap.push(current, top.key);
      continue;
    }
    if (current < minFrequency) break;
    const a = pairLeft(top.key);
    const b = pairRight(top.key);
    const token = idToToken[a] + idToToken[b];
    let id = tokenToId.get(token);
    if (id === undefined) {
      id = idToToken.length;
      idToToken.push(token);
      tokenToId.set(token, id);
    }
    merges.push([idToToken[a], idToToken[b]]);

    const touched = new Set<number>();
    const holders = [...(pairWords.get(top.key) ?? [])].sort((x, y) => x - y);
    for (const w of holders) mergeWord(w, a, b, id, touched);
    pairCounts.delete(top.key);
    pairWords.delete(top.key);
    for (const k of touched) {
      if (pairLeft(k) === id || pairRight(k) === id) heap.push(pairCounts.get(k) ?? 0, k);
    }
    if (opts.onProgress && merges.length % 100 === 0) opts.onProgress(merges.length);
  }
  opts.onProgress?.(merges.length);

  const vocab: Record<string, number> = {};
  idToToken.forEach((t, i) => (vocab[t] = i));
  for (const s of specials) if (!(s in vocab)) vocab[s] = Object.keys(vocab).length;
  return { vocab, merges };
}

/**
 * The model that training with a smaller `vocabSize` gives: merges are learned greedily and the loop
 * does not look at the target, so a smaller vocabulary is a prefix of a larger one (the same
 * special tokens are then put after it). One training run thus serves several sizes.
 */
export function truncateBPE(model: BPEModel, vocabSize: number, specialTokens: readonly string[] = []): BPEModel {
  const specials = [...new Set(specialTokens)];
  const target = vocabSize - specials.length;
  if (!Number.isInteger(vocabSize) || target < 256) throw new RangeError(`vocabSize must leave room for the 256 byte tokens (got ${vocabSize})`);
  const learned = Object.keys(model.vocab).length - specials.filter((t) => t in model.vocab).length;
  if (target > learned) throw new RangeError(`cannot truncate a vocabulary of ${learned} learned tokens to ${target}`);
  const vocab: Record<string, number> = {};
  for (const [t, id] of Object.entries(model.vocab)) if (id < target && !specials.includes(t)) vocab[t] = id;
  let cut = model.merges.findIndex(([a, b]) => !(a + b in vocab));
  if (cut < 0) cut = model.merges.length;
  for (const t of specials) if (!(t in vocab)) vocab[t] = Object.keys(vocab).length;
  return { vocab, merges: model.merges.slice(0, cut) };
}

/** Max-heap of (count, pair); ties go to the smaller pair key (left id, then right id). */
class PairHeap {
  private counts: number[] = [];
  private keys: number[] = [];

  get size(): number {
    return this.counts.length;
  }

  private before(i: number, j: number): boolean {
    return this.counts[i] > this.counts[j] || (this.counts[i] === this.counts[j] && this.keys[i] < this.keys[j]);
  }

  private swap(i: number, j: number): void {
    [this.counts[i], this.counts[j]] = [this.counts[j], this.counts[i]];
    [this.keys[i], this.keys[j]] = [this.keys[j], this.keys[i]];
  }

  push(count: number, key: number): void {
    this.counts.push(count);
    this.keys.push(key);
    for (let i = this.counts.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): { count: number; key: number } {
    const top = { count: this.counts[0], key: this.keys[0] };
    const last = this.counts.length - 1;
    this.swap(0, last);
    this.counts.pop();
    this.keys.pop();
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < last && this.before(l, m)) m = l;
      if (r < last && this.before(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
    return top;
  }
}
