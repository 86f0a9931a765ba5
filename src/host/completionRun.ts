// One completion through the engine worker, without VS Code: clips the prefix (the engine then
// keeps the last tokens that fit its context), streams each token's text to a callback, stops on
// an AbortSignal, and measures time to first token and tokens per second. The commands, the
// inline provider and the benchmark all run completions through this.
import type { EngineClient } from '../engine/client';
import type { GeneratedToken, GenerationResult, SamplingOptions } from '../engine/types';
import { clipPrefix, prefixBudget } from '../analysis/promptWindow';

export type Generator = Pick<EngineClient, 'generate'>;

export interface CompletionStats {
  /** Tokens streamed. */
  tokens: number;
  /** From the request to the first token (prefill + one step + the trip through the worker). */
  firstTokenMs: number | undefined;
  /** From the request to the result. */
  totalMs: number;
  /** Decoding speed: (tokens − 1) / (last token − first token); undefined below 2 tokens. */
  tokensPerSecond: number | undefined;
}

export interface CompletionOutcome {
  result: GenerationResult;
  stats: CompletionStats;
  /** Characters of the prefix that were sent (the end of the prefix). */
  promptChars: number;
  /** What onText received: `result.text`, less a character the run ended in the middle of. */
  streamed: string;
}

export interface CompletionRequest {
  /** The text before the insertion point; may be empty (the model starts from its BOS token). */
  prefix: string;
  /**
   * Token ids to generate from instead of `prefix` (a chat prompt: the conversation rendered
   * through the model's template); `prefix` is then the rendered text, for promptChars.
   */
  promptIds?: number[];
  options: SamplingOptions;
  /** The model's context length, to clip the prefix before sending it. */
  nPositions: number;
  /**
   * Text to insert, as tokens arrive (stop sequences never reach it): each token's delta, so a
   * character split across tokens arrives whole with the token that completes it.
   */
  onText?: (text: string) => void;
  /** Every token as it arrives, held back or not. */
  onToken?: (token: GeneratedToken, index: number) => void;
  signal?: AbortSignal;
  /** Clock in ms (default performance.now). */
  now?: () => number;
}

/** Runs one completion; resolves with stopReason 'cancelled' when the signal aborts it. */
export async function runCompletion(engine: Generator, req: CompletionRequest): Promise<CompletionOutcome> {
  const now = req.now ?? (() => performance.now());
  const prompt = req.promptIds ? req.prefix : clipPrefix(req.prefix, prefixBudget(req.nPositions)).text;
  const t0 = now();
  let first: number | undefined;
  let last: number | undefined;
  let count = 0;
  let streamed = '';
  const stats = (): CompletionStats => ({
    tokens: count,
    firstTokenMs: first === undefined ? undefined : first - t0,
    totalMs: now() - t0,
    tokensPerSecond: count >= 2 && first !== undefined && last !== undefined && last > first ? ((count - 1) * 1000) / (last - first) : undefined,
  });
  if (req.signal?.aborted) {
    return { result: { ids: [], text: '', tokens: [], stopReason: 'cancelled' }, stats: stats(), promptChars: prompt.length, streamed };
  }
  const handle = engine.generate(req.promptIds ?? prompt, req.options, (token, index) => {
    last = now();
    first ??= last;
    count++;
    req.onToken?.(token, index);
    if (token.delta.length > 0) {
      streamed += token.delta;
      req.onText?.(token.delta);
    }
  });
  const abort = (): void => handle.cancel();
  req.signal?.addEventListener('abort', abort, { once: true });
  try {
    const result = await handle.result;
    return { result, stats: stats(), promptChars: prompt.length, streamed };
  } finally {
    req.signal?.removeEventListener('abort', abort);
  }
}
