// A Hugging Face tokenizer.json run as tokenizers (Rust) runs it — added tokens, normalizer,
// pre-tokenizer, BPE model, post-processor template, decoder — keeping every token's UTF-16 span in
// the user's text. It covers Llama 3, Qwen2/3, SmolLM2 (byte-level BPE with Split patterns),
// TinyLlama / Llama 2 / Mistral (SentencePiece-style BPE with byte fallback) and GPT-1.
//
// Why not @huggingface/tokenizers (0.2.0, a devDependency used as the reference in our tests)? Its
// `encode()` returns `{ ids, tokens, attention_mask }` with no offsets, and the editor highlights
// and the attention view need each token's characters in the user's text. It does run on Node 20
// (it rewrites `(?i:…)` itself); we compare our ids and decoding with it on a table of hard texts
// and on real vocabularies (test/unit/hfTokenizer.test.ts).

import { EngineError } from '../errors';
import type { Tokenizer } from '../types';
import type { Token } from '../../shared/token';
import { bytesField } from '../../shared/utf8Units';
import { AddedTokenMatcher, type AddedToken, type Piece } from './addedTokens';
import { BpeModel } from './bpe';
import { UnigramModel, type UnigramOptions } from './unigram';
import { Decoder } from './decoders';
import { identity, spanOf, type Normalized } from './normalized';
import { buildNormalizer, type Normalizer } from './normalizers';
import { buildPreTokenizer, type PreTokenizerSpec } from './preTokenizers';
import { buildTemplate, type Template } from './postProcessors';

/** Everything a tokenizer is built from, as read from tokenizer.json (or GPT-1's files) and the configs. */
export interface HfTokenizerSpec {
  file: string;
  vocab: Map<string, number>;
  merges: [string, string][];
  unkToken?: string;
  fuseUnk: boolean;
  byteFallback: boolean;
  continuingSubwordPrefix: string;
  endOfWordSuffix: string;
  ignoreMerges: boolean;
  /** A Unigram model (T5, Marian's SentencePiece) instead of BPE: then vocab is built from its pieces and merges is empty. */
  unigram?: Omit<UnigramOptions, 'file'>;
  added: AddedToken[];
  normalizer: unknown;
  preTokenizer: unknown;
  postProcessor: unknown;
  decoder: unknown;
  bosTokenId?: number;
  eosTokenId?: number;
  /** tokenizer_config.json's add_bos_token / add_eos_token, when given. */
  addBos?: boolean;
  addEos?: boolean;
}

const lossy = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

