// The main thread's handle on the engine worker: typed promises over workerProtocol, carried by
// the shared channel. If the worker dies, pending calls reject with WORKER_DIED and the next call
// starts a new one (reloading the last model first).
import { join } from 'node:path';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { Channel, type RequestOptions } from '../shared/channel';
import { nodePort } from '../shared/channelPorts';
import { EngineError, type EngineErrorData } from './errors';
import { LayerStream } from './layerStream';
import type { AnalysisSummary, AnalyzeOptions, AttentionSummary, CaptureSlice, LogitLensResult } from '../shared/sessionTypes';
import type { ModelInfo } from './modelInfo';
import type { EngineDiagnostics } from './diagnostics';
import type { GeneratedToken, GenerationResult, SamplingOptions } from './types';
import type { CrashKind, EngineClientProtocol, EngineWorkerProtocol, WorkerInit } from './workerProtocol';
import type { Token } from '../shared/token';
import type { ChatMessage, ChatPrompt } from '../shared/chat';
import type { AttributionRequest, AttributionResult } from '../shared/attribution';
import type { AblationRequest, AblationResult, PatchProgress, PatchRequest, PatchResult } from '../shared/interventionTypes';
import type { EncDecInfo } from './encdec/encdecInfo';
import type { EncDecAnalysis, TranslateProgress, TranslateRequestOptions, TranslationResult } from '../shared/encdecTypes';

export interface TranslationHandle {
  result: Promise<TranslationResult>;
  /** Stops the translation between two steps; `result` then resolves with `cancelled` true. */
  cancel(): void;
}

export interface EngineClientOptions extends WorkerInit {
  /** The bundled worker; default `engine-worker.js` beside this bundle. */
  workerPath?: string;
  /** The worker's V8 heap limits (tests make it small to run it out of memory quickly). */
  resourceLimits?: ResourceLimits;
}

export interface GenerationHandle {
  result: Promise<GenerationResult>;
  /** Stops the generation between two tokens; `result` then resolves with stopReason 'cancelled'. */
  cancel(): void;
}

/** The first phase of an analysis (see AnalyzeProgress): its summary, then its layers as they run. */
export interface EarlyAttentions {
  summary: AttentionSummary;
  /** Each layer's attention [H × T × T] as it arrives (none when too big to stream: fetch by runId). */
  layers: LayerStream;
}

type Requests = EngineWorkerProtocol['requests'];
type EngineChannel = Channel<EngineClientProtocol, EngineWorkerProtocol>;

/** The worker now running, its channel, and a hold that keeps the process alive while a call is out. */
interface Live {
  worker: Worker;
  channel: EngineChannel;
  hold(): () => void;
}

function decodeError(data: unknown): EngineError {
  const d = (typeof data === 'object' && data !== null ? data : {}) as Partial<EngineErrorData>;
  if (typeof d.code !== 'string' || typeof d.message !== 'string') return new EngineError('INTERNAL', 'the engine worker failed without saying why');
  return EngineError.fromData(d as EngineErrorData);
}

/** A flag the worker reads between two steps; storing 1 cancels without a round trip. */
function cancelFlag(): { buffer: SharedArrayBuffer; raise(): void } {
  const buffer = new SharedArrayBuffer(4);
  return { buffer, raise: () => Atomics.store(new Int32Array(buffer), 0, 1) };
}

export class EngineClient {
  /** Called once each time the worker dies unexpectedly (after pending calls were rejected): WORKER_DIED, or OUT_OF_MEMORY. */
  onDidCrash?: (err: EngineError) => void;

  private live: Live | undefined;
  private lastError: Error | undefined;
  private lastDir: string | undefined;
  /** Which request loaded lastDir (a restarted worker loads it again the same way). */
  private lastLoad: 'load' | 'loadEncDec' = 'load';
  private disposed = false;

  private constructor(private readonly opts: EngineClientOptions) {}

  static start(opts: EngineClientOptions = {}): EngineClient {
    const client = new EngineClient(opts);
    client.ensureWorker(false);
    return client;
  }

  async load(dir: string): Promise<ModelInfo> {
    const info = await this.call('load', { dir }, {}, false);
    this.lastDir = dir;
    this.lastLoad = 'load';
    return info;
  }

  /** Loads an encoder–decoder folder (MarianMTModel, T5ForConditionalGeneration) instead. */
  async loadEncDec(dir: string): Promise<EncDecInfo> {
    const info = await this.call('loadEncDec', { dir }, {}, false);
    this.lastDir = dir;
    this.lastLoad = 'loadEncDec';
    return info;
  }

