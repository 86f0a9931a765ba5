// The main thread's handle on the engine worker: typed promises over workerProtocol. If the worker
// dies, pending calls reject with WORKER_DIED and the next call starts a new one (reloading the
// last model first).
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { EngineError } from './errors';
import { LayerStream } from './layerStream';
import type { AnalysisSummary, AnalyzeOptions, AttentionSummary, CaptureSlice, LogitLensResult, ModelInfo } from './session';
import type { GeneratedToken, GenerationResult, SamplingOptions, TokenSpan } from './types';
import {
  MessageType,
  type EngineRequest,
  type EngineResponse,
  type ReplyingType,
  type RequestOf,
  type ResultMap,
  type WorkerInit,
} from './workerProtocol';

export interface EngineClientOptions extends WorkerInit {
  /** The bundled worker; default `engine-worker.js` beside this bundle. */
  workerPath?: string;
}

export interface GenerationHandle {
  id: number;
  result: Promise<GenerationResult>;
  /** Stops the generation between two tokens; `result` then resolves with stopReason 'cancelled'. */
  cancel(): void;
}

/** The first phase of an analysis (see AttentionsEvent): its summary, then its layers as they run. */
export interface EarlyAttentions {
  summary: AttentionSummary;
  /** Each layer's attention [H × T × T] as it arrives (none when too big to stream: fetch by runId). */
  layers: LayerStream;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: EngineError): void;
  onToken?: (t: GeneratedToken, i: number) => void;
  onAttentions?: (early: EarlyAttentions) => void;
  stream?: LayerStream;
}

/** Rejects a call, and the layers its stream still owes. */
function rejectPending(p: Pending, err: EngineError): void {
  p.stream?.fail(err);
  p.reject(err);
}

interface CallOptions {
  id?: number;
  reload?: boolean;
  onToken?: (t: GeneratedToken, i: number) => void;
  onAttentions?: (early: EarlyAttentions) => void;
}

type Without<R, K extends keyof R> = Omit<R, K>;

export class EngineClient {
  /** Called when the worker dies unexpectedly (after pending calls were rejected). */
  onDidCrash?: (err: EngineError) => void;

  private worker: Worker | undefined;
  private lastError: Error | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private lastDir: string | undefined;
  private disposed = false;

  private constructor(private readonly opts: EngineClientOptions) {}

  static start(opts: EngineClientOptions = {}): EngineClient {
    const client = new EngineClient(opts);
    client.ensureWorker(false);
    return client;
  }

  async load(dir: string): Promise<ModelInfo> {
    const info = await this.call<MessageType.Load>({ type: MessageType.Load, dir }, { reload: false });
    this.lastDir = dir;
    return info;
  }

  /**
   * `signal` aborts it: the analysis is dropped and the promise rejects with CANCELLED.
   * `onAttentions`, when given, is called once before the promise settles, as the forward starts:
   * its `layers` fill in as the blocks run (the LM head, top-k and surprisal follow the last); if
   * the analysis fails first, the layers still missing reject.
   */
  analyze(
    text: string,
    opts: AnalyzeOptions = {},
    signal?: AbortSignal,
    onAttentions?: (early: EarlyAttentions) => void,
  ): Promise<AnalysisSummary> {
    const cancelFlag = new SharedArrayBuffer(4);
    const id = this.nextId++;
    const req = { type: MessageType.Analyze, text, opts, cancelFlag, ...(onAttentions ? { early: true } : {}) } as const;
    const p = this.call<MessageType.Analyze>(req, { id, onAttentions });
    if (!signal) return p;
    let aborted = false;
    const abort = (): void => {
      aborted = true;
      this.cancelRequest(id, cancelFlag);
    };
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
    return p.then(
      (summary) => {
        signal.removeEventListener('abort', abort);
        if (!aborted) return summary;
        // The worker finished before the cancel reached it (its answer was already on the way):
        // the caller asked to drop the run, so it is let go here and the promise keeps its word.
        void this.release(summary.runId).catch(() => undefined);
        throw new EngineError('CANCELLED', 'the analysis was cancelled');
      },
      (err: unknown) => {
        signal.removeEventListener('abort', abort);
        throw err;
      },
    );
  }

  attention(runId: number, layer: number, head: number): Promise<Float32Array> {
    return this.call<MessageType.Attention>({ type: MessageType.Attention, runId, layer, head });
  }

  allAttentions(runId: number): Promise<Float32Array> {
    return this.call<MessageType.AllAttentions>({ type: MessageType.AllAttentions, runId });
  }

  logits(runId: number): Promise<Float32Array> {
    return this.call<MessageType.Logits>({ type: MessageType.Logits, runId });
  }

  capture(runId: number, layer: number, position: number): Promise<CaptureSlice> {
    return this.call<MessageType.Capture>({ type: MessageType.Capture, runId, layer, position });
  }

