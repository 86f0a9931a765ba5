// The tokenizer of an encoder–decoder folder. T5: its tokenizer.json (a Unigram model, </s>
// appended by the template) through HfTokenizer. Marian: transformers' MarianTokenizer — the source
// text through source.spm (SentencePiece unigram), each piece's id looked up in vocab.json (a piece
// vocab.json lacks is <unk>), </s> appended; target ids back to pieces through vocab.json, joined
// and decoded as target.spm does (▁ → space, the leading one dropped). SentencePiece's normalizer
// here: nmt_nfkc by the rules tokenizer.json's Precompiled follows (normalizers.ts; the
// precompiled table is not read), extra whitespace removed, a dummy ▁ prefix, spaces escaped as ▁.
import * as fs from 'fs';
import * as path from 'path';
import { EngineError } from '../errors';
import { loadTokenizer } from '../loadTokenizer';
import { HfTokenizer } from '../tokenizers/hfTokenizer';
import { identity } from '../tokenizers/normalized';
import { buildNormalizer, type Normalizer } from '../tokenizers/normalizers';
import { UnigramModel } from '../tokenizers/unigram';
import type { EncDecConfig } from './encdecConfig';
import { PieceType, readSentencePieceModel, type SentencePieceModel } from './sentencePieceModel';

export interface EncDecTokenizer {
  /** Source text → ids (</s> at the end) and each token's text. */
  encode(text: string): { ids: number[]; tokens: string[] };
  /** Target ids → text, special tokens skipped. */
  decode(ids: readonly number[]): string;
  /** The token of an id as stored (▁ for a space). */
  tokenText(id: number): string;
}

const NMT_NFKC = buildNormalizer({ type: 'Precompiled' }, 'source.spm') as Normalizer;

class MarianTokenizer implements EncDecTokenizer {
  private readonly model: UnigramModel;
  private readonly idToPiece: string[] = [];
  private readonly special = new Set<string>(['</s>', '<unk>', '<pad>']);

  constructor(
    private readonly spm: SentencePieceModel,
    private readonly vocab: Map<string, number>,
    private readonly eos: number,
    private readonly unk: number,
    file: string,
  ) {
    const unmatchable = new Set<number>();
    spm.pieces.forEach((p, i) => {
      if (p.type === PieceType.Control || p.type === PieceType.Unused || p.type === PieceType.Unknown) unmatchable.add(i);
    });
    const unkId = spm.pieces.findIndex((p) => p.type === PieceType.Unknown);
    this.model = new UnigramModel({ pieces: spm.pieces.map((p) => [p.piece, p.score]), ...(unkId >= 0 ? { unkId } : {}), byteFallback: false, unmatchable, file });
    for (const [piece, id] of vocab) this.idToPiece[id] = piece;
  }

  private normalize(text: string): string {
    let t = this.spm.normalizerName.includes('nfkc') ? NMT_NFKC(identity(text, 0)).text : text;
    if (this.spm.removeExtraWhitespaces) t = t.replace(/\s+/g, ' ').trim();
    if (t === '') return '';
    if (this.spm.addDummyPrefix) t = ` ${t}`;
    return this.spm.escapeWhitespaces ? t.replace(/ /g, '\u2581') : t;
  }

  encode(text: string): { ids: number[]; tokens: string[] } {
    const norm = this.normalize(text);
    const t = this.model.tokenize(norm);
    const ids: number[] = [];
    const tokens: string[] = [];
    for (let i = 0; i < t.length; i += 3) {
      const piece = this.spm.pieces[t[i]].type === PieceType.Unknown ? '<unk>' : norm.slice(t[i + 1], t[i + 2]);
      ids.push(this.vocab.get(piece) ?? this.unk);
      tokens.push(piece);
    }
    ids.push(this.eos);
    tokens.push('</s>');
    return { ids, tokens };
  }

  decode(ids: readonly number[]): string {
    const text = ids.map((id) => this.idToPiece[id] ?? '').filter((p) => !this.special.has(p)).join('');
    return text.replace(/\u2581/g, ' ').replace(/^ /, '');
  }

  tokenText(id: number): string {
    return this.idToPiece[id] ?? '';
  }
}

function marianTokenizer(dir: string, config: EncDecConfig): EncDecTokenizer {
  const vocabFile = path.join(dir, 'vocab.json');
  if (!fs.existsSync(vocabFile)) throw new EngineError('FILE_NOT_FOUND', `${vocabFile}: a Marian model needs vocab.json beside source.spm`, vocabFile);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(vocabFile, 'utf8'));
  } catch (err) {
    throw new EngineError('BAD_JSON', `${vocabFile}: not valid JSON (${(err as Error).message})`, vocabFile);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new EngineError('BAD_TOKENIZER', `${vocabFile}: not an object mapping pieces to ids`, vocabFile);
  const vocab = new Map<string, number>();
  for (const [piece, id] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= config.vocabSize) {
      throw new EngineError('BAD_TOKENIZER', `${vocabFile}: "${piece}" has id ${JSON.stringify(id)}, outside the model's vocabulary (${config.vocabSize})`, vocabFile);
    }
    vocab.set(piece, id);
  }
  const unk = vocab.get('<unk>');
  if (unk === undefined) throw new EngineError('BAD_TOKENIZER', `${vocabFile}: has no "<unk>"`, vocabFile);
  return new MarianTokenizer(readSentencePieceModel(path.join(dir, 'source.spm')), vocab, config.eosTokenId, unk, path.join(dir, 'source.spm'));
}

function t5Tokenizer(dir: string): EncDecTokenizer {
  const tok = loadTokenizer(dir);
  return {
    encode: (text) => {
      const ids = tok.encodeIds(text);
      return { ids, tokens: ids.map((id) => tok.idToToken(id) ?? '') };
    },
    decode: (ids) => (tok instanceof HfTokenizer ? tok.decodeText(ids, { skipSpecialTokens: true }) : tok.decode(ids)),
    tokenText: (id) => tok.idToToken(id) ?? '',
  };
}

export function loadEncDecTokenizer(dir: string, config: EncDecConfig): EncDecTokenizer {
  return config.family === 'marian' ? marianTokenizer(dir, config) : t5Tokenizer(dir);
}
