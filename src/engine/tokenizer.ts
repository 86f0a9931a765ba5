// GPT-2's byte-level BPE tokenizer, written out so it can show its work (karpathy/minGPT bpe.py):
// every token carries its UTF-16 offsets into the ORIGINAL string, and `explain` lists the merges.
//
// Why not @huggingface/tokenizers (tokenizers.js)? Its `encode()` returns
// `{ ids, tokens, attention_mask, token_type_ids? }` (src/static/types.ts `Encoding` on main, up to
// v0.1.3): no offsets, so we could not map a token back to the characters it covers, which is what
// the attention view draws. Offset tracking exists only in an unmerged pull-request commit
// ("Add offset tracking to Encoding", 142c63d) that counts byte-level characters, which are not
// UTF-16 offsets once a character takes more than one byte. It is also one more dependency to ship.

import { EngineError } from './errors';
import type { Tokenizer } from './types';
import { BYTE_TO_CHAR, CHAR_TO_BYTE, bpeMerge, decodeUtf8, utf8WithOffsets } from './byteLevel';
import { SpecialSplitter, preTokenize } from './pretokenize';
import { readModelDir, readTokenizerJson, readVocabAndMerges, type TokenizerSource } from './tokenizerFiles';
import type { Token } from '../shared/token';
import { bytesField } from '../shared/utf8Units';

/** One BPE token of a word, with UTF-16 offsets relative to the word's start. */
interface WordPiece {
  id: number;
  start: number;
  end: number;
}

const WORD_CACHE_LIMIT = 100_000;
const ENDOFTEXT = '<|endoftext|>';

