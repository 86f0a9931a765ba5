// Reading an HfTokenizerSpec: from a tokenizer.json (BPE and Unigram models: WordPiece and
// WordLevel are refused with BAD_TOKENIZER), or from GPT-1's vocab.json + merges.txt, which
// transformers' OpenAIGPTTokenizer runs without ftfy/spaCy as BERT's basic clean-up (lower-case,
// accents stripped, split on whitespace and punctuation) then BPE with "</w>" word ends.

import { EngineError } from '../errors';
import { isObject, readJson, readVocabAndMerges, type SpecialTokenSettings } from '../tokenizerFiles';
import type { AddedToken } from './addedTokens';
import type { HfTokenizerSpec } from './hfTokenizer';

const MAX_ID = 0x7fffffff;
const ENDOFTEXT = '<|endoftext|>';

/** Vocabulary object → Map, checking ids (integers ≥ 0, no id given twice). */
export function vocabMap(vocab: unknown, file: string): Map<string, number> {
  const bad = (msg: string): EngineError => new EngineError('BAD_TOKENIZER', msg, file);
  if (!isObject(vocab)) throw bad('the vocabulary is not an object mapping token strings to ids');
  const map = new Map<string, number>();
  const seen: (string | undefined)[] = [];
  for (const tok in vocab) {
    const id = vocab[tok];
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > MAX_ID) {
      throw bad(`token "${tok}" has id ${JSON.stringify(id)}, which is out of range (ids are integers ≥ 0)`);
    }
    const other = seen[id];
    if (other !== undefined) throw bad(`id ${id} is duplicated: it is given to both "${other}" and "${tok}"`);
    seen[id] = tok;
    map.set(tok, id);
  }
  if (map.size === 0) throw bad('the vocabulary is empty');
  return map;
}

function mergePairs(merges: unknown, file: string): [string, string][] {
  const bad = (msg: string): EngineError => new EngineError('BAD_TOKENIZER', msg, file);
  if (!Array.isArray(merges)) throw bad('model.merges is not a list');
  const out: [string, string][] = new Array(merges.length);
  for (let i = 0; i < merges.length; i++) {
    const m: unknown = merges[i];
    if (typeof m === 'string') {
      const sp = m.indexOf(' ');
      if (sp > 0 && sp < m.length - 1 && m.indexOf(' ', sp + 1) < 0) {
        out[i] = [m.slice(0, sp), m.slice(sp + 1)];
        continue;
      }
    } else if (Array.isArray(m) && m.length === 2 && typeof m[0] === 'string' && typeof m[1] === 'string') {
      out[i] = m as [string, string];
      continue;
    }
    throw bad(`merge ${i + 1} is not a pair of two symbols: ${JSON.stringify(m)}`);
  }
  return out;
}

function addedTokens(list: unknown, vocab: Map<string, number>, file: string): AddedToken[] {
  const bad = (msg: string): EngineError => new EngineError('BAD_TOKENIZER', msg, file);
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw bad('added_tokens is not a list');
  return list.map((t: unknown) => {
    if (!isObject(t) || typeof t.content !== 'string') throw bad(`an added token has no "content" string: ${JSON.stringify(t)}`);
    const id = t.id;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > MAX_ID) throw bad(`added token "${t.content}" has id ${JSON.stringify(id)}, which is out of range`);
    const had = vocab.get(t.content);
    if (had !== undefined && had !== id) throw bad(`added token "${t.content}" has id ${id} but the vocabulary gives it ${had}`);
    const special = t.special === true;
    return {
      id,
      content: t.content,
      special,
      singleWord: t.single_word === true,
      lstrip: t.lstrip === true,
      rstrip: t.rstrip === true,
      normalized: typeof t.normalized === 'boolean' ? t.normalized : !special,
    };
  });
}

/** Resolves EOS / BOS (token strings or ids) against the vocabulary and added tokens; EOS defaults to <|endoftext|>. */
function resolveSpecials(spec: HfTokenizerSpec, s: SpecialTokenSettings): void {
  const idOf = (tok: string): number | undefined => spec.added.find((t) => t.content === tok)?.id ?? spec.vocab.get(tok);
  const known = (id: number): boolean => spec.added.some((t) => t.id === id) || [...spec.vocab.values()].includes(id);
  const resolve = (tok: string | number | undefined, what: string, file?: string): number | undefined => {
    if (tok === undefined) return what === 'EOS' ? idOf(ENDOFTEXT) : undefined;
    const id = typeof tok === 'number' ? tok : idOf(tok);
    if (id === undefined || (typeof tok === 'number' && !known(id))) {
      throw new EngineError('BAD_TOKENIZER', `the ${what} token ${JSON.stringify(tok)} is not in the vocabulary`, file ?? spec.file);
    }
    return id;
  };
  spec.eosTokenId = resolve(s.eos, 'EOS', s.eosFile);
  spec.bosTokenId = resolve(s.bos, 'BOS', s.bosFile);
  spec.addBos = s.addBos;
  spec.addEos = s.addEos;
}

