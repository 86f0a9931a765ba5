// The BPE model of a tokenizer.json, as Hugging Face's tokenizers (Rust) runs it: a word starts as
// its characters (or, for byte-level tokenizers, its UTF-8 bytes as GPT-2's byte symbols), with
// `continuing_subword_prefix` / `end_of_word_suffix`, `<0xNN>` tokens for characters outside the
// vocabulary when `byte_fallback` is on, else the unknown token (`fuse_unk` joins runs of them);
// then merges apply lowest rank first, leftmost first among equals. `ignore_merges` (Llama 3) takes
// a word that is already a token whole. Each token keeps the UTF-16 span of the word it covers.

import { EngineError } from '../errors';
import { BYTE_TO_CHAR, PairHeap, utf8WithOffsets } from '../byteLevel';
import { codePoints } from './normalized';

export interface BpeOptions {
  vocab: Map<string, number>;
  /** Pairs of token strings, rank order. */
  merges: [string, string][];
  byteLevel: boolean;
  unkToken?: string;
  fuseUnk: boolean;
  byteFallback: boolean;
  continuingSubwordPrefix: string;
  endOfWordSuffix: string;
  ignoreMerges: boolean;
  file: string;
}

const CACHE_LIMIT = 100_000;
const HEX = (b: number): string => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;

/** Word → [id, start, end] triples (UTF-16 units of the word), flattened. */
export class BpeModel {
  private readonly vocab: Map<string, number>;
  /** (left id, right id) → merge rank, which indexes `merged`. */
  private readonly pairIndex: PairTable;
  private readonly merged: Int32Array;
  private readonly unkId?: number;
  private readonly byteIds?: Int32Array;
  private readonly cache = new Map<string, Int32Array>();

  constructor(private readonly o: BpeOptions) {
    const bad = (msg: string): EngineError => new EngineError('BAD_TOKENIZER', msg, o.file);
    this.vocab = o.vocab;
    this.pairIndex = new PairTable(o.merges.length);
    this.merged = new Int32Array(o.merges.length);
    const pre = o.continuingSubwordPrefix;
    for (let r = 0; r < o.merges.length; r++) {
      const [a, b] = o.merges[r];
      const joined = a + (pre !== '' && b.startsWith(pre) ? b.slice(pre.length) : b);
      const ia = o.vocab.get(a);
      const ib = o.vocab.get(b);
      const im = o.vocab.get(joined);
      if (ia === undefined || ib === undefined || im === undefined) {
        const sym = ia === undefined ? a : ib === undefined ? b : joined;
        throw bad(`merge ${r + 1} ("${a} ${b}") names "${sym}", which is not in the vocabulary`);
      }
      if (this.pairIndex.get(ia, ib) !== undefined) continue; // the first rank of a repeated pair wins
      this.pairIndex.set(ia, ib, r);
      this.merged[r] = im;
    }
    if (o.unkToken !== undefined) {
      this.unkId = o.vocab.get(o.unkToken);
      if (this.unkId === undefined) throw bad(`the unknown token "${o.unkToken}" is not in the vocabulary`);
    }
    if (o.byteLevel) {
      this.byteIds = new Int32Array(256);
      for (let b = 0; b < 256; b++) {
        const id = o.vocab.get(BYTE_TO_CHAR[b]);
        if (id === undefined && o.unkToken === undefined) {
          throw bad(`the vocabulary lacks "${BYTE_TO_CHAR[b]}", the byte-level symbol for byte 0x${b.toString(16)}`);
        }
        this.byteIds[b] = id ?? (this.unkId as number);
      }
    }
  }

  /** The tokens of one pre-token word as [id, start, end] triples; cached. */
  tokenize(word: string): Int32Array {
    const hit = this.cache.get(word);
    if (hit) return hit;
    const out = this.run(word);
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(word, out);
    return out;
  }

  private run(word: string): Int32Array {
    const o = this.o;
    if (o.ignoreMerges) {
      const whole = o.byteLevel ? utf8WithOffsets(word).bytes.map((b) => BYTE_TO_CHAR[b]).join('') : word;
      const id = this.vocab.get(whole);
      if (id !== undefined) return Int32Array.of(id, 0, word.length);
    }
    const ids: number[] = [];
    const starts: number[] = [];
    const ends: number[] = [];
    if (o.byteLevel) this.byteSymbols(word, ids, starts, ends);
    else this.charSymbols(word, ids, starts, ends);
    this.mergeAll(ids, starts, ends);
    const out = new Int32Array(ids.length * 3);
    ids.forEach((id, i) => out.set([id, starts[i], ends[i]], i * 3));
    return out;
  }