  /** Translates `text` with the loaded encoder–decoder model; `onStep` hears each step. */
  translate(text: string, opts: TranslateRequestOptions = {}, onStep?: (p: TranslateProgress) => void): TranslationHandle {
    const flag = cancelFlag();
    const onProgress = (p: TranslateProgress): void => {
      try {
        onStep?.(p);
      } catch {
        // a listener's failure is not the engine's
      }
    };
    const result = this.call('translate', { text, opts, cancelFlag: flag.buffer }, { onProgress });
    return { result, cancel: flag.raise };
  }

  /** `source` and `target` (else its greedy translation) through the encoder–decoder model: the three kinds of attention. */
  analyzeEncDec(source: string, target?: string | number[], maxNewTokens?: number): Promise<EncDecAnalysis> {
    return this.call('analyzeEncDec', { source, ...(target !== undefined ? { target } : {}), ...(maxNewTokens !== undefined ? { maxNewTokens } : {}) });
  }

  /**
   * Analyses `text`, or the tokens given as they are (ids the model saw: a chat prompt and its
   * answer). `signal` aborts it: the analysis is dropped and the promise rejects with CANCELLED.
   * `onAttentions`, when given, is called once before the promise settles, as the forward starts:
   * its `layers` fill in as the blocks run (the LM head, top-k and surprisal follow the last); if
   * the analysis fails first, the layers still missing reject.
   */
  analyze(
    text: string | Token[],
    opts: AnalyzeOptions = {},
    signal?: AbortSignal,
    onAttentions?: (early: EarlyAttentions) => void,
  ): Promise<AnalysisSummary> {
    const flag = cancelFlag();
    signal?.addEventListener('abort', flag.raise, { once: true });
    let stream: LayerStream | undefined;
    const onProgress = (p: Requests['analyze']['progress']): void => {
      if (p.kind === 'start') {
        stream = new LayerStream(p.summary.nLayer, p.streamed, (p.summary.onDemand ?? false) && (opts.thumbSize ?? 0) > 0);
        try {
          onAttentions?.({ summary: p.summary, layers: stream });
        } catch {
          // a listener's failure is not the engine's
        }
      } else if (p.kind === 'thumbs') stream?.addThumbs(p.layer, { size: p.size, thumbs: p.thumbs });
      else stream?.add(p.layer, p.attention);
    };
    const body = { text, opts, cancelFlag: flag.buffer, ...(onAttentions ? { early: true } : {}) };
    return this.call('analyze', body, { signal, onProgress }).then(
      (summary) => {
        signal?.removeEventListener('abort', flag.raise);
        stream?.fail(new EngineError('INTERNAL', 'the analysis ended without streaming every layer'));
        return summary;
      },
      (err: unknown) => {
        signal?.removeEventListener('abort', flag.raise);
        stream?.fail(err as Error);
        throw err;
      },
    );
  }

  attention(runId: number, layer: number, head: number): Promise<Float32Array> {
    return this.call('attention', { runId, layer, head });
  }

  allAttentions(runId: number): Promise<Float32Array> {
    return this.call('allAttentions', { runId });
  }

  logits(runId: number): Promise<Float32Array> {
    return this.call('logits', { runId });
  }

  capture(runId: number, layer: number, position: number): Promise<CaptureSlice> {
    return this.call('capture', { runId, layer, position });
  }

  logitLens(runId: number, topK = 5): Promise<LogitLensResult> {
    return this.call('logitLens', { runId, topK });
  }

  /** Token attribution for the prediction at `req.position` of `text` (see EngineSession.attribute). */
  attribute(text: string | Token[], req: AttributionRequest, signal?: AbortSignal): Promise<AttributionResult> {
    const flag = cancelFlag();
    signal?.addEventListener('abort', flag.raise, { once: true });
    return this.call('attribute', { text, req, cancelFlag: flag.buffer }, { signal }).finally(() => signal?.removeEventListener('abort', flag.raise));
  }

  /** A forward without and with heads ablated (the ablated run's attentions by its runId); `signal` cancels it. */
  ablate(text: string | Token[], req: AblationRequest, signal?: AbortSignal): Promise<AblationResult> {
    const flag = cancelFlag();
    signal?.addEventListener('abort', flag.raise, { once: true });
    return this.call('ablate', { text, req, cancelFlag: flag.buffer }, { signal });
  }

  /** Activation patching, clean into corrupted; `onProgress` hears forwards done, `signal` cancels it. */
  patch(req: PatchRequest, onProgress?: (p: PatchProgress) => void, signal?: AbortSignal): Promise<PatchResult> {
    const flag = cancelFlag();
    signal?.addEventListener('abort', flag.raise, { once: true });
    return this.call('patch', { req, cancelFlag: flag.buffer }, { signal, ...(onProgress ? { onProgress } : {}) });
  }

  async release(runId: number): Promise<void> {
    await this.call('release', { runId });
  }

