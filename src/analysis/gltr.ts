// GLTR-style buckets (Gehrmann, Strobelt & Rush, 2019): how highly the model ranked the token
// that is actually there. Shared by the editor underlines and the panel's surprisal strip.

export type SurprisalBucket = 'top10' | 'top100' | 'top1000' | 'beyond';

export const BUCKETS: readonly { id: SurprisalBucket; label: string }[] = [
  { id: 'top10', label: 'top 10' },
  { id: 'top100', label: 'top 100' },
  { id: 'top1000', label: 'top 1000' },
  { id: 'beyond', label: 'beyond 1000' },
];

/** Bucket of a 1-based rank; undefined for NaN (the first token has no prediction). */
export function surprisalBucket(rank: number): SurprisalBucket | undefined {
  if (!Number.isFinite(rank) || rank < 1) return undefined;
  if (rank <= 10) return 'top10';
  if (rank <= 100) return 'top100';
  if (rank <= 1000) return 'top1000';
  return 'beyond';
}

/** −log₂ p, with p clamped away from 0. */
export function surprisalBits(prob: number): number {
  return -Math.log2(Math.max(prob, 1e-30));
}
