// What EngineClient (main thread) and the engine worker say to each other, as a channel protocol
// (src/shared/channel.ts): the worker answers the requests below, one at a time and in order,
// except that a cancel reaches a running request at once. A Generate request streams a progress
// event per token before its reply; an Analyze request that asks for it (`early`) streams its
// first phase: the summary as the forward starts, then one event per layer as the blocks run
// (before the LM head). Typed arrays travel in transfer lists. Errors cross as EngineErrorData.
import type { EngineOptions } from './session';
import type { AnalysisSummary, AnalyzeOptions, AttentionSummary, CaptureSlice, LogitLensResult } from '../shared/sessionTypes';
import type { ModelInfo } from './modelInfo';
import type { EngineDiagnostics } from './diagnostics';
import type { GeneratedToken, GenerationResult, SamplingOptions } from './types';
import type { Token } from '../shared/token';
import type { ChatMessage, ChatPrompt } from '../shared/chat';
import type { AttributionRequest, AttributionResult } from '../shared/attribution';
import type { AblationRequest, AblationResult, PatchProgress, PatchRequest, PatchResult } from '../shared/interventionTypes';
import type { EncDecInfo } from './encdec/encdecInfo';
import type { EncDecAnalysis, TranslateProgress, TranslateRequestOptions, TranslationResult } from '../shared/encdecTypes';

/** The first phase carries the attentions themselves up to this many bytes (else only the summary). */
export const EVENT_ATTENTIONS_MAX_BYTES = 64 * 1024 * 1024;

/** workerData of the engine worker: how to set up tfjs, and how many threads to split a model over. */
export type WorkerInit = EngineOptions;

/** Both cancellable requests carry one: an Int32Array(1) over it; the client stores 1 to cancel
 * between two steps without waiting for the worker's event loop (a generation never yields to it). */
export interface CancelFlag {
  cancelFlag?: SharedArrayBuffer;
}

/**
 * The first phase of an analysis, as progress of its request: `start` comes first, before the
 * forward runs. With `streamed` (every attention takes at most EVENT_ATTENTIONS_MAX_BYTES), a
 * `layer` event follows for each layer, in order, as soon as it has run: a copy of its attention
 * [H × T × T]. Otherwise the attentions are fetched by runId once the analysis has answered.
 */
export type AnalyzeProgress =
  | { kind: 'start'; summary: AttentionSummary; streamed: boolean }
  | { kind: 'layer'; layer: number; attention: Float32Array }
  /** A run on demand (summary.onDemand, asked with a thumbSize): each layer's thumbnails [H × size × size], in order. */
  | { kind: 'thumbs'; layer: number; size: number; thumbs: Float32Array };

/** A token generated, sent as soon as it is sampled; `index` counts from 0. */
export interface TokenProgress {
  index: number;
  token: GeneratedToken;
}

/** How the test hook ends the worker (EngineWorkerProtocol's `crash`). */
export type CrashKind = 'throw' | 'exit' | 'oom';

/** What the worker answers. */
export interface EngineWorkerProtocol {
  requests: {
    /** Loads a model folder, replacing (and disposing) any model loaded before. */
    load: { request: { dir: string }; reply: ModelInfo };
    /**
     * One forward pass with every attention, over a text or over tokens given (their ids exactly,
     * e.g. a chat prompt and its answer). A cancelled analysis is discarded and answered
     * CANCELLED, also when it finished before it saw the cancel.
     */
    analyze: { request: { text: string | Token[]; opts: AnalyzeOptions; early?: boolean } & CancelFlag; reply: AnalysisSummary; progress: AnalyzeProgress };
    /** One head's (or, head −1, the heads' mean) attention of a kept run: [T × T] (on demand: rebuilt). */
    attention: { request: { runId: number; layer: number; head: number }; reply: Float32Array };
    /** Every attention of a kept run: [L × H × T × T]. */
    allAttentions: { request: { runId: number }; reply: Float32Array };
    /** The logits of a kept run: [T × V]. */
    logits: { request: { runId: number }; reply: Float32Array };
    /** One layer's internals at one position of a kept run (re-runs the forward pass). */
    capture: { request: { runId: number; layer: number; position: number }; reply: CaptureSlice };
    /** The top-k readout of every residual stream of a kept run. */
    logitLens: { request: { runId: number; topK: number }; reply: LogitLensResult };
    /**
     * Token attribution for the prediction at one position of a text (or of tokens as given): by
     * gradient × input, integrated gradients or occlusion (src/engine/attribution/). Cancellable.
     */
    attribute: { request: { text: string | Token[]; req: AttributionRequest } & CancelFlag; reply: AttributionResult };
    /** A forward without and with heads ablated; the ablated run is kept (its attentions by AblationResult.runId). */
    ablate: { request: { text: string | Token[]; req: AblationRequest } & CancelFlag; reply: AblationResult };
    /** Activation patching, clean into corrupted (progress: forwards done); cancellable between forwards. */
    patch: { request: { req: PatchRequest } & CancelFlag; reply: PatchResult; progress: PatchProgress };
    /** Forgets a kept run. */
    release: { request: { runId: number }; reply: null };
    /**
     * Renders a conversation through the loaded model's chat template (ending with the assistant's
     * turn header) and tokenizes it; NO_CHAT_TEMPLATE when the model has none (ModelInfo.chatTemplate).
     */
    chatPrompt: { request: { messages: ChatMessage[] }; reply: ChatPrompt };
    /** Tokenizes a text with the loaded model's tokenizer. */
    tokenize: { request: { text: string }; reply: Token[] };
    /** Generates with the KV cache; a cancelled generation answers with stopReason 'cancelled'. */
    generate: { request: { prompt: string | number[]; opts: SamplingOptions } & CancelFlag; reply: GenerationResult; progress: TokenProgress };
    /**
     * What the engine thread holds (memory, live tensors, kept runs), for the soak benchmark and
     * leak tests. Answered in turn, after the requests before it; also with no model loaded.
     * `gc`: collect garbage first, where the process runs with --expose-gc (else ignored).
     */
    diagnostics: { request: { gc?: boolean }; reply: EngineDiagnostics };
    /** Loads an encoder–decoder folder (MarianMTModel, T5ForConditionalGeneration), replacing any model loaded before. */
    loadEncDec: { request: { dir: string }; reply: EncDecInfo };
    /** Translates with the loaded encoder–decoder model, a progress per step; a cancelled one answers with `cancelled`. */
    translate: { request: { text: string; opts: TranslateRequestOptions } & CancelFlag; reply: TranslationResult; progress: TranslateProgress };
    /** A source and its target (else the greedy translation) through the encoder–decoder model: the three kinds of attention. */
    analyzeEncDec: { request: { source: string; target?: string | number[]; maxNewTokens?: number }; reply: EncDecAnalysis };
  };
  events: {
    /**
     * Test hook: the worker ends as a real fatal error would: `throw` (the default) outside every
     * handler, `exit` through process.exit(3), `oom` by filling its heap until V8 gives up.
     */
    crash: { how?: CrashKind };
  };
}

/** What the client answers and hears: nothing; everything it gets is a reply or progress. */
export interface EngineClientProtocol {
  requests: Record<string, never>;
  events: Record<string, never>;
}
