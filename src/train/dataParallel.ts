// Data-parallel gradients on both cores: each micro-batch's rows are cut into fixed parts (the
// first rows, then the next ...); part 0 runs on the calling thread's own model (unless
// `mainComputes` is false), every other part on a worker thread (gradWorker.ts) that reads the
// parameters from SharedArrayBuffers. The parts' gradients are summed in a FIXED order (part 0,
// then 1, ...), so a seeded run gives the same bits every time and a resumed run reproduces an
// uninterrupted one. The sum differs from a one-thread step only by float rounding.
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { GPTConfig } from '../engine/types';
import { workerSource, type WorkerSource } from '../engine/workerSource';
import type { LossResult, TokenBatch, TrainableModel } from './trainable';
import type { GradReply, GradRequest, GradWorkerData } from './gradWorker';

export interface DataParallelOptions {
  /** Threads computing gradients, the caller's included when `mainComputes` (default 2). */
  threads?: number;
  /** Whether the calling thread computes part 0 itself (default true: one worker fewer, one copy fewer). */
  mainComputes?: boolean;
  /** The worker's script; default dist/train-worker.js beside this bundle, or gradWorker.ts under tsx. */
  workerScript?: string;
}

type Grads = LossResult & { grads: Float32Array[] };

interface Pending {
  resolve: (r: Grads) => void;
  reject: (e: Error) => void;
}

/** How to start a gradient worker from wherever this code runs (a bundle, or TypeScript under tsx). */
function gradWorkerSource(script?: string): WorkerSource {
  if (script) return { file: script, eval: false };
  return workerSource(path.join(__dirname, 'train-worker.js'), path.join(__dirname, 'gradWorker.ts'));
}

/** Rows [start, end) of a batch, copied. */
function rows(b: TokenBatch, start: number, end: number): TokenBatch {
  const s = start * b.T;
  const e = end * b.T;
  const part: TokenBatch = { B: end - start, T: b.T, inputs: b.inputs.slice(s, e), targets: b.targets.slice(s, e) };
  if (b.weights) part.weights = b.weights.slice(s, e);
  return part;
}

class GradWorker {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | undefined;
  private readonly ready: Promise<void>;
  private readonly worker: Worker;

  constructor(readonly index: number, src: { file: string; eval: boolean }, data: GradWorkerData) {
    const w = new Worker(src.file, { eval: src.eval, workerData: data });
    this.worker = w;
    this.ready = new Promise<void>((resolve, reject) => {
      w.on('message', (m: GradReply) => {
        if (m.kind === 'ready') return resolve();
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.kind === 'result') p.resolve(m);
        else p.reject(new Error(`gradient worker ${this.index} failed: ${m.message}`));
      });
      const fail = (e: Error): void => {
        this.failure ??= e;
        reject(e);
        for (const p of this.pending.values()) p.reject(e);
        this.pending.clear();
      };
      w.on('error', (e: Error) => fail(new Error(`gradient worker ${this.index} crashed: ${e.message}`)));
      w.on('exit', (code) => fail(new Error(`gradient worker ${this.index} exited (code ${code})`)));
    });
    this.ready.catch(() => undefined);
  }

  whenReady(): Promise<void> {
    return this.ready;
  }

  run(batch: TokenBatch): Promise<Grads> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const req: GradRequest = { id, ...batch };
    const transfer = [req.inputs.buffer, req.targets.buffer, ...(req.weights ? [req.weights.buffer] : [])] as ArrayBuffer[];
    return new Promise<Grads>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage(req, transfer);
    });
  }

  async close(): Promise<void> {
    this.failure ??= new Error(`gradient worker ${this.index} was closed`);
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}

export class DataParallel {
  private constructor(
    private readonly workers: GradWorker[],
    private readonly shared: Float32Array[],
    private readonly mainComputes: boolean,
  ) {}

  /** Starts the workers (each loads its own wasm backend) for a model of `config`. */
  static async start(config: GPTConfig, sizes: readonly number[], opts: DataParallelOptions = {}): Promise<DataParallel> {
    const threads = opts.threads ?? 2;
    const mainComputes = opts.mainComputes ?? true;
    const nWorkers = mainComputes ? threads - 1 : threads;
    if (threads < 2 || nWorkers < 1) throw new Error(`data parallelism needs at least 2 threads, got ${threads}`);
    const buffers = sizes.map((n) => new SharedArrayBuffer(n * 4));
    const src = gradWorkerSource(opts.workerScript);
    const workers = Array.from({ length: nWorkers }, (_, i) => new GradWorker(i + (mainComputes ? 1 : 0), src, { config, params: buffers }));
    try {
      await Promise.all(workers.map((w) => w.whenReady()));
    } catch (e) {
      await Promise.all(workers.map((w) => w.close()));
      throw e;
    }
    return new DataParallel(workers, buffers.map((b) => new Float32Array(b)), mainComputes);
  }

  /** Number of threads computing each micro-batch. */
  get threads(): number {
    return this.workers.length + (this.mainComputes ? 1 : 0);
  }

  /**
   * `model.lossAndGrads(batch)` computed in parts on all threads with `model`'s current
   * parameters; the result is the parts' sums, added in part order.
   */
  async lossAndGrads(model: TrainableModel, batch: TokenBatch): Promise<Grads> {
    this.shared.forEach((s, k) => s.set(model.params[k])); // the workers' view of this step's parameters
    const n = Math.min(this.threads, batch.B);
    const bounds = Array.from({ length: n + 1 }, (_, i) => Math.round((i * batch.B) / n));
    const parts = Array.from({ length: n }, (_, i) => rows(batch, bounds[i], bounds[i + 1]));
    const off = this.mainComputes ? 1 : 0;
    const remote = parts.slice(off).map((p, i) => this.workers[i].run(p));
    // Whatever happens below, every reply is awaited (or its failure observed) before returning.
    remote.forEach((r) => r.catch(() => undefined));
    const results: Grads[] = [];
    if (this.mainComputes) results.push(model.lossAndGrads(parts[0]));
    results.push(...(await Promise.all(remote)));
    const out = results[0];
    for (let p = 1; p < results.length; p++) {
      const r = results[p];
      out.lossSum += r.lossSum;
      out.weightSum += r.weightSum;
      for (let k = 0; k < out.grads.length; k++) {
        const g = out.grads[k];
        const h = r.grads[k];
        for (let i = 0; i < g.length; i++) g[i] += h[i];
      }
    }
    return out;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }
}