export class ByteLevelBPETokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly bosTokenId?: number;
  readonly eosTokenId?: number;

  private readonly tokenToIdMap: Map<string, number>;
  private readonly idToTokenArr: (string | undefined)[];
  private readonly addedById: Map<number, string>;
  /** Merge rank keyed by `${a}\n${b}`: byte-level symbols never hold a raw "\n" (it is "Ċ"). */
  private readonly ranks: Map<string, number>;
  private readonly splitter: SpecialSplitter;
  private readonly wordCache = new Map<string, WordPiece[]>();
  private readonly textCache: (string | undefined)[] = [];
  /** Token.bytes per id ('' for a token whose text holds its bytes). */
  private readonly bytesFieldCache: (string | undefined)[] = [];
  private readonly bytesCache: (Uint8Array | undefined)[] = [];

  private constructor(src: TokenizerSource) {
    const v = validate(src);
    this.tokenToIdMap = v.tokenToId;
    this.idToTokenArr = v.idToToken;
    this.addedById = v.addedById;
    this.ranks = v.ranks;
    this.vocabSize = v.idToToken.length;
    this.eosTokenId = v.eosTokenId;
    this.bosTokenId = v.bosTokenId;
    const specials = [...v.addedById].map(([id, content]) => ({ id, content }));
    for (const id of [v.eosTokenId, v.bosTokenId]) {
      if (id !== undefined && !v.addedById.has(id)) specials.push({ id, content: v.idToToken[id] ?? '' });
    }
    this.splitter = new SpecialSplitter(specials, src.file);
  }

  /** From an in-memory vocabulary and rank-ordered merges (byte-level symbols, e.g. "Ġ", "t"). */
  static fromData(
    vocab: Record<string, number>,
    merges: [string, string][],
    opts: { addedTokens?: { id: number; content: string }[]; eosToken?: string; bosToken?: string } = {},
  ): ByteLevelBPETokenizer {
    return new ByteLevelBPETokenizer({
      vocab,
      merges,
      addedTokens: opts.addedTokens ?? [],
      eos: opts.eosToken,
      bos: opts.bosToken,
      file: 'tokenizer data',
    });
  }

  /** From GPT-2's `vocab.json` and `merges.txt` (a first `#version` line is skipped). */
  static fromFiles(
    vocabJsonPath: string,
    mergesTxtPath: string,
    special: { eosToken?: string; bosToken?: string } = {},
  ): ByteLevelBPETokenizer {
    const src = readVocabAndMerges(vocabJsonPath, mergesTxtPath);
    return new ByteLevelBPETokenizer({ ...src, eos: special.eosToken ?? src.eos, bos: special.bosToken ?? src.bos });
  }

  /** From a Hugging Face `tokenizer.json` whose model is a byte-level BPE. */
  static fromTokenizerJson(tokenizerJsonPath: string): ByteLevelBPETokenizer {
    return new ByteLevelBPETokenizer(readTokenizerJson(tokenizerJsonPath));
  }

  /** From a model folder: tokenizer.json if present, else vocab.json + merges.txt; EOS/BOS from its configs. */
  static fromModelDir(dir: string): ByteLevelBPETokenizer {
    return new ByteLevelBPETokenizer(readModelDir(dir));
  }

  encode(text: string): Token[] {
    const out: Token[] = [];
    for (const piece of this.splitter.split(text)) {
      if (piece.special !== undefined) {
        out.push({ id: piece.special, text: piece.text, start: piece.start, end: piece.end });
        continue;
      }
      for (const w of preTokenize(piece.text, piece.start)) {
        for (const p of this.word(w.text)) {
          out.push(this.token(p.id, w.start + p.start, w.start + p.end));
        }
      }
    }
    return out;
  }

  encodeIds(text: string): number[] {
    const ids: number[] = [];
    for (const piece of this.splitter.split(text)) {
      if (piece.special !== undefined) ids.push(piece.special);
      else for (const w of preTokenize(piece.text)) for (const p of this.word(w.text)) ids.push(p.id);
    }
    return ids;
  }

  decode(ids: readonly number[]): string {
    const parts: Uint8Array[] = [];
    let total = 0;
    for (const id of ids) {
      const b = this.tokenBytes(id);
      parts.push(b);
      total += b.length;
    }
    const all = new Uint8Array(total);
    let at = 0;
    for (const b of parts) {
      all.set(b, at);
      at += b.length;
    }
    return decodeUtf8(all);
  }

  idToToken(id: number): string | undefined {
    return this.idToTokenArr[id];
  }

  tokenToId(token: string): number | undefined {
    return this.tokenToIdMap.get(token);
  }

  /**
   * How BPE builds the tokens of one pre-token word: the byte-level symbols first, then the parts
   * after each merge, e.g. "lower" → [l,o,w,e,r], [lo,w,e,r], [low,e,r], [low,er], [lower] (as ranked).
   */
  explain(word: string): string[][] {
    const symbols = utf8WithOffsets(word).bytes.map((b) => BYTE_TO_CHAR[b]);
    const steps: string[][] = [symbols];
    bpeMerge(symbols, this.rankOf, (parts) => steps.push(parts));
    return steps;
  }

  private readonly rankOf = (a: string, b: string): number | undefined => this.ranks.get(`${a}\n${b}`);

  /** BPE of one pre-token word, cached: the editor re-encodes the same words over and over. */
  private word(text: string): WordPiece[] {
    const hit = this.wordCache.get(text);
    if (hit) return hit;
    const { bytes, charStart, charEnd } = utf8WithOffsets(text);
    const merged = bpeMerge(
      bytes.map((b) => BYTE_TO_CHAR[b]),
      this.rankOf,
    );
    const pieces: WordPiece[] = [];
    let b = 0;
    for (const sym of merged) {
      const id = this.tokenToIdMap.get(sym);
      if (id === undefined) throw new EngineError('INTERNAL', `BPE produced "${sym}", which has no id`);
      // One byte-level character per byte; a token that cuts a character gets the whole character.
      pieces.push({ id, start: charStart[b], end: charEnd[b + sym.length - 1] });
      b += sym.length;
    }
    if (this.wordCache.size >= WORD_CACHE_LIMIT) this.wordCache.clear();
    this.wordCache.set(text, pieces);
    return pieces;
  }

  tokenBytes(id: number): Uint8Array {
    const hit = this.bytesCache[id];
    if (hit) return hit;
    const added = this.addedById.get(id);
    const tok = this.idToTokenArr[id];
    if (tok === undefined || !Number.isInteger(id)) {
      throw new EngineError('BAD_ARGUMENT', `token id ${id} is not in the vocabulary (size ${this.vocabSize})`);
    }
    let bytes: Uint8Array;
    if (added !== undefined) bytes = new TextEncoder().encode(added);
    else {
      const out: number[] = [];
      for (const c of tok) {
        const byte = CHAR_TO_BYTE.get(c);
        if (byte !== undefined) out.push(byte);
        else out.push(...new TextEncoder().encode(c)); // not a byte-level symbol: take it literally
      }
      bytes = Uint8Array.from(out);
    }
    this.bytesCache[id] = bytes;
    return bytes;
  }

  /** The added tokens (<|endoftext|> …), BOS and EOS. */
  specialIds(): number[] {
    const ids = new Set(this.addedById.keys());
    for (const id of [this.bosTokenId, this.eosTokenId]) if (id !== undefined) ids.add(id);
    return [...ids].sort((a, b) => a - b);
  }

  private tokenText(id: number): string {
    let t = this.textCache[id];
    if (t === undefined) {
      t = this.addedById.get(id) ?? decodeUtf8(this.tokenBytes(id));
      this.textCache[id] = t;
    }
    return t;
  }

  /** The token `id` at [start, end), with its bytes where its text cannot hold them. */
  private token(id: number, start: number, end: number): Token {
    let bytes = this.bytesFieldCache[id];
    if (bytes === undefined) {
      bytes = (this.addedById.has(id) ? undefined : bytesField(this.tokenBytes(id))) ?? '';
      this.bytesFieldCache[id] = bytes;
    }
    return bytes === '' ? { id, text: this.tokenText(id), start, end } : { id, text: this.tokenText(id), start, end, bytes };
  }
}

