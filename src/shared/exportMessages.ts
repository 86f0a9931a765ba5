// The panel's messages for exporting a view or a report (issue 16) and for the attribution of a
// prediction (issue 15), kept beside protocol.ts (which lists them in its unions and re-exports
// them). Plain data only.
import type { AttributionMethod } from './attribution';
import type { MatrixSource } from './matrixSource';
import type { PanelMessageType } from './protocol';

/** What an export of a view is: the file's format; the host names the file's type from it. */
export type ExportFormat = 'png' | 'svg' | 'csv' | 'json';

/**
 * A view exported by the webview (export/ writers; PNG rasterised from the SVG at 2×), to be saved
 * where the user says. `data`: text (svg, csv, json) or base64 (png).
 */
export interface SaveExportMessage {
  type: PanelMessageType.SaveExport;
  runId: number;
  format: ExportFormat;
  /** The file name offered in the save dialog (no folder), e.g. "attention-L3H7.svg". */
  fileName: string;
  data: string;
}

/** Save run `runId`'s attention as float32 .npy: one matrix [T, T], or every head [L, H, T, T] ('all'). */
export interface ExportTensorMessage {
  type: PanelMessageType.ExportTensor;
  runId: number;
  source: MatrixSource | 'all';
}

/** Make run `runId`'s report: `heads` offered as the pinned ones (the user edits the list), in these colours. */
export interface ExportReportMessage {
  type: PanelMessageType.ExportReport;
  runId: number;
  heads: [number, number][];
  theme: 'light' | 'dark';
  gamma: boolean;
}

/**
 * The attribution of a prediction (the top one, or the one asked for) at `position` of run `runId` (src/engine/attribution/):
 * one score per token 0…position, beside the attention rollout's row at `position` (the last
 * layer's, tokens 0…position) for comparison. With `error` it failed: no scores, the message says why.
 */
export interface AttributionReadyMessage {
  type: PanelMessageType.AttributionReady;
  runId: number;
  position: number;
  method: AttributionMethod;
  /** The explained token's text and its log-probability (nats). */
  target: string;
  logProb: number;
  scores: number[];
  rollout: number[];
  error?: string;
}

/** Attribute the prediction `target` (a token id; the top one when absent) at `position` of the panel's run `runId` by `method`. */
export interface RunAttributionMessage {
  type: PanelMessageType.RunAttribution;
  runId: number;
  position: number;
  method: AttributionMethod;
  target?: number;
}
