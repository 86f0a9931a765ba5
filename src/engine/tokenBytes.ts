// The bytes of tokens whose texts cannot hold them (part of a character: Token.bytes,
// TopPredictions.bytes), added to what the session hands out so every view can label them
// (shared/tokenLabels.ts).
import type { Tokenizer } from './types';
import type { Token } from '../shared/token';
import type { TopPredictions } from '../shared/sessionTypes';
import { bytesField } from '../shared/utf8Units';

/** `t` as a fresh Token, its bytes taken from its id (a token given from outside may lack them). */
export function tokenWithBytes(tokenizer: Tokenizer, t: Token): Token {
  const bytes = bytesField(tokenizer.tokenBytes(t.id));
  const { id, text, start, end } = t;
  return bytes === undefined ? { id, text, start, end } : { id, text, start, end, bytes };
}

/** `p` with the bytes of the entries whose texts cannot hold them; `p` itself when every text does. */
export function predictionsWithBytes(tokenizer: Tokenizer, p: TopPredictions): TopPredictions {
  const bytes = p.ids.map((id) => bytesField(tokenizer.tokenBytes(id)) ?? '');
  return bytes.some((b) => b !== '') ? { ...p, bytes } : p;
}
