// The message protocol between the extension host and the Layer Stepper webview view.
// Imported by both sides: plain data only (no vscode, no tfjs, no DOM).
//
// Same shape as shared/protocol.ts: one enum split "to webview" / "from webview", one interface
// per message, a union per direction. The webview asks for what the current step shows (one
// layer's capture at one query position, the final read-out, the logit lens) by `runId`, with a
// `requestId` the reply echoes; replies for an older run are dropped.
//
// The numbers are the engine's own (LayerCapture from the forward pass), passed through as
// Float32Array: the stepper never recomputes the model.
import type { LayerCapture } from './engineData';
import type { StepperStrings } from './explanations';
import type { Token } from './token';

export type { LayerCapture } from './engineData';

export enum StepperMessageType {
  // ---- to webview ----
  /** The translated UI strings and explanations; sent first, before anything else. */
  Init = 'init',
  /** The model the stepper describes (undefined: none loaded yet). */
  Model = 'model',
  /** A new analysis to step through. */
  Run = 'run',
  /** The host is loading the model or analysing. */
  Busy = 'busy',
  /** Answer to RequestCapture. */
  CaptureReply = 'captureReply',
  /** Answer to RequestReadout. */
  ReadoutReply = 'readoutReply',
  /** Answer to RequestLogitLens. */
  LogitLensReply = 'logitLensReply',
  /** The analysed text changed in the editor: the numbers are stale. */
  Stale = 'stale',
  /** Something went wrong. */
  ShowError = 'showError',

  // ---- from webview ----
  /** The webview has loaded and wants Init (and the current run, if any). */
  Ready = 'ready',
  RequestCapture = 'requestCapture',
  RequestReadout = 'requestReadout',
  RequestLogitLens = 'requestLogitLens',
  /** Analyse the active editor's selection (or paragraph). */
  AnalyzeSelection = 'analyzeSelection',
  /** Highlight these tokens of the run in the editor (query strongly, context lightly). */
  Highlight = 'highlight',
}

/** What the "Model" section shows: the model's own figures. */
export interface StepperModelFacts {
  name: string;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  nInner: number;
  vocabSize: number;
  contextLength: number;
  numParams: number;
  activation: string;
  layerNormEps: number;
  /** True for the model shipped in media/model. */
  bundled: boolean;
  /** The model card (README.md), when the folder has one: corpus, loss, how it was trained. */
  card?: string;
}

/** One analysis, as the stepper needs it. */
export interface StepperRunInfo {
  runId: number;
  tokens: Token[];
  T: number;
  /** e.g. "notes.txt, lines 3–7". */
  label: string;
}

/** ln_f → logits → softmax at one position: the k best next tokens. */
export interface Readout {
  position: number;
  ids: number[];
  texts: string[];
  logits: number[];
  probs: number[];
  /** log Σ exp(logits) over the whole vocabulary (the softmax's denominator, as a log). */
  logSumExp: number;
}

export interface LensCell {
  ids: number[];
  texts: string[];
  probs: number[];
}

// ---------------------------------------------------------------- to webview

export interface StepperInitMessage {
  type: StepperMessageType.Init;
  strings: StepperStrings;
  /** VS Code's display language, e.g. "en" or "zh-cn". */
  language: string;
}

export interface StepperModelMessage {
  type: StepperMessageType.Model;
  model?: StepperModelFacts;
}

export interface StepperRunMessage {
  type: StepperMessageType.Run;
  run: StepperRunInfo;
  /** Query to select first (default: the last token). */
  query?: number;
}

export interface StepperBusyMessage {
  type: StepperMessageType.Busy;
  detail: string;
}

export interface CaptureReplyMessage {
  type: StepperMessageType.CaptureReply;
  requestId: number;
  runId: number;
  capture: LayerCapture;
  /** wte row of the query token [d] and wpe row of its position [d]. */
  tokenEmbedding: Float32Array;
  positionEmbedding: Float32Array;
  /** ln_f of the last block's output at the query position [d] (what the unembedding reads). */
  finalLn?: Float32Array;
}

export interface ReadoutReplyMessage {
  type: StepperMessageType.ReadoutReply;
  requestId: number;
  runId: number;
  readout: Readout;
}

