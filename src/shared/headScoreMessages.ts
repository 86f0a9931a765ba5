// The panel's head table message (issue 15): one row per layer × head with its scores and badges,
// kept beside protocol.ts (which lists it in its union and re-exports it). Plain data only.
import type { BadgeName, ScoreName } from './headScoreNames';
import type { PanelMessageType } from './protocol';

/** One head's row of the table; a score with nothing to average over is null (JSON has no NaN). */
export interface HeadScoreRow {
  layer: number;
  head: number;
  scores: Record<ScoreName, number | null>;
  badges: BadgeName[];
}

/**
 * The head table (analysis/headScores.ts), layer-major, nLayer × nHead rows. `text`: scored on the
 * run's own attention, pushed unasked after its overview. `probe`: scored on the standard probe
 * (repeated random tokens), the answer to RunProbe; the same for every run of the model. With
 * `error` the scoring failed: no rows, the message says why.
 */
export interface HeadScoresMessage {
  type: PanelMessageType.HeadScores;
  runId: number;
  which: 'text' | 'probe';
  /** Tokens scored (the run's T, or the probe's length). */
  T: number;
  rows: HeadScoreRow[];
  error?: string;
}
