// The panel's messages for Compare Attention (issue 16: two models or two texts side by side), kept
// beside protocol.ts (which lists them in its unions and re-exports them). Plain data only.
import type { PanelMessageType, Prediction } from './protocol';
import type { Token } from './token';

/** Which side of a comparison: A (the panel's model, the first text) or B. */
export type CompareSideName = 'a' | 'b';

/**
 * A comparison started: the same text under two models (`models`) or two texts under the panel's
 * model (`texts`). Replaces any earlier comparison; both sides then report CompareProgress.
 */
export interface CompareStartedMessage {
  type: PanelMessageType.CompareStarted;
  compareId: number;
  mode: 'models' | 'texts';
  /** What each side is, for the headings: a model's name (models) or the start of its text (texts). */
  labelA: string;
  labelB: string;
}

/**
 * One side's progress: loading its model, its layers as they run (`layers` of `nLayer`), done,
 * cancelled or failed (`message` says why).
 */
export interface CompareProgressMessage {
  type: PanelMessageType.CompareProgress;
  compareId: number;
  side: CompareSideName;
  stage: 'model' | 'analysis' | 'done' | 'cancelled' | 'failed';
  layers: number;
  nLayer: number;
  message?: string;
}

/** One side of a finished comparison, per token of its own run. */
export interface CompareSide {
  name: string;
  tokens: Token[];
  nLayer: number;
  nHead: number;
  /** −log₂ p of each token, in bits (entry 0 NaN, null in JSON). */
  surprisal: number[];
  /** Top next tokens after each position. */
  predictions: Prediction[];
}

/** A range [from, to) of one side's token indices. */
export type CompareRange = [number, number];

/** A group of aligned tokens (analysis/tokenAlignment.ts): same, merged (split differently), only in A, only in B. */
export interface CompareGroup {
  kind: 'same' | 'merged' | 'onlyA' | 'onlyB';
  a: CompareRange;
  b: CompareRange;
}

/** A head of A against a head of B, with the mean absolute difference of their maps (null: nothing compared). */
export interface CompareHeadRow {
  layerA: number;
  headA: number;
  layerB: number;
  headB: number;
  meanAbsDiff: number | null;
}

/**
 * Both runs are done. `alignment`: identical (one tokenization: token k ↔ k), spans (two tokenizers,
 * aligned by the characters each token covers) or diff (two texts, a diff of the token ids).
 * `compared`: the indices of the groups with tokens on both sides, the rows and columns of every
 * CompareMaps. `heads`: every head pair, largest difference first; with `layersRelative` /
 * `headsRelative` the models differ in depth / head count and are paired by relative depth.
 */
export interface CompareReadyMessage {
  type: PanelMessageType.CompareReady;
  compareId: number;
  mode: 'models' | 'texts';
  alignment: 'identical' | 'spans' | 'diff';
  a: CompareSide;
  b: CompareSide;
  groups: CompareGroup[];
  compared: number[];
  layersRelative: boolean;
  headsRelative: boolean;
  heads: CompareHeadRow[];
}

/**
 * A head pair's maps on the compared groups, row-major [G × G] (row = query group, column = key
 * group): A's, B's and B − A. Plain float arrays: a difference is signed.
 */
export interface CompareMapsMessage {
  type: PanelMessageType.CompareMaps;
  compareId: number;
  layerA: number;
  headA: number;
  layerB: number;
  headB: number;
  G: number;
  a: Float32Array;
  b: Float32Array;
  diff: Float32Array;
}

/** "Compare…" in the panel: compare the panel's text with another model or another text. */
export interface CompareOpenMessage {
  type: PanelMessageType.CompareOpen;
}

/** Show head `headA` of layer `layerA` of A against its pair in B. */
export interface CompareSelectHeadMessage {
  type: PanelMessageType.CompareSelectHead;
  compareId: number;
  layerA: number;
  headA: number;
}

/** Cancel the run of one side of the comparison. */
export interface CompareCancelMessage {
  type: PanelMessageType.CompareCancel;
  compareId: number;
  side: CompareSideName;
}

/** Close the comparison: both runs and the second model are let go. */
export interface CompareCloseMessage {
  type: PanelMessageType.CompareClose;
  compareId: number;
}