export interface LogitLensReplyMessage {
  type: StepperMessageType.LogitLensReply;
  requestId: number;
  runId: number;
  /** [layer][position], nLayer + 1 rows: the embeddings, then after each block. */
  cells: LensCell[][];
}

export interface StepperStaleMessage {
  type: StepperMessageType.Stale;
  runId: number;
}

export interface StepperShowErrorMessage {
  type: StepperMessageType.ShowError;
  message: string;
  /** The request that failed, if any (the webview stops waiting for it). */
  requestId?: number;
}

export type StepperToWebview =
  | StepperInitMessage
  | StepperModelMessage
  | StepperRunMessage
  | StepperBusyMessage
  | CaptureReplyMessage
  | ReadoutReplyMessage
  | LogitLensReplyMessage
  | StepperStaleMessage
  | StepperShowErrorMessage;

// ---------------------------------------------------------------- from webview

export interface StepperReadyMessage {
  type: StepperMessageType.Ready;
}

export interface RequestCaptureMessage {
  type: StepperMessageType.RequestCapture;
  requestId: number;
  runId: number;
  layer: number;
  position: number;
}

export interface RequestReadoutMessage {
  type: StepperMessageType.RequestReadout;
  requestId: number;
  runId: number;
  position: number;
}

export interface RequestLogitLensMessage {
  type: StepperMessageType.RequestLogitLens;
  requestId: number;
  runId: number;
}

export interface AnalyzeSelectionMessage {
  type: StepperMessageType.AnalyzeSelection;
}

export interface HighlightMessage {
  type: StepperMessageType.Highlight;
  runId: number;
  /** The query token, or −1 for none. */
  query: number;
  /** Other tokens the step is about (the keys it looks at). */
  context: number[];
}

export type StepperFromWebview =
  | StepperReadyMessage
  | RequestCaptureMessage
  | RequestReadoutMessage
  | RequestLogitLensMessage
  | AnalyzeSelectionMessage
  | HighlightMessage;

const TO_WEBVIEW = new Set<string>([
  StepperMessageType.Init,
  StepperMessageType.Model,
  StepperMessageType.Run,
  StepperMessageType.Busy,
  StepperMessageType.CaptureReply,
  StepperMessageType.ReadoutReply,
  StepperMessageType.LogitLensReply,
  StepperMessageType.Stale,
  StepperMessageType.ShowError,
]);

const FROM_WEBVIEW = new Set<string>([
  StepperMessageType.Ready,
  StepperMessageType.RequestCapture,
  StepperMessageType.RequestReadout,
  StepperMessageType.RequestLogitLens,
  StepperMessageType.AnalyzeSelection,
  StepperMessageType.Highlight,
]);

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;
const isIndex = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;

/** Checks a message from the webview: a known type and well-formed fields; else undefined. */
export function parseStepperFromWebview(x: unknown): StepperFromWebview | undefined {
  if (!isObject(x) || typeof x.type !== 'string' || !FROM_WEBVIEW.has(x.type)) return undefined;
  const m = x as unknown as StepperFromWebview;
  switch (m.type) {
    case StepperMessageType.RequestCapture:
      return isIndex(m.requestId) && isIndex(m.runId) && isIndex(m.layer) && isIndex(m.position) ? m : undefined;
    case StepperMessageType.RequestReadout:
      return isIndex(m.requestId) && isIndex(m.runId) && isIndex(m.position) ? m : undefined;
    case StepperMessageType.RequestLogitLens:
      return isIndex(m.requestId) && isIndex(m.runId) ? m : undefined;
    case StepperMessageType.Highlight:
      return isIndex(m.runId) &&
        typeof m.query === 'number' &&
        Number.isInteger(m.query) &&
        m.query >= -1 &&
        Array.isArray(m.context) &&
        m.context.every(isIndex)
        ? m
        : undefined;
    default:
      return m;
  }
}

/** Checks a message from the host (by type only: the host is trusted). */
export function parseStepperToWebview(x: unknown): StepperToWebview | undefined {
  if (!isObject(x) || typeof x.type !== 'string' || !TO_WEBVIEW.has(x.type)) return undefined;
  return x as unknown as StepperToWebview;
}
