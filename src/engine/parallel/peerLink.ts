// Rank 0's handle on one peer thread of a tensor-parallel model: starts it with its shard of the
// weights, sends it requests and routes its replies. A peer that fails or exits marks the link
// broken (and the shared reduce buffer failed, so no thread waits for it): every later request
// rejects with WORKER_DIED, and the engine restarts the model.
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { EngineError } from '../errors';
import { workerSource } from '../workerSource';
import type { PeerCallRequest, PeerInit, PeerReply, PeerRequest } from './peerProtocol';
import { weightBuffers } from './shards';

type BlocksReply = Extract<PeerReply, { kind: 'blocks' }>;
type DoneReply = Extract<PeerReply, { kind: 'done' }>;

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: Error) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined); // a phase nobody awaits (an abandoned request) must not go unhandled
  return { promise, resolve, reject };
}

/** What a request sent to a peer resolves to, phase by phase. */
export interface PeerCall {
  /** Only for 'forward' with streamLayers: the peer has written its heads of layer `l`. */
  layer(l: number): Promise<void>;
  /** Only for 'forward': after the peer's blocks. */
  blocks: Promise<BlocksReply>;
  done: Promise<DoneReply>;
}

interface PendingCall {
  layers: Map<number, Deferred<void>>;
  blocks: Deferred<BlocksReply>;
  done: Deferred<DoneReply>;
  /** Set once the request failed: layers asked for later reject with it. */
  failure?: Error;
}

/** The deferred of layer `l` of a call, created on first use (by the reply or by the one waiting). */
function layerOf(p: PendingCall, l: number): Deferred<void> {
  let d = p.layers.get(l);
  if (!d) {
    d = deferred<void>();
    if (p.failure) d.reject(p.failure);
    p.layers.set(l, d);
  }
  return d;
}

export class PeerLink {
  private readonly pending = new Map<number, PendingCall>();
  private nextId = 1;
  private failure: EngineError | undefined;

  private constructor(
    private readonly worker: Worker,
    readonly rank: number,
    private readonly onFailure: () => void,
  ) {}

  /**
   * Starts a peer on `init` (its weights' buffers are transferred, not copied) and resolves once it
   * has built its tensors. `onFailure` runs once if the peer later fails or exits.
   */
  static start(init: PeerInit, onFailure: () => void, script?: string): Promise<PeerLink> {
    const src = script
      ? { file: script, eval: false }
      : workerSource(join(__dirname, 'engine-peer.js'), join(__dirname, 'peerWorker.ts'));
    const worker = new Worker(src.file, { eval: src.eval, workerData: init, transferList: weightBuffers(init.weights) });
    const link = new PeerLink(worker, init.shard.rank, onFailure);
    return new Promise<PeerLink>((resolve, reject) => {
      let ready = false;
      worker.on('message', (m: PeerReply) => {
        if (m.kind === 'ready') {
          ready = true;
          resolve(link);
          return;
        }
        if (m.kind === 'error' && m.id === undefined) {
          link.fail(EngineError.fromData(m.error));
          if (!ready) reject(EngineError.fromData(m.error));
          return;
        }
        link.route(m);
      });
      worker.on('error', (err) => {
        const e = new EngineError('WORKER_DIED', `the engine's thread ${link.rank} failed: ${err.message}`);
        link.fail(e);
        if (!ready) reject(e);
      });
      worker.on('exit', (code) => {
        const e = new EngineError('WORKER_DIED', `the engine's thread ${link.rank} stopped (exit code ${code})`);
        link.fail(e);
        if (!ready) reject(e);
      });
    });
  }

  /** Sends a request that has replies; both phases reject if the peer fails. */
  request(msg: PeerCallRequest): PeerCall {
    const call: PendingCall = { layers: new Map(), blocks: deferred<BlocksReply>(), done: deferred<DoneReply>() };
    const handle: PeerCall = { layer: (l) => layerOf(call, l).promise, blocks: call.blocks.promise, done: call.done.promise };
    if (this.failure) {
      rejectCall(call, this.failure);
      return handle;
    }
    const id = this.nextId++;
    this.pending.set(id, call);
    this.worker.postMessage({ ...msg, id } as PeerRequest);
    return handle;
  }

  /** Sends a request that has no reply. */
  post(msg: Exclude<PeerRequest, { id: number }>): void {
    if (!this.failure) this.worker.postMessage(msg);
  }

  get broken(): boolean {
    return this.failure !== undefined;
  }

  /** Ends the peer thread (its tensors go with it). */
  dispose(): void {
    this.failure ??= new EngineError('NOT_LOADED', 'the model has been disposed');
    void this.worker.terminate();
  }

  private route(m: PeerReply): void {
    if (m.kind === 'ready') return;
    const p = m.id === undefined ? undefined : this.pending.get(m.id);
    if (!p) return;
    if (m.kind === 'layer') {
      layerOf(p, m.layer).resolve();
      return;
    }
    if (m.kind === 'blocks') {
      p.blocks.resolve(m);
      return;
    }
    this.pending.delete(m.id!);
    if (m.kind === 'done') {
      p.done.resolve(m);
      return;
    }
    rejectCall(p, EngineError.fromData(m.error));
  }

  private fail(e: EngineError): void {
    if (this.failure) return;
    this.failure = e;
    for (const p of this.pending.values()) rejectCall(p, e);
    this.pending.clear();
    this.onFailure();
  }
}

/** Fails every phase of a call, the layers not yet asked for included. */
function rejectCall(p: PendingCall, e: Error): void {
  p.failure = e;
  for (const d of p.layers.values()) d.reject(e);
  p.blocks.reject(e);
  p.done.reject(e);
}
