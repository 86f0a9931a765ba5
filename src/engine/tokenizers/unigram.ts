// The Unigram model (SentencePiece's, as a tokenizer.json `"type": "Unigram"` holds it, and as
// Marian's source.spm / target.spm hold it): a word is cut into the pieces whose summed scores
// (log-probabilities) are highest, by Viterbi over its characters, as tokenizers' (Rust)
// Unigram::encode does: pieces ending at a character are tried from the earliest start, a later
// candidate replaces the best only when strictly better; a character no piece covers is the unknown
// token with score min(score) − 10; runs of unknown tokens are fused into one; with byte_fallback
// an unknown character becomes its UTF-8 bytes as <0xNN> tokens. Each token keeps its UTF-16 span.
import { EngineError } from '../errors';
import { utf8WithOffsets } from '../byteLevel';
import { codePoints } from './normalized';

export interface UnigramOptions {
  /** [piece, score] in id order. */
  pieces: [string, number][];
  unkId?: number;
  byteFallback: boolean;
  /** Ids never matched in text (SentencePiece's control and unused pieces). */
  unmatchable?: Set<number>;
  file: string;
}

const UNK_PENALTY = 10;
const CACHE_LIMIT = 100_000;
const HEX = (b: number): string => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;

/** A trie node over the pieces' characters. */
interface TrieNode {
  next: Map<number, TrieNode>;
  id: number; // −1: no piece ends here
}

export class UnigramModel {
  private readonly root: TrieNode = { next: new Map(), id: -1 };
  private readonly scores: Float64Array;
  private readonly unkScore: number;
  private readonly byteIds?: Int32Array;
  private readonly cache = new Map<string, Int32Array>();

  constructor(private readonly o: UnigramOptions) {
    const bad = (msg: string): EngineError => new EngineError('BAD_TOKENIZER', msg, o.file);
    this.scores = new Float64Array(o.pieces.length);
    let min = Infinity;
    o.pieces.forEach(([piece, score], id) => {
      if (typeof piece !== 'string' || typeof score !== 'number' || !Number.isFinite(score)) throw bad(`unigram piece ${id} is not a [string, finite score] pair`);
      this.scores[id] = score;
      if (score < min) min = score;
      if (o.unmatchable?.has(id) || piece === '') return;
      let node = this.root;
      for (const { cp } of codePoints(piece)) {
        let n = node.next.get(cp);
        if (!n) node.next.set(cp, (n = { next: new Map(), id: -1 }));
        node = n;
      }
      if (node.id < 0) node.id = id; // a repeated piece keeps its first id
    });
    this.unkScore = (o.pieces.length ? min : 0) - UNK_PENALTY;
    if (o.unkId !== undefined && (o.unkId < 0 || o.unkId >= o.pieces.length)) throw bad(`unk_id ${o.unkId} is outside the vocabulary (${o.pieces.length} pieces)`);
    if (o.byteFallback) {
      const ids = new Map(o.pieces.map(([p], id) => [p, id]));
      this.byteIds = new Int32Array(256);
      for (let b = 0; b < 256; b++) {
        const id = ids.get(HEX(b));
        if (id === undefined) throw bad(`byte_fallback is on but the vocabulary lacks ${HEX(b)}`);
        this.byteIds[b] = id;
      }
    }
  }

  /** The tokens of one pre-token word as [id, start, end] triples (UTF-16 units of the word); cached. */
  tokenize(word: string): Int32Array {
    const hit = this.cache.get(word);
    if (hit) return hit;
    const out = this.run(word);
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(word, out);
    return out;
  }

  private run(word: string): Int32Array {
    const chars = codePoints(word);
    const n = chars.length;
    const best = new Float64Array(n + 1).fill(-Infinity); // best score of a path ending at char i
    const from = new Int32Array(n + 1).fill(-1); // where the last piece of that path starts
    const via = new Int32Array(n + 1).fill(-1); // its id (−1: the unknown token)
    best[0] = 0;
    for (let start = 0; start < n; start++) {
      if (best[start] === -Infinity) continue;
      let node: TrieNode | undefined = this.root;
      let single = false;
      for (let end = start; end < n && node; end++) {
        node = node.next.get(chars[end].cp);
        if (!node || node.id < 0) continue;
        if (end === start) single = true;
        const s = best[start] + this.scores[node.id];
        if (from[end + 1] < 0 || s > best[end + 1]) {
          best[end + 1] = s;
          from[end + 1] = start;
          via[end + 1] = node.id;
        }
      }
      if (!single) {
        const s = best[start] + this.unkScore;
        if (from[start + 1] < 0 || s > best[start + 1]) {
          best[start + 1] = s;
          from[start + 1] = start;
          via[start + 1] = -1;
        }
      }
    }
    // back from the end: pieces in reverse
    const pieces: { id: number; a: number; b: number }[] = [];
    for (let end = n; end > 0; end = from[end]) pieces.push({ id: via[end], a: from[end], b: end });
    pieces.reverse();
    const out: number[] = [];
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i];
      if (p.id >= 0) {
        out.push(p.id, chars[p.a].a, chars[p.b - 1].b);
        continue;
      }
      let j = i; // fuse a run of unknown characters
      while (j + 1 < pieces.length && pieces[j + 1].id < 0) j++;
      const a = chars[p.a].a;
      const b = chars[pieces[j].b - 1].b;
      if (this.byteIds) {
        const { bytes, charStart, charEnd } = utf8WithOffsets(word.slice(a, b));
        bytes.forEach((byte, k) => out.push(this.byteIds![byte], a + charStart[k], a + charEnd[k]));
      } else {
        if (this.o.unkId === undefined) throw new EngineError('BAD_ARGUMENT', `${this.o.file}: "${word.slice(a, b)}" has no piece and the tokenizer has no unknown token`);
        out.push(this.o.unkId, a, b);
      }
      i = j;
    }
    return Int32Array.from(out);
  }
}
