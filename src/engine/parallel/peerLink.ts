// Rank 0's handle on one peer thread of a tensor-parallel model: starts it with its shard of the
// weights, sends it requests and routes its replies. A peer that fails or exits marks the link
// broken (and the shared reduce buffer failed, so no thread waits for it): every later request
// rejects with WORKER_DIED, and the engine restarts the model.
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { Channel, trusted } from '../../shared/channel';
import { nodePort } from '../../shared/channelPorts';
import { EngineError, type EngineErrorData } from '../errors';
import { workerSource } from '../workerSource';
import type { ColumnsRequest, ForwardRequest } from '../communicator';
import type { ForwardProgress, PartialCapture, PeerHostProtocol, PeerInit, PeerProtocol } from './peerProtocol';
import { weightBuffers } from './shards';

/** What PeerLink.request sends: a forward, or a request for the peer's logits columns. */
export type PeerCallRequest = ({ op: 'forward' } & ForwardRequest) | ColumnsRequest;

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
  /** Only for 'forward': after the peer's blocks, its part of the capture. */
  blocks: Promise<{ capture?: PartialCapture }>;
  /** The end of the request: the peer's logits columns (empty after a forward: they are in logitsOut). */
  done: Promise<{ logits: Float32Array }>;
}

interface PendingCall {
  layers: Map<number, Deferred<void>>;
  blocks: Deferred<{ capture?: PartialCapture }>;
  done: Deferred<{ logits: Float32Array }>;
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

const decodeError = (d: unknown): Error => EngineError.fromData(d as EngineErrorData);

export class PeerLink {
  private failure: EngineError | undefined;

  private constructor(
    private readonly worker: Worker,
    private readonly channel: Channel<PeerHostProtocol, PeerProtocol>,
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
    const rank = init.shard.rank;
    const worker = new Worker(src.file, { eval: src.eval, workerData: init, transferList: weightBuffers(init.weights) });
    // The peer is our own code on the other side of a thread: its messages are taken as typed.
    const channel = new Channel<PeerHostProtocol, PeerProtocol>(nodePort(worker), {
      name: `engine thread ${rank}`,
      accept: { requests: {}, events: { ready: trusted, failed: trusted } },
      decodeError,
    });
    const link = new PeerLink(worker, channel, rank, onFailure);
    return new Promise<PeerLink>((resolve, reject) => {
      let ready = false;
      const failed = (e: EngineError): void => {
        link.fail(e);
        if (!ready) reject(e);
      };
      channel.on('ready', () => {
        ready = true;
        resolve(link);
      });
      channel.on('failed', (data) => failed(EngineError.fromData(data)));
      worker.on('error', (err) => failed(new EngineError('WORKER_DIED', `the engine's thread ${rank} failed: ${err.message}`)));
      worker.on('exit', (code) => failed(new EngineError('WORKER_DIED', `the engine's thread ${rank} stopped (exit code ${code})`)));
    });
  }

  /** Sends a request that has replies; all its phases reject if the peer fails. */
  request(msg: PeerCallRequest): PeerCall {
    const call: PendingCall = { layers: new Map(), blocks: deferred(), done: deferred() };
    const handle: PeerCall = { layer: (l) => layerOf(call, l).promise, blocks: call.blocks.promise, done: call.done.promise };
    if (this.failure) {
      rejectCall(call, this.failure);
      return handle;
    }
    const settle = (logits: Float32Array): void => call.done.resolve({ logits });
    const failed = (err: unknown): void => rejectCall(call, err as Error);
    if (msg.op === 'forward') {
      const req: ForwardRequest = { ids: msg.ids, opts: msg.opts, streamLayers: msg.streamLayers, stoppable: msg.stoppable, logitsOut: msg.logitsOut, attentionsOut: msg.attentionsOut, qkOut: msg.qkOut, thumbsOut: msg.thumbsOut };
      const onProgress = (p: ForwardProgress): void => {
        if (p.kind === 'layer') layerOf(call, p.layer).resolve();
        else call.blocks.resolve({ capture: p.capture });
      };
      this.channel.request('forward', req, { onProgress }).then(() => settle(new Float32Array(0)), failed);
    } else if (msg.op === 'step') {
      this.channel.request('step', { cacheId: msg.cacheId, ids: msg.ids }).then(settle, failed);
    } else {
      this.channel.request('unembed', { residual: msg.residual, T: msg.T }).then(settle, failed);
    }
    return handle;
  }

  newCache(cacheId: number): void {
    if (!this.failure) this.channel.notify('newCache', { cacheId });
  }

  disposeCache(cacheId: number): void {
    if (!this.failure) this.channel.notify('disposeCache', { cacheId });
  }

  get broken(): boolean {
    return this.failure !== undefined;
  }

  /** Ends the peer thread (its tensors go with it). */
  dispose(): void {
    this.fail(new EngineError('NOT_LOADED', 'the model has been disposed'), false);
    void this.worker.terminate();
  }

  private fail(e: EngineError, report = true): void {
    if (this.failure) return;
    this.failure = e;
    this.channel.close(e); // every call still out rejects with it
    if (report) this.onFailure();
  }
}

/** Fails every phase of a call, the layers not yet asked for included. */
function rejectCall(p: PendingCall, e: Error): void {
  p.failure = e;
  for (const d of p.layers.values()) d.reject(e);
  p.blocks.reject(e);
  p.done.reject(e);
}
