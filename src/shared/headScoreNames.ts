// The head table's score and badge names, shared by the panel's protocol and the webview (the
// scores' definitions and the badges' thresholds: analysis/headScores.ts).

export const SCORE_NAMES = ['previousToken', 'induction', 'duplicateToken', 'firstToken', 'local', 'entropy'] as const;
export type ScoreName = (typeof SCORE_NAMES)[number];
export type HeadScoreValues = Record<ScoreName, number>;

/** The scores that earn a badge on the overview. */
export const BADGE_NAMES = ['previousToken', 'induction', 'firstToken', 'duplicateToken'] as const;
export type BadgeName = (typeof BADGE_NAMES)[number];
