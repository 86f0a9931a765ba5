// Autoregressive generation over the KV cache: prefill the prompt in one step, then one token at a
// time. generateIds is the id-level loop (no tokenizer); generate adds text, stop strings and
// streaming, holding back tokens that might be the start of a stop string so that onToken sees
// exactly the tokens that end up in the result.
import { utf8Stream } from './byteLevel';
import { EngineError } from './errors';
import type { GPTModel } from './model';
import { Rng, sampleNext } from './sampler';
import type { GeneratedToken, GenerationResult, SamplingOptions, Tokenizer } from './types';

export type StopReason = GenerationResult['stopReason'];

export interface GenerateIdsOptions extends SamplingOptions {
  /** Token that ends generation (unless stopAtEos is false); it is not included in the result. */
  eosTokenId?: number;
  /** More tokens that end it the same way (config.json's list of end tokens). */
  moreEosTokenIds?: readonly number[];
  /** Used as the prompt when promptIds is empty (falls back to eosTokenId, as GPT-2 does). */
  bosTokenId?: number;
}

export interface GenerateIdsHooks {
  /** Called after each new id; returning 'stop' ends generation with stopReason 'stop-string'. */
  onId?: (id: number, logprob: number, index: number) => 'stop' | void;
  isCancelled?: () => boolean;
}

export interface IdGenerationResult {
  ids: number[];
  /** log p(id) under the unfiltered temperature-1 distribution, one per id. */
  logprobs: number[];
  stopReason: StopReason;
  /** The seed the sampler used (drawn at random when none was given). */
  seed: number;
}

export interface GenerateHooks {
  onToken?: (t: GeneratedToken, index: number) => void;
  isCancelled?: () => boolean;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** log softmax(logits)[id], in float64. */
function logprobOf(logits: Float32Array, id: number): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] - max);
  return logits[id] - max - Math.log(sum);
}

function checkOptions(opts: SamplingOptions): void {
  if (!Number.isInteger(opts.maxNewTokens) || opts.maxNewTokens < 0) {
    throw new EngineError('BAD_ARGUMENT', `maxNewTokens must be a non-negative integer, got ${opts.maxNewTokens}`);
  }
  if (opts.temperature !== undefined && !(opts.temperature >= 0)) {
    throw new EngineError('BAD_ARGUMENT', `temperature must be ≥ 0, got ${opts.temperature}`);
  }
  if (opts.topK !== undefined && !(Number.isInteger(opts.topK) && opts.topK >= 1)) {
    throw new EngineError('BAD_ARGUMENT', `topK must be a positive integer, got ${opts.topK}`);
  }
  if (opts.topP !== undefined && !(opts.topP > 0 && opts.topP <= 1)) {
    throw new EngineError('BAD_ARGUMENT', `topP must be in (0, 1], got ${opts.topP}`);
  }
}

/** The id-level generation loop (no tokenizer): greedy or seeded sampling over the KV cache. */
export async function generateIds(
  model: GPTModel,
  promptIds: number[],
  opts: GenerateIdsOptions,
  hooks: GenerateIdsHooks = {},
): Promise<IdGenerationResult> {
  checkOptions(opts);
  const seed = opts.seed ?? Math.floor(Math.random() * 0x100000000);
  const result: IdGenerationResult = { ids: [], logprobs: [], stopReason: 'max-tokens', seed };
  const start = opts.bosTokenId ?? opts.eosTokenId ?? model.config.bosTokenId ?? model.config.eosTokenId;
  const prompt = promptIds.length > 0 ? promptIds : start !== undefined ? [start] : [];
  if (prompt.length === 0) {
    throw new EngineError('BAD_ARGUMENT', 'the prompt is empty and the model has no BOS/EOS token to start from');
  }
  const eos = new Set<number>();
  if (opts.stopAtEos !== false) for (const id of [opts.eosTokenId, ...(opts.moreEosTokenIds ?? [])]) if (id !== undefined) eos.add(id);
  const sampler = { temperature: opts.temperature, topK: opts.topK, topP: opts.topP };
  const rng = new Rng(seed);
  const nPositions = model.config.nPositions;
  if (opts.maxNewTokens === 0) return result;

  const cache = model.newCache();
  try {
    let logits = await model.step(cache, prompt); // [V], the last prompt position
    if (prompt.length >= nPositions) {
      result.stopReason = 'context-full';
      return result;
    }
    for (;;) {
      await yieldToEventLoop();
      if (hooks.isCancelled?.()) {
        result.stopReason = 'cancelled';
        break;
      }
      const id = sampleNext(logits, sampler, rng); // greedy unless isSampling(sampler)
      if (eos.has(id)) {
        result.stopReason = 'eos';
        break;
      }
      result.ids.push(id);
      result.logprobs.push(logprobOf(logits, id));
      if (hooks.onId?.(id, result.logprobs[result.logprobs.length - 1], result.ids.length - 1) === 'stop') {
        result.stopReason = 'stop-string';
        break;
      }
      if (result.ids.length >= opts.maxNewTokens) {
        result.stopReason = 'max-tokens';
        break;
      }
      if (prompt.length + result.ids.length >= nPositions) {
        // prompt + generated fill the context: one more id could not be fed back (nor the whole
        // sequence be analysed in one forward pass)
        result.stopReason = 'context-full';
        break;
      }
      await yieldToEventLoop();
      if (hooks.isCancelled?.()) {
        result.stopReason = 'cancelled';
        break;
      }
      logits = await model.step(cache, [id]);
    }
  } finally {
    cache.dispose();
  }
  return result;
}