  tokenize(text: string): Promise<Token[]> {
    return this.call('tokenize', { text });
  }

  /** The conversation rendered through the model's chat template, and its ids (NO_CHAT_TEMPLATE without one). */
  chatPrompt(messages: ChatMessage[]): Promise<ChatPrompt> {
    return this.call('chatPrompt', { messages });
  }

  generate(
    prompt: string | number[],
    opts: SamplingOptions,
    onToken?: (t: GeneratedToken, i: number) => void,
  ): GenerationHandle {
    // Cancelled through the flag alone: the generation still answers, with stopReason 'cancelled'.
    const flag = cancelFlag();
    const onProgress = ({ token, index }: Requests['generate']['progress']): void => {
      try {
        onToken?.(token, index);
      } catch {
        // a listener's failure is not the engine's
      }
    };
    const result = this.call('generate', { prompt, opts, cancelFlag: flag.buffer }, { onProgress });
    return { result, cancel: flag.raise };
  }

  /**
   * What the engine thread holds now (memory, live tensors, kept runs); after the calls made before
   * it. `gc`: the thread collects garbage first (only where node runs with --expose-gc).
   */
  diagnostics(opts: { gc?: boolean } = {}): Promise<EngineDiagnostics> {
    return this.call('diagnostics', opts.gc ? { gc: true } : {});
  }

  /** Test hook: makes the worker die as if from a fatal error (see CrashKind). */
  crashForTesting(how: CrashKind = 'throw'): void {
    this.live?.channel.notify('crash', { how });
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const live = this.live;
    this.live = undefined;
    if (!live) return;
    live.channel.close(new EngineError('NOT_LOADED', 'the engine was shut down'));
    await live.worker.terminate();
  }

  private call<K extends keyof Requests>(
    type: K,
    body: Requests[K]['request'],
    options: RequestOptions<Requests[K] extends { progress: infer G } ? G : never> = {},
    reload = true,
  ): Promise<Requests[K]['reply']> {
    if (this.disposed) return Promise.reject(new EngineError('NOT_LOADED', 'the engine was shut down'));
    const { channel, hold } = this.ensureWorker(reload);
    const p = channel.request(type, body, options);
    const release = hold();
    p.then(release, release);
    return p;
  }

  private ensureWorker(reload: boolean): Live {
    if (this.live) return this.live;
    const init: WorkerInit = {};
    if (this.opts.backend) init.backend = this.opts.backend;
    if (this.opts.wasmDir) init.wasmDir = this.opts.wasmDir;
    if (this.opts.threads !== undefined) init.threads = this.opts.threads;
    if (this.opts.maxMemoryMB !== undefined) init.maxMemoryMB = this.opts.maxMemoryMB;
    const w = new Worker(this.opts.workerPath ?? join(__dirname, 'engine-worker.js'), { workerData: init, ...(this.opts.resourceLimits ? { resourceLimits: this.opts.resourceLimits } : {}) });
    const channel: EngineChannel = new Channel(nodePort(w), {
      name: 'engine',
      accept: { requests: {}, events: {} },
      decodeError,
      cancelled: () => new EngineError('CANCELLED', 'the analysis was cancelled'),
      // An analysis that finished before the cancel reached the worker: the caller asked to drop
      // the run, so it is let go here.
      onLateReply: (type, reply) => {
        if (type === 'analyze') void this.release((reply as AnalysisSummary).runId).catch(() => undefined);
      },
    });
    let inFlight = 0;
    const hold = (): (() => void) => {
      if (inFlight++ === 0) w.ref();
      return () => {
        if (--inFlight === 0) w.unref();
      };
    };
    const live: Live = { worker: w, channel, hold };
    this.live = live;
    this.lastError = undefined;
    w.unref(); // only pending calls keep the process alive
    w.on('error', (err) => {
      this.lastError = err;
    });
    w.on('exit', (code) => this.onExit(live, code));
    if (reload && this.lastDir !== undefined) {
      // A restarted worker: load the last model first; requests are served in order after it.
      this.call(this.lastLoad, { dir: this.lastDir }, {}, false).catch(() => undefined);
    }
    return live;
  }

  private onExit(live: Live, code: number): void {
    if (live !== this.live) return; // an old worker, already replaced or disposed
    this.live = undefined;
    if (this.disposed) return;
    const oom = (this.lastError as NodeJS.ErrnoException | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
    const why = this.lastError ? `: ${this.lastError.message}` : '';
    const err = oom
      ? new EngineError('OUT_OF_MEMORY', `the engine worker ran out of memory and stopped${why}; it restarts on the next request`)
      : new EngineError('WORKER_DIED', `the engine worker stopped (exit code ${code})${why}; it restarts on the next request`);
    live.channel.close(err);
    this.onDidCrash?.(err);
  }
}
