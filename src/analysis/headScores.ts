// The head table: six scores per layer × head, computed from a run's attention maps and its token
// ids, and the badges a head earns when a score passes its threshold. Pure functions over plain
// arrays (headStats.ts holds each score's formula); the panel, the CLI and the benchmark share them.
//
// Every score reads one layer's post-softmax attention [H, T, T] (row = query t, column = key s):
//   previousToken   mean over t ≥ 1 of att[t, t−1]                                       (0…1)
//   induction       mean, over queries t whose token occurred earlier at some j ≤ t−2 (the latest
//                   such j), of att[t, j+1]: the token that followed the earlier occurrence (0…1)
//   duplicateToken  mean, over queries whose token occurred earlier, of the attention summed over
//                   those earlier occurrences                                             (0…1)
//   firstToken      mean over t ≥ 1 of att[t, 0]: the attention sink                      (0…1)
//   local           mean over t ≥ 1 of Σ_s att[t, s]·(t − s): mean distance in tokens (smaller = more local)
//   entropy         mean over all rows of −Σ_s att[t, s] log₂ att[t, s], in bits
// A score with nothing to average over (induction on a text where nothing repeats) is NaN.
import { BADGE_NAMES, SCORE_NAMES, type BadgeName, type HeadScoreValues, type ScoreName } from '../shared/headScoreNames';
import { attentionEntropy, duplicateTokenScore, firstTokenSinkScore, inductionScore, meanAttentionDistance, previousTokenScore } from './headStats';

export { BADGE_NAMES, SCORE_NAMES, type BadgeName, type HeadScoreValues, type ScoreName };

/**
 * A head earns a badge when its score reaches the threshold. Each of these scores is the fraction
 * of the head's attention that lands on the one key (or the copies) the pattern names, where a
 * head attending uniformly puts ~1/t on any one key (under 0.06 on average from T = 64 on), so a
 * badge asks for a large share, not just more than chance:
 *  - previousToken 0.5: most of the weight on the token before. On the bundled model (measured with
 *    `heads --probe` and on samples/repeats.txt) its previous-token head L0H3 scores 0.94 / 0.85,
 *    the next-strongest head 0.14 / 0.22.
 *  - induction 0.3: the bundled model's induction heads L2H1 and L2H3 score 0.91 and 0.86 on the
 *    probe but only 0.31 and 0.35 on samples/repeats.txt, where fewer tokens repeat and the heads
 *    still lean on the first token; every other head there stays under 0.18. On the probe L1H3,
 *    a weaker induction head in layer 1, reaches 0.38 and earns the badge too.
 *  - firstToken 0.5: many heads of larger models park some weight on position 0 as a no-op; the
 *    sink badge is for heads where that is most of what they do.
 *  - duplicateToken 0.3: as induction: one set of keys (the earlier copies), a clear excess.
 */
export const BADGE_THRESHOLDS: Readonly<Record<BadgeName, number>> = {
  previousToken: 0.5,
  induction: 0.3,
  firstToken: 0.5,
  duplicateToken: 0.3,
};

export interface HeadRow {
  layer: number;
  head: number;
  scores: HeadScoreValues;
  badges: BadgeName[];
}

/** The badges a head's scores earn, in BADGE_NAMES order (NaN earns none). */
export function badgesOf(scores: HeadScoreValues): BadgeName[] {
  return BADGE_NAMES.filter((b) => scores[b] >= BADGE_THRESHOLDS[b]);
}

/** The rows of one layer: every score of every head. `att` is [H, T, T], `ids` the run's T token ids. */
export function scoreLayer(layer: number, att: ArrayLike<number>, H: number, T: number, ids: readonly number[]): HeadRow[] {
  const columns: Record<ScoreName, number[]> = {
    previousToken: previousTokenScore(att, H, T),
    induction: inductionScore(att, H, T, ids),
    duplicateToken: duplicateTokenScore(att, H, T, ids),
    firstToken: firstTokenSinkScore(att, H, T),
    local: meanAttentionDistance(att, H, T),
    entropy: attentionEntropy(att, H, T),
  };
  return Array.from({ length: H }, (_, head) => {
    const scores = {} as HeadScoreValues;
    for (const name of SCORE_NAMES) scores[name] = columns[name][head];
    return { layer, head, scores, badges: badgesOf(scores) };
  });
}

/** Every head of every layer, layer-major. `layers[l]` is layer l's attention [H, T, T]. */
export function scoreHeads(layers: readonly ArrayLike<number>[], H: number, T: number, ids: readonly number[]): HeadRow[] {
  return layers.flatMap((att, layer) => scoreLayer(layer, att, H, T, ids));
}

/** The rows sorted by one score, highest first (lowest first for `local`: most local first); NaN last. */
export function rankHeads(rows: readonly HeadRow[], by: ScoreName, descending = by !== 'local'): HeadRow[] {
  const key = (r: HeadRow): number => r.scores[by];
  return [...rows].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) ? (Number.isNaN(y) ? 0 : 1) : -1;
    return descending ? y - x : x - y;
  });
}