/** Earliest index of any stop string in `text`, or -1. */
function firstStop(text: string, stops: string[]): number {
  let at = -1;
  for (const s of stops) {
    const i = text.indexOf(s);
    if (i >= 0 && (at < 0 || i < at)) at = i;
  }
  return at;
}

/** Earliest index from which the tail of `text` could still grow into a stop string. */
function holdFrom(text: string, stops: string[]): number {
  let from = text.length;
  for (const s of stops) {
    for (let j = Math.max(0, text.length - s.length + 1); j < from; j++) {
      if (s.startsWith(text.slice(j))) {
        from = j;
        break;
      }
    }
  }
  return from;
}

/**
 * Generates text after `promptIds`. With stop strings, the text is cut before the first one and
 * `ids`/`tokens` keep only the tokens that end before it, so text === tokenizer.decode(ids) always
 * (a token that straddles the stop string is dropped whole). onToken streams exactly those tokens.
 */
export async function generate(
  model: GPTModel,
  tokenizer: Tokenizer,
  promptIds: number[],
  opts: SamplingOptions,
  hooks: GenerateHooks = {},
): Promise<GenerationResult> {
  const stops = (opts.stopStrings ?? []).filter((s) => s.length > 0);
  const tokens: GeneratedToken[] = [];
  const ends: number[] = []; // text length after each token
  let emitted = 0;
  let kept = -1; // number of tokens kept when a stop string was found
  const text = utf8Stream(); // the emitted tokens' text so far, for each token's delta
  const emitUpTo = (n: number) => {
    for (; emitted < n; emitted++) {
      const t = tokens[emitted];
      t.delta = text.push(tokenizer.tokenBytes(t.id));
      hooks.onToken?.(t, emitted);
    }
  };

  const out = await generateIds(
    model,
    promptIds,
    {
      ...opts,
      eosTokenId: tokenizer.eosTokenId ?? model.config.eosTokenId,
      moreEosTokenIds: model.config.eosTokenIds,
      bosTokenId: tokenizer.bosTokenId ?? model.config.bosTokenId,
    },
    {
      isCancelled: hooks.isCancelled,
      onId: (id, logprob) => {
        tokens.push({ id, text: tokenizer.decode([id]), delta: '', logprob }); // delta set when emitted
        if (stops.length === 0) {
          emitUpTo(tokens.length);
          return;
        }
        const ids = tokens.map((t) => t.id);
        const text = tokenizer.decode(ids);
        ends.push(text.length);
        const at = firstStop(text, stops);
        if (at >= 0) {
          kept = tokensBefore(tokenizer, ids, text, at);
          return 'stop';
        }
        const safe = holdFrom(text, stops);
        let n = emitted;
        while (n < tokens.length && ends[n] <= safe) n++;
        emitUpTo(n);
      },
    },
  );

  const n = kept >= 0 ? kept : tokens.length;
  const keptTokens = tokens.slice(0, n);
  emitUpTo(n);
  const ids = keptTokens.map((t) => t.id);
  return { ids, text: tokenizer.decode(ids), tokens: keptTokens, stopReason: out.stopReason };
}

/** The largest k such that decode(ids[0..k)) is a prefix of text that ends at or before `at`. */
function tokensBefore(tokenizer: Tokenizer, ids: number[], text: string, at: number): number {
  for (let k = ids.length - 1; k > 0; k--) {
    const prefix = tokenizer.decode(ids.slice(0, k));
    if (prefix.length <= at && text.startsWith(prefix)) return k;
  }
  return 0;
}
