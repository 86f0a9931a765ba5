// Ranking sampled continuations for "Suggest Continuations": mean log-probability per token (so a
// long continuation is not penalised for its length), repeats merged. Pure: no vscode, no tfjs.

export interface Continuation {
  text: string;
  /** Natural-log probability of each generated token. */
  logprobs: number[];
}

export interface RankedContinuation extends Continuation {
  /** Mean of `logprobs` (−Infinity for an empty continuation). */
  meanLogprob: number;
  /** How many of the samples gave this text. */
  count: number;
}

/** Mean of the log-probabilities; −Infinity when there are none. */
export function meanLogprob(logprobs: readonly number[]): number {
  if (logprobs.length === 0) return -Infinity;
  let s = 0;
  for (const l of logprobs) s += l;
  return s / logprobs.length;
}

/**
 * Drops empty continuations, merges identical texts (counting them) and sorts by mean
 * log-probability, most likely first; equal means keep the sampling order.
 */
export function rankContinuations(samples: readonly Continuation[]): RankedContinuation[] {
  const byText = new Map<string, RankedContinuation>();
  for (const s of samples) {
    if (s.text.length === 0) continue;
    const seen = byText.get(s.text);
    if (seen) seen.count++;
    else byText.set(s.text, { text: s.text, logprobs: [...s.logprobs], meanLogprob: meanLogprob(s.logprobs), count: 1 });
  }
  return [...byText.values()].sort((a, b) => b.meanLogprob - a.meanLogprob);
}

/** One line for a QuickPick label: line breaks and tabs made visible, cut at `max` characters. */
export function continuationLabel(text: string, max = 80): string {
  const shown = text.replace(/\r?\n/g, '↵').replace(/\t/g, '→');
  return shown.length > max ? `${shown.slice(0, max - 1)}…` : shown;
}
