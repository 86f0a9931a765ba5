// The panel's messages for issue 15's experiments on heads (ablation, activation patching), kept
// beside protocol.ts (which lists them in its unions and re-exports them). Plain data only.
import type { AblationMode, HeadRef } from './interventionTypes';
import type { PanelMessageType, Prediction } from './protocol';

// ---------------------------------------------------------------- to webview

/**
 * An ablation of run `runId` (the panel's): each head's output before the output projection set to
 * 0 or to its mean over the text's positions. The ablated run's attention maps are asked for as a
 * matrix with `ablatedRunId`. Losses in nats per token (entry 0, with no prediction, null); with
 * `error` the ablation failed and nothing else is set.
 */
export interface AblationReadyMessage {
  type: PanelMessageType.AblationReady;
  runId: number;
  ablatedRunId: number;
  heads: HeadRef[];
  mode: AblationMode;
  baseLoss: number;
  ablatedLoss: number;
  baseLosses: (number | null)[];
  ablatedLosses: (number | null)[];
  /** Per position: the top next tokens without and with the ablation. */
  basePredictions: Prediction[];
  ablatedPredictions: Prediction[];
  error?: string;
}

/**
 * Activation patching (PatchResult): the recovered fraction of the logit difference target −
 * contrast, [layer][position] for the residual stream after each block, [layer][head] for each
 * head's output; `tokens`, the corrupted text's. With `error` patching failed and nothing else is set.
 */
export interface PatchReadyMessage {
  type: PanelMessageType.PatchReady;
  runId: number;
  tokens: string[];
  target: string;
  contrast: string;
  cleanDiff: number;
  corruptDiff: number;
  layers: number[][];
  heads: number[][];
  error?: string;
  /** The user cancelled the patching (PatchCancel): nothing else is set, and it is no error. */
  cancelled?: boolean;
}

// ---------------------------------------------------------------- from webview

/** Ablate `heads` of the panel's run `runId` ('zero' or 'mean'); at most one per head. */
export interface AblateHeadsMessage {
  type: PanelMessageType.AblateHeads;
  runId: number;
  heads: HeadRef[];
  mode: AblationMode;
}

/** Patch `clean` into `corrupt` (texts of the same token length), for the panel's run `runId`'s model. */
export interface PatchTextsMessage {
  type: PanelMessageType.PatchTexts;
  runId: number;
  clean: string;
  corrupt: string;
  target: string;
  contrast: string;
}

/** Stop the activation patching running for the panel's run `runId` (answered by a PatchReady with `cancelled`). */
export interface PatchCancelMessage {
  type: PanelMessageType.PatchCancel;
  runId: number;
}