interface Validated {
  tokenToId: Map<string, number>;
  idToToken: (string | undefined)[];
  addedById: Map<number, string>;
  ranks: Map<string, number>;
  eosTokenId?: number;
  bosTokenId?: number;
}

const MAX_ID = 0x7fffffff;

/** Checks a vocabulary + merges and builds the lookup tables; every problem names the file. */
function validate(src: TokenizerSource): Validated {
  const bad = (msg: string): EngineError => new EngineError('BAD_TOKENIZER', msg, src.vocabFile ?? src.file);
  const { vocab } = src;
  if (typeof vocab !== 'object' || vocab === null || Array.isArray(vocab)) {
    throw bad('the vocabulary is not an object mapping token strings to ids');
  }
  const tokenToId = new Map<string, number>();
  const idToToken: (string | undefined)[] = [];
  const assign = (token: string, id: unknown, what: string): void => {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > MAX_ID) {
      throw bad(`${what} "${token}" has id ${JSON.stringify(id)}, which is out of range (ids are integers ≥ 0)`);
    }
    const other = idToToken[id];
    if (other !== undefined && other !== token) {
      throw bad(`id ${id} is duplicated: it is given to both "${other}" and "${token}"`);
    }
    const had = tokenToId.get(token);
    if (had !== undefined && had !== id) throw bad(`${what} "${token}" has id ${id} but the vocabulary gives it ${had}`);
    tokenToId.set(token, id);
    idToToken[id] = token;
  };
  for (const [token, id] of Object.entries(vocab)) assign(token, id, 'token');
  if (tokenToId.size === 0) throw bad('the vocabulary is empty');
  const addedById = new Map<number, string>();
  for (const t of src.addedTokens) {
    if (typeof t?.content !== 'string') throw bad(`an added token has no "content" string: ${JSON.stringify(t)}`);
    assign(t.content, t.id, 'added token');
    addedById.set(t.id, t.content);
  }
  for (let b = 0; b < 256; b++) {
    if (!tokenToId.has(BYTE_TO_CHAR[b])) {
      throw bad(`the vocabulary lacks "${BYTE_TO_CHAR[b]}", the byte-level symbol for byte 0x${b.toString(16)}; is this a byte-level BPE?`);
    }
  }
  const ranks = new Map<string, number>();
  const mergeName = (rank: number): string =>
    src.mergeLines ? `line ${src.mergeLines[rank]}` : `merge ${rank + 1}`;
  const mergeBad = (msg: string): EngineError => new EngineError('BAD_TOKENIZER', msg, src.mergesFile ?? src.file);
  src.merges.forEach((pair, rank) => {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
      throw mergeBad(`${mergeName(rank)} is not a pair of two symbols: ${JSON.stringify(pair)}`);
    }
    for (const sym of [pair[0], pair[1], pair[0] + pair[1]]) {
      if (!tokenToId.has(sym)) {
        throw mergeBad(`${mergeName(rank)} ("${pair[0]} ${pair[1]}") names "${sym}", which is not in the vocabulary`);
      }
    }
    const key = `${pair[0]}\n${pair[1]}`;
    if (!ranks.has(key)) ranks.set(key, rank);
  });
  const resolve = (token: string | number | undefined, what: 'EOS' | 'BOS', file?: string): number | undefined => {
    if (token === undefined) return tokenToId.get(ENDOFTEXT);
    const id = typeof token === 'number' ? token : tokenToId.get(token);
    if (id === undefined || idToToken[id] === undefined) {
      throw new EngineError('BAD_TOKENIZER', `the ${what} token ${JSON.stringify(token)} is not in the vocabulary`, file ?? src.file);
    }
    return id;
  };
  return { tokenToId, idToToken, addedById, ranks, eosTokenId: resolve(src.eos, 'EOS', src.eosFile),
    bosTokenId: resolve(src.bos, 'BOS', src.bosFile),
  };
}