  private byteSymbols(word: string, ids: number[], starts: number[], ends: number[]): void {
    const { bytes, charStart, charEnd } = utf8WithOffsets(word);
    const { continuingSubwordPrefix: pre, endOfWordSuffix: suf } = this.o;
    bytes.forEach((b, i) => {
      let id = (this.byteIds as Int32Array)[b];
      if (pre !== '' || suf !== '') {
        let s = BYTE_TO_CHAR[b];
        if (i > 0) s = pre + s;
        if (i === bytes.length - 1) s += suf;
        id = this.vocab.get(s) ?? (this.unkId as number);
      }
      ids.push(id);
      starts.push(charStart[i]);
      ends.push(charEnd[i]);
    });
  }

  private charSymbols(word: string, ids: number[], starts: number[], ends: number[]): void {
    const { continuingSubwordPrefix: pre, endOfWordSuffix: suf, byteFallback, fuseUnk } = this.o;
    const cps = codePoints(word);
    let unk: [number, number] | undefined; // pending unknown span
    const flushUnk = (): void => {
      if (unk === undefined) return;
      ids.push(this.unkId as number);
      starts.push(unk[0]);
      ends.push(unk[1]);
      unk = undefined;
    };
    cps.forEach(({ a, b }, i) => {
      let s = word.slice(a, b);
      if (i > 0) s = pre + s;
      if (i === cps.length - 1) s += suf;
      const id = this.vocab.get(s);
      if (id !== undefined) {
        flushUnk();
        ids.push(id);
        starts.push(a);
        ends.push(b);
        return;
      }
      if (byteFallback) {
        const byteIds = [...new TextEncoder().encode(s)].map((x) => this.vocab.get(HEX(x)));
        if (byteIds.every((x) => x !== undefined)) {
          flushUnk();
          for (const x of byteIds) {
            ids.push(x as number);
            starts.push(a);
            ends.push(b);
          }
          return;
        }
      }
      if (this.unkId === undefined) return; // no unknown token: the character is dropped, as in tokenizers
      if (unk !== undefined && fuseUnk) unk[1] = b;
      else {
        flushUnk();
        unk = [a, b];
      }
    });
    flushUnk();
  }

  /** Merges in place, lowest rank first, leftmost first among equal ranks. */
  private mergeAll(ids: number[], starts: number[], ends: number[]): void {
    const n = ids.length;
    if (n < 2) return;
    const next = new Int32Array(n);
    const prev = new Int32Array(n);
    const alive = new Uint8Array(n).fill(1);
    for (let i = 0; i < n; i++) {
      next[i] = i + 1 < n ? i + 1 : -1;
      prev[i] = i - 1;
    }
    const heap = new PairHeap();
    const pairOf = (left: number): number | undefined => {
      const right = next[left];
      if (left < 0 || right < 0) return undefined;
      return this.pairIndex.get(ids[left], ids[right]);
    };
    const push = (left: number): void => {
      const r = pairOf(left);
      if (r !== undefined) heap.push(r, left, next[left]);
    };
    for (let i = 0; i + 1 < n; i++) push(i);
    while (heap.size > 0) {
      const { rank, left, right } = heap.pop();
      if (!alive[left] || next[left] !== right || pairOf(left) !== rank) continue; // stale
      ids[left] = this.merged[rank];
      ends[left] = Math.max(ends[left], ends[right]);
      alive[right] = 0;
      const after = next[right];
      next[left] = after;
      if (after >= 0) prev[after] = left;
      push(prev[left]);
      push(left);
    }
    let w = 0;
    for (let i = 0; i >= 0; i = next[i]) {
      ids[w] = ids[i];
      starts[w] = starts[i];
      ends[w] = ends[i];
      w++;
    }
    ids.length = starts.length = ends.length = w;
  }
}

/** An open-addressing hash table from a pair of ids to a rank (ids and ranks < 2³¹), in typed arrays. */
class PairTable {
  private readonly mask: number;
  private readonly lefts: Int32Array;
  private readonly rights: Int32Array;
  private readonly values: Int32Array;

  constructor(n: number) {
    let cap = 16;
    while (cap < n * 2) cap *= 2;
    this.mask = cap - 1;
    this.lefts = new Int32Array(cap).fill(-1);
    this.rights = new Int32Array(cap);
    this.values = new Int32Array(cap);
  }

  private slot(a: number, b: number): number {
    let i = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca6b)) & this.mask;
    while (this.lefts[i] !== -1 && (this.lefts[i] !== a || this.rights[i] !== b)) i = (i + 1) & this.mask;
    return i;
  }

  get(a: number, b: number): number | undefined {
    const i = this.slot(a, b);
    return this.lefts[i] === -1 ? undefined : this.values[i];
  }

  set(a: number, b: number, v: number): void {
    const i = this.slot(a, b);
    this.lefts[i] = a;
    this.rights[i] = b;
    this.values[i] = v;
  }
}
