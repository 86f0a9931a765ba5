// The protocol between the extension host and the Layer Stepper webview view, carried by the shared
// channel (channel.ts). Imported by both sides: plain data only (no vscode, no tfjs, no DOM).
//
// Same shape as shared/protocol.ts: one enum split "to webview" / "from webview", one interface
// per message, a union per direction, each message a channel event of its type. What the current
// step shows (one layer's capture at one query position, the final read-out, the logit lens) the
// webview asks for by `runId`, as channel requests; answers for an older run are dropped.
//
// The numbers are the engine's own (LayerCapture from the forward pass), passed through as
// Float32Array: the stepper never recomputes the model.
import { acceptByType, type Acceptors, type MessageEvents } from './channel';
import type { CaptureSlice } from './sessionTypes';
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
  /** The analysed text changed in the editor: the numbers are stale. */
  Stale = 'stale',
  /** Something went wrong. */
  ShowError = 'showError',

  // ---- from webview ----
  /** The webview has loaded and wants Init (and the current run, if any). */
  Ready = 'ready',
  /** Analyse the active editor's selection (or paragraph). */
  AnalyzeSelection = 'analyzeSelection',
  /** Highlight these tokens of the run in the editor (query strongly, context lightly). */
  Highlight = 'highlight',
  /** Save the numbers of the step shown (CSV or JSON) through VS Code's save dialog. */
  SaveExport = 'saveExport',
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
  /** config.json's model_type: 'gpt2', 'openai-gpt', 'llama', 'mistral', 'qwen2', 'qwen3'. */
  family: string;
  /** Key/value heads (fewer than nHead: grouped-query attention) and the width of one head. */
  nKvHead: number;
  headDim: number;
  norm: 'layernorm' | 'rmsnorm';
  /** Where the norms sit: before attention and the MLP (GPT-2, Llama) or after each residual add (GPT-1). */
  normPlacement: 'pre' | 'post';
  /** Whether a final norm (ln_f, model.norm) comes before the head. */
  finalNorm: boolean;
  /** Rotary position embeddings (positions enter by rotating q and k); absent: learned positions (wpe). */
  rope?: StepperRope;
  /** Sliding-window attention in layers ≥ fromLayer (Mistral). */
  slidingWindow?: { size: number; fromLayer: number };
  /** Qwen3: RMSNorm over each head's q and k before RoPE. */
  qkNorm: boolean;
  /** q, k, v projections with biases (GPT-2, GPT-1, Qwen2). */
  qkvBias: boolean;
  /** The feed-forward network: activation(x·W_fc)·W_proj, or SwiGLU's down(silu(gate(x)) · up(x)). */
  mlp: 'mlp' | 'swiglu';
  /** The head is the token embedding transposed (tied) or its own lm_head. */
  tiedHead: boolean;
  /** The weights' dtype as the checkpoint stores them ('mixed': more than one); absent when unknown. */
  weightsDtype?: 'F32' | 'F16' | 'BF16' | 'mixed';
  /** True for the model shipped in media/model. */
  bundled: boolean;
  /** The model card (README.md), when the folder has one: corpus, loss, how it was trained. */
  card?: string;
}

/** The rotary embedding's settings (config.json's rope_theta, partial_rotary_factor, rope_scaling). */
export interface StepperRope {
  theta: number;
  /** Leading dims of each head that rotate (headDim unless partial_rotary_factor < 1). */
  rotaryDim: number;
  scaling?: { type: string; factor: number };
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
  /** TopPredictions.bytes: each entry's bytes where its text cannot hold them (''); absent when every text does. */
  bytes?: string[];
  logits: number[];
  probs: number[];
  /** log Σ exp(logits) over the whole vocabulary (the softmax's denominator, as a log). */
  logSumExp: number;
}

