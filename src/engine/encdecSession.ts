// One loaded encoder–decoder model (MarianMTModel, T5ForConditionalGeneration) in the engine
// worker, beside EngineSession (the decoder-only models): translate (greedy or beam search, a
// progress per step, cancellable between steps) and analyze (a source and its target, given or the
// greedy translation, through the model once: the three kinds of attention and the predictions).
// It runs on one thread, on plain arrays (src/engine/encdec).
import { topKSoftmax } from '../analysis/topk';
import { EngineError } from './errors';
import { buildEncDecInfo, type EncDecInfo } from './encdec/encdecInfo';
import type { EncDecModel } from './encdec/encdecModel';
import { loadEncDecTokenizer, type EncDecTokenizer } from './encdec/encdecTokenizer';
import { loadEncDec, readEncDecConfig } from './encdec/loadEncDec';
import { checkEncDecFits } from './encdec/encdecFacts';
import { greedy, translateIds, type TranslateHooks } from './encdec/translate';
import type { EncDecAnalysis, TranslateRequestOptions, TranslationResult } from '../shared/encdecTypes';
import type { Token } from '../shared/token';
import { join } from 'node:path';

export const DEFAULT_MAX_NEW_TOKENS = 64;
const TOP_K = 10;
const SPECIAL = /^<\/?[a-z]+>$/; // </s>, <pad>, <unk>

/**
 * Each SentencePiece piece's span in `text`: the pieces (▁ for a space) are found in order, spaces
 * skipped; a special token or a piece the normalisation changed (NFKC) gets an empty span where
 * the search stands. Written here because the tokenizers give pieces, not offsets.
 */
export function pieceTokens(text: string, ids: readonly number[], pieces: readonly string[]): Token[] {
  let at = 0;
  return ids.map((id, i) => {
    const piece = pieces[i];
    const shown = piece.replace(/\u2581/g, ' ');
    const body = shown.trimStart();
    if (SPECIAL.test(piece) || body === '') return { id, text: shown, start: at, end: at };
    let from = at;
    while (from < text.length && /\s/.test(text[from])) from++;
    if (text.startsWith(body, from)) {
      at = from + body.length;
      return { id, text: shown, start: from, end: at };
    }
    return { id, text: shown, start: from, end: from };
  });
}

function checkCount(name: string, v: number | undefined, max: number): void {
  if (v !== undefined && (!Number.isInteger(v) || v < 1 || v > max)) throw new EngineError('BAD_ARGUMENT', `${name} must be an integer from 1 to ${max}, got ${v}`);
}

export class EncDecSession {
  private disposed = false;

  private constructor(
    private readonly model: EncDecModel,
    private readonly tokenizer: EncDecTokenizer,
    readonly info: EncDecInfo,
  ) {}

  /** Loads an encoder–decoder folder; a model too big for one thread is refused from config.json first. */
  static load(dir: string): EncDecSession {
    const config = readEncDecConfig(dir);
    if (!config) throw new EngineError('BAD_CONFIG', `${join(dir, 'config.json')}: not a MarianMTModel or T5ForConditionalGeneration model`, join(dir, 'config.json'));
    checkEncDecFits(config, 2, { file: join(dir, 'config.json') }); // the least it needs: 16-bit weights
    const tokenizer = loadEncDecTokenizer(dir, config);
    const model = loadEncDec(dir);
    return new EncDecSession(model, tokenizer, buildEncDecInfo(dir, model));
  }

  private sourceTokens(text: string): Token[] {
    const { ids, tokens } = this.tokenizer.encode(text);
    const limit = this.model.config.maxPositions;
    if (limit !== undefined && ids.length > limit) throw new EngineError('CONTEXT_TOO_LONG', `the source is ${ids.length} tokens; ${this.info.name}'s positions stop at ${limit}`);
    return pieceTokens(text, ids, tokens);
  }