/** A tokenizer.json with a BPE model, with the model folder's EOS/BOS settings (`parsed`: its content, if already read). */
export function readHfTokenizerJson(file: string, special: SpecialTokenSettings = {}, parsed?: unknown): HfTokenizerSpec {
  const root = parsed ?? readJson(file);
  const bad = (msg: string): EngineError => new EngineError('BAD_TOKENIZER', msg, file);
  if (!isObject(root)) throw bad('is not a JSON object');
  const model = root.model;
  if (!isObject(model)) throw bad('has no "model" object');
  if (model.type === 'Unigram') return readUnigramJson(root, model, file, special);
  if (model.type !== undefined && model.type !== 'BPE') {
    throw bad(`model.type ${JSON.stringify(model.type)} is not supported; only "BPE" and "Unigram" tokenizers are`);
  }
  if (typeof model.dropout === 'number' && model.dropout > 0) throw bad('model.dropout is set; BPE dropout is for training, not supported');
  const vocab = vocabMap(model.vocab, file);
  const str = (x: unknown): string => (typeof x === 'string' ? x : '');
  const spec: HfTokenizerSpec = {
    file,
    vocab,
    merges: mergePairs(model.merges, file),
    unkToken: typeof model.unk_token === 'string' ? model.unk_token : undefined,
    fuseUnk: model.fuse_unk === true,
    byteFallback: model.byte_fallback === true,
    continuingSubwordPrefix: str(model.continuing_subword_prefix),
    endOfWordSuffix: str(model.end_of_word_suffix),
    ignoreMerges: model.ignore_merges === true,
    added: addedTokens(root.added_tokens, vocab, file),
    normalizer: root.normalizer,
    preTokenizer: root.pre_tokenizer,
    postProcessor: root.post_processor,
    decoder: root.decoder,
  };
  resolveSpecials(spec, special);
  return spec;
}

/** A tokenizer.json with a Unigram model (T5's): vocab [[piece, score], …] in id order, unk_id, byte_fallback. */
function readUnigramJson(root: Record<string, unknown>, model: Record<string, unknown>, file: string, special: SpecialTokenSettings): HfTokenizerSpec {
  const bad = (msg: string): EngineError => new EngineError('BAD_TOKENIZER', msg, file);
  if (!Array.isArray(model.vocab) || model.vocab.length === 0) throw bad('model.vocab of a Unigram model is not a non-empty list of [piece, score] pairs');
  const pieces = model.vocab.map((p: unknown, id): [string, number] => {
    if (!Array.isArray(p) || typeof p[0] !== 'string' || typeof p[1] !== 'number') throw bad(`model.vocab[${id}] is not a [piece, score] pair`);
    return [p[0], p[1]];
  });
  const vocab = new Map<string, number>();
  pieces.forEach(([piece], id) => {
    if (!vocab.has(piece)) vocab.set(piece, id);
  });
  const unk = model.unk_id;
  if (unk !== undefined && unk !== null && (typeof unk !== 'number' || !Number.isInteger(unk))) throw bad(`model.unk_id ${JSON.stringify(unk)} is not an integer`);
  const spec: HfTokenizerSpec = {
    file,
    vocab,
    merges: [],
    fuseUnk: true,
    byteFallback: model.byte_fallback === true,
    continuingSubwordPrefix: '',
    endOfWordSuffix: '',
    ignoreMerges: false,
    unigram: { pieces, ...(typeof unk === 'number' ? { unkId: unk } : {}), byteFallback: model.byte_fallback === true },
    added: addedTokens(root.added_tokens, vocab, file),
    normalizer: root.normalizer,
    preTokenizer: root.pre_tokenizer,
    postProcessor: root.post_processor,
    decoder: root.decoder,
  };
  resolveSpecials(spec, special);
  return spec;
}

/** GPT-1 (openai-gpt) from its vocab.json + merges.txt, as tokenizers' own openai-gpt tokenizer.json sets it up. */
export function readGpt1Files(vocabFile: string, mergesFile: string, special: SpecialTokenSettings = {}): HfTokenizerSpec {
  const src = readVocabAndMerges(vocabFile, mergesFile);
  const vocab = vocabMap(src.vocab, vocabFile);
  const spec: HfTokenizerSpec = {
    file: vocabFile,
    vocab,
    merges: src.merges as [string, string][],
    unkToken: vocab.has('<unk>') ? '<unk>' : undefined,
    fuseUnk: false,
    byteFallback: false,
    continuingSubwordPrefix: '',
    endOfWordSuffix: '</w>',
    ignoreMerges: false,
    added: vocab.has('<unk>') ? [{ id: vocab.get('<unk>') as number, content: '<unk>', special: true, singleWord: false, lstrip: false, rstrip: false, normalized: false }] : [],
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    preTokenizer: { type: 'BertPreTokenizer' },
    postProcessor: null,
    decoder: { type: 'BPEDecoder', suffix: '</w>' },
  };
  resolveSpecials(spec, special);
  return spec;
}