  logitLens(runId: number, topK = 5): Promise<LogitLensResult> {
    return this.call<MessageType.LogitLens>({ type: MessageType.LogitLens, runId, topK });
  }

  async release(runId: number): Promise<void> {
    await this.call<MessageType.Release>({ type: MessageType.Release, runId });
  }

  tokenize(text: string): Promise<TokenSpan[]> {
    return this.call<MessageType.Tokenize>({ type: MessageType.Tokenize, text });
  }

  generate(
    prompt: string | number[],
    opts: SamplingOptions,
    onToken?: (t: GeneratedToken, i: number) => void,
  ): GenerationHandle {
    const cancelFlag = new SharedArrayBuffer(4);
    const id = this.nextId++;
    const result = this.call<MessageType.Generate>({ type: MessageType.Generate, prompt, opts, cancelFlag }, { id, onToken });
    return { id, result, cancel: () => this.cancelRequest(id, cancelFlag) };
  }

  /** Test hook: makes the worker die as if from a fatal error. */
  crashForTesting(): void {
    this.worker?.postMessage({ type: MessageType.Crash, id: this.nextId++ } satisfies EngineRequest);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.rejectAll(new EngineError('NOT_LOADED', 'the engine was shut down'));
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }

  private cancelRequest(id: number, flag: SharedArrayBuffer): void {
    Atomics.store(new Int32Array(flag), 0, 1);
    if (this.pending.has(id)) {
      this.worker?.postMessage({ type: MessageType.Cancel, id: this.nextId++, target: id } satisfies EngineRequest);
    }
  }

  private call<T extends ReplyingType>(
    req: Without<RequestOf<T>, 'id'>,
    opts: CallOptions = {},
  ): Promise<ResultMap[T]> {
    const id = opts.id ?? this.nextId++;
    const { reload = true, onToken, onAttentions } = opts;
    if (this.disposed) return Promise.reject(new EngineError('NOT_LOADED', 'the engine was shut down'));
    const worker = this.ensureWorker(reload);
    return new Promise<ResultMap[T]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onToken, onAttentions });
      worker.ref();
      try {
        worker.postMessage({ ...req, id } as EngineRequest);
      } catch (err) {
        this.settle(id);
        reject(EngineError.from(err));
      }
    });
  }

  private ensureWorker(reload: boolean): Worker {
    if (this.worker) return this.worker;
    const init: WorkerInit = {};
    if (this.opts.backend) init.backend = this.opts.backend;
    if (this.opts.wasmDir) init.wasmDir = this.opts.wasmDir;
    if (this.opts.threads !== undefined) init.threads = this.opts.threads;
    const w = new Worker(this.opts.workerPath ?? join(__dirname, 'engine-worker.js'), { workerData: init });
    this.worker = w;
    this.lastError = undefined;
    w.unref(); // only pending calls keep the process alive
    w.on('message', (m: EngineResponse) => this.onMessage(m));
    w.on('error', (err) => {
      this.lastError = err;
    });
    w.on('exit', (code) => this.onExit(w, code));
    if (reload && this.lastDir !== undefined) {
      // A restarted worker: load the last model first; requests are served in order after it.
      const dir = this.lastDir;
      this.call<MessageType.Load>({ type: MessageType.Load, dir }, { reload: false }).catch(() => undefined);
    }
    return w;
  }

  private onMessage(m: EngineResponse): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    switch (m.type) {
      case MessageType.Token:
        try {
          p.onToken?.(m.token, m.index);
        } catch {
          // a listener's failure is not the engine's
        }
        return;
      case MessageType.Attentions:
        p.stream = new LayerStream(m.summary.nLayer, m.streamed);
        try {
          p.onAttentions?.({ summary: m.summary, layers: p.stream });
        } catch {
          // a listener's failure is not the engine's
        }
        return;
      case MessageType.AttentionsLayer:
        p.stream?.add(m.layer, m.attention);
        return;
      case MessageType.Result:
        this.settle(m.id);
        p.stream?.fail(new EngineError('INTERNAL', 'the analysis ended without streaming every layer'));
        p.resolve(m.value);
        return;
      case MessageType.Error:
        this.settle(m.id);
        rejectPending(p, EngineError.fromData(m.error));
        return;
    }
  }

  private settle(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker?.unref();
  }

  private onExit(w: Worker, code: number): void {
    if (w !== this.worker) return; // an old worker, already replaced or disposed
    this.worker = undefined;
    if (this.disposed) return;
    const why = this.lastError ? `: ${this.lastError.message}` : '';
    const err = new EngineError('WORKER_DIED', `the engine worker stopped (exit code ${code})${why}; it restarts on the next request`);
    this.rejectAll(err);
    this.onDidCrash?.(err);
  }

  private rejectAll(err: EngineError): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) rejectPending(p, err);
  }
}