  translate(text: string, opts: TranslateRequestOptions = {}, hooks: TranslateHooks = {}): TranslationResult {
    this.live();
    checkCount('beam', opts.beam, 64);
    checkCount('maxNewTokens', opts.maxNewTokens, this.model.config.maxPositions ?? 4096);
    const source = this.sourceTokens(text);
    let cancelled = false;
    const isCancelled = (): boolean => (cancelled ||= hooks.isCancelled?.() ?? false);
    // by default as many as analyze can then take: the start token and the ids within the positions
    const maxNewTokens = opts.maxNewTokens ?? Math.min(DEFAULT_MAX_NEW_TOKENS, (this.model.config.maxPositions ?? Infinity) - 1);
    const ids = translateIds(this.model, source.map((t) => t.id), { maxNewTokens, beam: opts.beam ?? 1 }, { ...hooks, isCancelled });
    return { source, ids, text: this.tokenizer.decode(ids), cancelled };
  }

  /** The target's text from ids (special tokens skipped). */
  decode(ids: readonly number[]): string {
    return this.tokenizer.decode(ids);
  }

  /** `source` and `target` (a text, or generated ids such as translate's; else the greedy translation, at most `maxNewTokens`, which fit the positions) through the model once. */
  analyze(sourceText: string, target?: string | readonly number[], maxNewTokens?: number): EncDecAnalysis {
    this.live();
    const c = this.model.config;
    checkCount('maxNewTokens', maxNewTokens, (c.maxPositions ?? 4097) - 1);
    // the start token takes a position too
    const newTokens = maxNewTokens ?? Math.min(DEFAULT_MAX_NEW_TOKENS, (c.maxPositions ?? Infinity) - 1);
    const source = this.sourceTokens(sourceText);
    const enc = this.model.encode(source.map((t) => t.id));
    // the target tokenized as a source is (as the CLI's dump does: MarianTokenizer's text_target uses the same pieces here)
    const targetIds = typeof target === 'string' ? this.tokenizer.encode(target).ids : target !== undefined ? [...target] : greedy(this.model, enc, newTokens);
    const kept = targetIds[targetIds.length - 1] === c.eosTokenId ? targetIds.slice(0, -1) : targetIds;
    const decoderIds = [c.decoderStartTokenId, ...kept];
    if (c.maxPositions !== undefined && decoderIds.length > c.maxPositions) throw new EngineError('CONTEXT_TOO_LONG', `the target is ${decoderIds.length} tokens; ${this.info.name}'s positions stop at ${c.maxPositions}`);
    const dec = this.model.decode(decoderIds, this.model.startDecoder(enc));
    const text = typeof target === 'string' ? target : this.tokenizer.decode(targetIds);
    const pieces = decoderIds.map((id) => this.tokenizer.tokenText(id));
    const targetTokens = pieceTokens(text, decoderIds, pieces);
    const T = decoderIds.length;
    const V = c.vocabSize;
    const predictions = Array.from({ length: T }, (_, t) => topKSoftmax(dec.logits, V, t, TOP_K, (id) => this.tokenizer.tokenText(id).replace(/\u2581/g, ' ')));
    return {
      source,
      target: targetTokens,
      targetText: text,
      encoderLayers: c.encoderLayers,
      decoderLayers: c.decoderLayers,
      nHead: c.nHead,
      S: enc.S,
      T,
      encoder: stack(enc.attentions), // [Le, H, S, S]
      decoder: stack(dec.self), // [Ld, H, T, T]
      cross: stack(dec.cross), // [Ld, H, T, S]
      predictions,
    };
  }

  private live(): void {
    if (this.disposed) throw new EngineError('NOT_LOADED', 'the model was unloaded');
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.model.dispose();
  }
}

/** Per-layer maps side by side → [L, …]. */
function stack(layers: Float32Array[]): Float32Array {
  const out = new Float32Array(layers.reduce((n, l) => n + l.length, 0));
  let at = 0;
  for (const l of layers) {
    out.set(l, at);
    at += l.length;
  }
  return out;
}