export class HfTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly bosTokenId?: number;
  readonly eosTokenId?: number;
  /** The ids the post-processor puts before and after the text's own tokens. */
  readonly template: Template;

  private readonly idToTokenArr: (string | undefined)[] = [];
  private readonly addedById = new Map<number, AddedToken>();
  private readonly rawMatcher: AddedTokenMatcher;
  private readonly normMatcher: AddedTokenMatcher;
  private readonly normalizer?: Normalizer;
  private readonly pre: PreTokenizerSpec;
  private readonly model: Pick<BpeModel, 'tokenize'>;
  private readonly decoder: Decoder;
  private readonly bytesCache: (Uint8Array | undefined)[] = [];
  private readonly textCache: (string | undefined)[] = [];
  /** Token.bytes per id ('' for a token whose text holds its bytes). */
  private readonly bytesFieldCache: (string | undefined)[] = [];

  constructor(spec: HfTokenizerSpec) {
    const { file } = spec;
    for (const [tok, id] of spec.vocab) this.idToTokenArr[id] = tok;
    for (const t of spec.added) {
      this.idToTokenArr[t.id] = t.content;
      this.addedById.set(t.id, t);
    }
    this.vocabSize = this.idToTokenArr.length;
    this.bosTokenId = spec.bosTokenId;
    this.eosTokenId = spec.eosTokenId;
    this.normalizer = buildNormalizer(spec.normalizer, file);
    this.pre = buildPreTokenizer(spec.preTokenizer, file);
    this.decoder = new Decoder(spec.decoder, file);
    this.model = spec.unigram ? new UnigramModel({ ...spec.unigram, file }) : new BpeModel({ ...spec, byteLevel: this.pre.byteLevel });
    this.rawMatcher = new AddedTokenMatcher(spec.added.filter((t) => !t.normalized), file);
    const norm = this.normalizer;
    this.normMatcher = new AddedTokenMatcher(
      spec.added.filter((t) => t.normalized),
      file,
      (t) => (norm ? norm(identity(t.content, 0)).text : t.content),
    );
    const idOf = (s: string): number | undefined => spec.vocab.get(s) ?? spec.added.find((t) => t.content === s)?.id;
    this.template = buildTemplate(spec.postProcessor, file, idOf, {
      addBos: spec.addBos,
      addEos: spec.addEos,
      bosId: spec.bosTokenId,
      eosId: spec.eosTokenId,
    });
    for (const id of [...this.template.prefix, ...this.template.suffix]) {
      if (this.idToTokenArr[id] === undefined) throw new EngineError('BAD_TOKENIZER', `the post_processor adds id ${id}, which is not in the vocabulary`, file);
    }
  }

  /** The text's pieces: added tokens, and normalized text still to pre-tokenize. */
  private pieces(text: string): Piece[] {
    const out: Piece[] = [];
    for (const p of this.rawMatcher.split(identity(text, 0))) {
      if (!('text' in p)) {
        out.push(p);
        continue;
      }
      const n = this.normalizer ? this.normalizer(p.text) : p.text;
      if (this.normMatcher.empty) out.push({ text: n });
      else out.push(...this.normMatcher.split(n));
    }
    return out;
  }

  /** Calls `emit(id, start, end)` for every token of `text`, template ids included. */
  private run(text: string, emit: (id: number, start: number, end: number) => void, addSpecialTokens = true): void {
    if (addSpecialTokens) for (const id of this.template.prefix) emit(id, 0, 0);
    for (const p of this.pieces(text)) {
      if (!('text' in p)) {
        emit(p.id, p.start, p.end);
        continue;
      }
      if (p.text.text.length === 0) continue;
      for (const w of this.pre.run([p.text])) this.word(w, emit);
    }
    if (addSpecialTokens) for (const id of this.template.suffix) emit(id, text.length, text.length);
  }

  private word(w: Normalized, emit: (id: number, start: number, end: number) => void): void {
    const t = this.model.tokenize(w.text);
    for (let i = 0; i < t.length; i += 3) {
      const [s, e] = spanOf(w, t[i + 1], t[i + 2]);
      emit(t[i], s, e);
    }
  }

  encode(text: string, opts: { addSpecialTokens?: boolean } = {}): Token[] {
    const out: Token[] = [];
    this.run(text, (id, start, end) => out.push(this.token(id, start, end)), opts.addSpecialTokens ?? true);
    return out;
  }

  encodeIds(text: string, opts: { addSpecialTokens?: boolean } = {}): number[] {
    const ids: number[] = [];
    this.run(text, (id) => ids.push(id), opts.addSpecialTokens ?? true);
    return ids;
  }

  /**
   * The text these ids add after whatever came before them: their tokenBytes joined, as UTF-8
   * (what generation streams). Special tokens appear as their content; no start-of-text rule applies.
   */
  decode(ids: readonly number[]): string {
    const parts = ids.map((id) => this.tokenBytes(id));
    const all = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    return lossy.decode(all);
  }

  /**
   * Hugging Face's `decode(ids, skip_special_tokens)`: the tokenizer.json decoder over the whole
   * list, dropping the space encoding added at the start. decodeText(encodeIds(t), true) === t
   * for texts without special-token strings, except where the normalizer loses information
   * (GPT-1 lower-cases).
   */
  decodeText(ids: readonly number[], opts: { skipSpecialTokens?: boolean } = {}): string {
    const tokens: string[] = [];
    for (const id of ids) {
      const tok = this.checkedToken(id);
      if (opts.skipSpecialTokens && this.addedById.get(id)?.special) continue;
      tokens.push(tok);
    }
    return this.decoder.decodeChain(tokens);
  }

  tokenBytes(id: number): Uint8Array {
    let b = this.bytesCache[id];
    if (b === undefined) {
      b = this.decoder.tokenBytes(this.checkedToken(id));
      this.bytesCache[id] = b;
    }
    return b;
  }

  idToToken(id: number): string | undefined {
    return this.idToTokenArr[id];
  }

  isSpecial(id: number): boolean {
    return this.addedById.get(id)?.special === true;
  }

  /** Every added token (special or not: chat markers are often added without the flag), BOS and EOS. */
  specialIds(): number[] {
    const ids = new Set(this.addedById.keys());
    for (const id of [this.bosTokenId, this.eosTokenId]) if (id !== undefined) ids.add(id);
    return [...ids].sort((a, b) => a - b);
  }

  private checkedToken(id: number): string {
    const tok = Number.isInteger(id) ? this.idToTokenArr[id] : undefined;
    if (tok === undefined) throw new EngineError('BAD_ARGUMENT', `token id ${id} is not in the vocabulary (size ${this.vocabSize})`);
    return tok;
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

  private tokenText(id: number): string {
    let t = this.textCache[id];
    if (t === undefined) {
      t = this.addedById.get(id)?.content ?? lossy.decode(this.tokenBytes(id));
      this.textCache[id] = t;
    }
    return t;
  }
}
