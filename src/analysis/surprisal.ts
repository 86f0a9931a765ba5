// How the model rated each token that actually came next: probability, rank and surprisal (bits).
import type { ActualTokenStats } from '../shared/sessionTypes';
import { logSumExp } from './topk';

/** Stats of `id` under row `row` of a [rows × width] logits matrix (`lse`: the row's logSumExp). */
export function tokenStats(
  logits: ArrayLike<number>,
  width: number,
  row: number,
  id: number,
  lse = logSumExp(logits, row * width, width),
): ActualTokenStats {
  const offset = row * width;
  const x = logits[offset + id];
  let higher = 0;
  for (let i = 0; i < width; i++) if (logits[offset + i] > x) higher++;
  const logp = x - lse; // natural log
  return { prob: Math.exp(logp), rank: higher + 1, surprisal: -logp / Math.LN2 };
}

/**
 * For each position t of `ids`: how the model at t−1 rated token t, given [T × width] logits
 * (row t = the prediction after reading tokens 0..t). Entry 0 has no predecessor: all NaN.
 * `lses[t]`, the rows' logSumExp, are computed when not given.
 */
export function surprisals(logits: ArrayLike<number>, width: number, ids: readonly number[], lses?: readonly number[]): ActualTokenStats[] {
  const out: ActualTokenStats[] = [{ prob: NaN, rank: NaN, surprisal: NaN }];
  for (let t = 1; t < ids.length; t++) out.push(tokenStats(logits, width, t - 1, ids[t], lses?.[t - 1]));
  return out;
}