export interface LensCell {
  ids: number[];
  texts: string[];
  /** As Readout.bytes. */
  bytes?: string[];
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

/**
 * One layer's internals at one query position of run `runId` (the `capture` request's answer): the
 * engine's CaptureSlice — the capture, the wte row of the query token (and the wpe row of its
 * position where the family has learned positions), the final norm of the last block's output,
 * and inv_freq for rotary families.
 */
export interface CaptureReply extends CaptureSlice {
  runId: number;
}

export interface ReadoutReply {
  runId: number;
  readout: Readout;
}

export interface LogitLensReply {
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
}

export type StepperToWebview =
  | StepperInitMessage
  | StepperModelMessage
  | StepperRunMessage
  | StepperBusyMessage
  | StepperStaleMessage
  | StepperShowErrorMessage;

// ---------------------------------------------------------------- from webview

export interface StepperReadyMessage {
  type: StepperMessageType.Ready;
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

/** The step's numbers as the webview wrote them (webview/stepper/stepExport.ts), with the file name it offers. */
export interface StepperSaveExportMessage {
  type: StepperMessageType.SaveExport;
  format: 'csv' | 'json';
  fileName: string;
  data: string;
}

export type StepperFromWebview =
  | StepperReadyMessage
  | AnalyzeSelectionMessage
  | HighlightMessage
  | StepperSaveExportMessage;

const TO_WEBVIEW = new Set<string>([
  StepperMessageType.Init,
  StepperMessageType.Model,
  StepperMessageType.Run,
  StepperMessageType.Busy,
  StepperMessageType.Stale,
  StepperMessageType.ShowError,
]);

const FROM_WEBVIEW = new Set<string>([
  StepperMessageType.Ready,
  StepperMessageType.AnalyzeSelection,
  StepperMessageType.Highlight,
  StepperMessageType.SaveExport,
]);

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;
const isIndex = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;

/** Checks a message from the webview: a known type and well-formed fields; else undefined. */
export function parseStepperFromWebview(x: unknown): StepperFromWebview | undefined {
  if (!isObject(x) || typeof x.type !== 'string' || !FROM_WEBVIEW.has(x.type)) return undefined;
  const m = x as unknown as StepperFromWebview;
  switch (m.type) {
    case StepperMessageType.SaveExport:
      return (m.format === 'csv' || m.format === 'json') &&
        typeof m.fileName === 'string' &&
        /^[^\\/:*?"<>|\u0000-\u001f]{1,200}$/.test(m.fileName) &&
        !/^\.+$/.test(m.fileName) &&
        typeof m.data === 'string'
        ? m
        : undefined;
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

/** What the webview answers and hears: the host's messages. */
export interface StepperWebviewProtocol {
  requests: Record<string, never>;
  events: MessageEvents<StepperToWebview>;
}

/** What the host answers (the numbers a step shows) and hears (the webview's messages). */
export interface StepperHostProtocol {
  requests: {
    capture: { request: { runId: number; layer: number; position: number }; reply: CaptureReply };
    readout: { request: { runId: number; position: number }; reply: ReadoutReply };
    logitLens: { request: { runId: number }; reply: LogitLensReply };
  };
  events: MessageEvents<StepperFromWebview>;
}

/** The host's checks of what the webview (untrusted) sends. */
export const STEPPER_HOST_ACCEPT: Acceptors<StepperHostProtocol> = {
  requests: {
    capture: (b) => (isObject(b) && isIndex(b.runId) && isIndex(b.layer) && isIndex(b.position) ? { runId: b.runId, layer: b.layer, position: b.position } : undefined),
    readout: (b) => (isObject(b) && isIndex(b.runId) && isIndex(b.position) ? { runId: b.runId, position: b.position } : undefined),
    logitLens: (b) => (isObject(b) && isIndex(b.runId) ? { runId: b.runId } : undefined),
  },
  events: acceptByType<StepperFromWebview>(FROM_WEBVIEW, parseStepperFromWebview),
};

/** The webview's checks of what the host sends. */
export const STEPPER_WEBVIEW_ACCEPT: Acceptors<StepperWebviewProtocol> = {
  requests: {},
  events: acceptByType<StepperToWebview>(TO_WEBVIEW, parseStepperToWebview),
};
