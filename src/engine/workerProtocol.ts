// The messages between EngineClient (main thread) and the engine worker. Every request carries an
// id; the worker answers each with exactly one Result or Error reply carrying the same id; a
// Generate request also gets Token events before its reply, an Analyze request that asks for it
// an Attentions event and one AttentionsLayer event per layer (the first phase: the blocks as they run, before the LM head). Typed arrays travel in transfer lists.
import type { EngineErrorData } from './errors';
import type { AnalysisSummary, AnalyzeOptions, AttentionSummary, CaptureSlice, EngineOptions, LogitLensResult, ModelInfo } from './session';
import type { GeneratedToken, GenerationResult, SamplingOptions, TokenSpan } from './types';

export enum MessageType {
  // ---- requests, client → worker ----
  Load = 'load',
  Analyze = 'analyze',
  Attention = 'attention',
  AllAttentions = 'allAttentions',
  Logits = 'logits',
  Capture = 'capture',
  LogitLens = 'logitLens',
  Release = 'release',
  Tokenize = 'tokenize',
  Generate = 'generate',
  Cancel = 'cancel',
  Crash = 'crash',
  // ---- replies and events, worker → client ----
  Result = 'result',
  Error = 'error',
  Token = 'token',
  Attentions = 'attentions',
  AttentionsLayer = 'attentionsLayer',
}

/** An Attentions event carries the attentions themselves up to this many bytes (else only the summary). */
export const EVENT_ATTENTIONS_MAX_BYTES = 64 * 1024 * 1024;

/** Passed as `workerData` when the worker starts. */
/** workerData of the engine worker: how to set up tfjs, and how many threads to split a model over. */
export type WorkerInit = EngineOptions;

/** Loads a model folder, replacing (and disposing) any model loaded before. → ModelInfo */
export interface LoadRequest {
  type: MessageType.Load;
  id: number;
  dir: string;
}

/**
 * Analyses a text (one forward pass with every attention). → AnalysisSummary. Cancellable through
 * `cancelFlag` (or a Cancel request): a cancelled analysis is discarded and answered CANCELLED.
 */
export interface AnalyzeRequest {
  type: MessageType.Analyze;
  id: number;
  text: string;
  opts: AnalyzeOptions;
  /** Int32Array(1) over a SharedArrayBuffer; the client stores 1 to cancel without a round trip. */
  cancelFlag?: SharedArrayBuffer;
  /** Send an Attentions event before the forward, then the layers as they run (see AttentionsEvent). */
  early?: boolean;
}

/** One head's (or, head −1, the heads' mean) attention of a kept run. → Float32Array [T × T] */
export interface AttentionRequest {
  type: MessageType.Attention;
  id: number;
  runId: number;
  layer: number;
  head: number;
}

/** Every attention of a kept run. → Float32Array [L × H × T × T] */
export interface AllAttentionsRequest {
  type: MessageType.AllAttentions;
  id: number;
  runId: number;
}

/** The logits of a kept run. → Float32Array [T × V] */
export interface LogitsRequest {
  type: MessageType.Logits;
  id: number;
  runId: number;
}

/** One layer's internals at one position of a kept run (re-runs the forward pass). → CaptureSlice */
export interface CaptureRequestMessage {
  type: MessageType.Capture;
  id: number;
  runId: number;
  layer: number;
  position: number;
}

/** The top-k readout of every residual stream of a kept run. → LogitLensResult */
export interface LogitLensRequest {
  type: MessageType.LogitLens;
  id: number;
  runId: number;
  topK: number;
}

/** Forgets a kept run. → null */
export interface ReleaseRequest {
  type: MessageType.Release;
  id: number;
  runId: number;
}

/** Tokenizes a text with the loaded model's tokenizer. → TokenSpan[] */
export interface TokenizeRequest {
  type: MessageType.Tokenize;
  id: number;
  text: string;
}

/** Generates with the KV cache; streams a Token event per new token. → GenerationResult */
export interface GenerateRequest {
  type: MessageType.Generate;
  id: number;
  prompt: string | number[];
  opts: SamplingOptions;
  /** Int32Array(1) over a SharedArrayBuffer; the client stores 1 to cancel between tokens. */
  cancelFlag?: SharedArrayBuffer;
}

/** Cancels request `target` (a Generate or an Analyze). Handled at once, never queued; no reply. */
export interface CancelRequest {
  type: MessageType.Cancel;
  id: number;
  target: number;
}

/** Test hook: throws outside every handler, which ends the thread as a real fatal error would. No reply. */
export interface CrashRequest {
  type: MessageType.Crash;
  id: number;
}

export type EngineRequest =
  | LoadRequest
  | AnalyzeRequest
  | AttentionRequest
  | AllAttentionsRequest
  | LogitsRequest
  | CaptureRequestMessage
  | LogitLensRequest
  | ReleaseRequest
  | TokenizeRequest
  | GenerateRequest
  | CancelRequest
  | CrashRequest;

/** What each request's Result reply carries. */
export interface ResultMap {
  [MessageType.Load]: ModelInfo;
  [MessageType.Analyze]: AnalysisSummary;
  [MessageType.Attention]: Float32Array;
  [MessageType.AllAttentions]: Float32Array;
  [MessageType.Logits]: Float32Array;
  [MessageType.Capture]: CaptureSlice;
  [MessageType.LogitLens]: LogitLensResult;
  [MessageType.Release]: null;
  [MessageType.Tokenize]: TokenSpan[];
  [MessageType.Generate]: GenerationResult;
}

/** Requests that get a Result or Error reply. */
export type ReplyingType = keyof ResultMap;
export type RequestOf<T extends EngineRequest['type']> = Extract<EngineRequest, { type: T }>;

/** The successful answer to request `id`. */
export interface ResultReply<T extends ReplyingType = ReplyingType> {
  type: MessageType.Result;
  id: number;
  value: ResultMap[T];
}

/** The failed answer to request `id`. */
export interface ErrorReply {
  type: MessageType.Error;
  id: number;
  error: EngineErrorData;
}

/** A token generated by request `id`, sent as soon as it is sampled; `index` counts from 0. */
export interface TokenEvent {
  type: MessageType.Token;
  id: number;
  index: number;
  token: GeneratedToken;
}

/**
 * The first phase of Analyze request `id` (asked for with `early`) starts: its summary without
 * predictions, sent before the forward runs. With `streamed` (every attention takes at most
 * EVENT_ATTENTIONS_MAX_BYTES), an AttentionsLayer event follows for each layer, in order, as soon
 * as it has run; else the attentions are fetched by runId (those requests wait in the queue until
 * the analysis ends).
 */
export interface AttentionsEvent {
  type: MessageType.Attentions;
  id: number;
  summary: AttentionSummary;
  streamed: boolean;
}

/** One layer of a streamed first phase: a copy of its attention [H × T × T]. */
export interface AttentionsLayerEvent {
  type: MessageType.AttentionsLayer;
  id: number;
  layer: number;
  attention: Float32Array;
}

export type EngineResponse = ResultReply | ErrorReply | TokenEvent | AttentionsEvent | AttentionsLayerEvent;
