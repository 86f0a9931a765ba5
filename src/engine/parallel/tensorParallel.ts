// Rank 0 of a tensor-parallel model: the communicator its decoder is given (see communicator.ts).
// It starts one peer thread per other shard (peerLink.ts), asks them to run each operation the
// decoder runs, sums partial activations with them twice per layer (allReduce.ts), and joins what
// is not summed: the peers write their heads' attention maps and their logits columns of a forward
// straight into shared arrays (copying the [T × V] logits together took 150–330 ms at T = 512 on
// GPT-2 small), say when a layer is written, and send their parts of the capture and of the
// logits of a step or unembed, which are stitched here in rank order.
import type { BackendOptions } from '../backend';
import type { ColumnsRequest, Communicator, ForwardJoin, ForwardRequest } from '../communicator';
import type { GPTConfig, LayerCapture, AnyWeightMap } from '../types';
import { AllReduce, createReduceBuffer } from './allReduce';
import { PeerLink, type PeerCall } from './peerLink';
import { CAPTURE_SPLIT_KEYS, type PartialCapture } from './peerProtocol';
import { planShards, type Shard } from './shards';

/** Shared memory for the sums: at most this many floats per rank and generation (16 MiB). */
const MAX_REDUCE_FLOATS = 4 * 1024 * 1024;

export interface ParallelOptions {
  /** Threads to split every layer over (1 = this thread only). */
  threads: number;
  /** How the other threads initialise tfjs. */
  backend?: BackendOptions;
  /** The peer thread's script (default: engine-peer.js beside this bundle). */
  peerScript?: string;
  /**
   * The caller drops `weights` after: this thread's shard is cut last and may take the arrays out
   * of the map (views instead of copies), and each weight is let go once packed, so the whole
   * model is never held beside every shard and the packed panels (the session loads so).
   */
  release?: boolean;
}

/** Concatenates arrays end to end. */
function concatF32(parts: Float32Array[]): Float32Array {
  if (parts.length === 1) return parts[0];
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Row-major [T × w_i] blocks side by side → [T × Σw_i]. */
function concatColumns(parts: Float32Array[], T: number): Float32Array {
  if (parts.length === 1) return parts[0];
  const widths = parts.map((p) => p.length / T);
  const W = widths.reduce((a, b) => a + b, 0);
  const out = new Float32Array(T * W); // [T × W]
  for (let t = 0; t < T; t++) {
    let col = 0;
    parts.forEach((p, i) => {
      out.set(p.subarray(t * widths[i], (t + 1) * widths[i]), t * W + col);
      col += widths[i];
    });
  }
  return out;
}

/** A capture from rank 0 completed with the peers' heads and units, in rank order. */
function mergeCapture(local: LayerCapture, peers: PartialCapture[]): LayerCapture {
  const out = { ...local };
  for (const key of CAPTURE_SPLIT_KEYS) {
    const own = local[key];
    if (own) out[key] = concatF32([own, ...peers.map((p) => p[key] ?? new Float32Array(0))]); // optional keys: where the family has them
  }
  return out;
}

export class TensorParallel implements Communicator {
  private constructor(
    private readonly sums: AllReduce,
    private readonly peers: PeerLink[],
  ) {}

  /**
   * Splits the model over `threads` threads (2 ≤ threads ≤ nHead): starts a peer per shard but the
   * first, each with its shard of `weights` (cut first by the family's `cut`, and transferred), builds the first shard
   * with `loadOwn` meanwhile, and resolves once every peer has built its own. On failure, whatever
   * was started or built is freed.
   */
  static async start<W extends { dispose(): void }>(
    config: GPTConfig,
    weights: AnyWeightMap,
    opts: ParallelOptions,
    cut: (weights: AnyWeightMap, shard: Shard, release: boolean) => AnyWeightMap,
    loadOwn: (weights: AnyWeightMap, shard: Shard, release: boolean) => W,
  ): Promise<{ comm: TensorParallel; own: W }> {
    const n = opts.threads;
    const plan = planShards(config, n);
    // The largest partial is [T, d]; longer ones are summed in pieces (a 131072-position context
    // would otherwise ask for gigabytes of shared memory).
    const reduceFloats = Math.min(config.nPositions * config.nEmbd, MAX_REDUCE_FLOATS);
    const sab = createReduceBuffer(n, reduceFloats);
    const sums = new AllReduce(sab, 0, n, reduceFloats);
    const starts = plan.slice(1).map((shard) =>
      PeerLink.start(
        { config, shard, weights: cut(weights, shard, false), reduceBuffer: sab, reduceFloats, backend: opts.backend ?? {} },
        () => sums.fail(),
        opts.peerScript,
      ),
    );
    const settled = Promise.allSettled(starts);
    let own: W | undefined;
    try {
      // Last: with release it may empty `weights` (the peers' shards are copies, cut above).
      const release = opts.release ?? false;
      own = loadOwn(cut(weights, plan[0], release), plan[0], release);
      const peers = await Promise.all(starts);
      return { comm: new TensorParallel(sums, peers), own };
    } catch (err) {
      for (const r of await settled) if (r.status === 'fulfilled') r.value.dispose();
      own?.dispose();
      throw err;
    }
  }

  get threads(): number {
    return 1 + this.peers.length;
  }

  get waitedMs(): number {
    return this.sums.waitedMs;
  }

  get broken(): boolean {
    return this.sums.failed || this.peers.some((p) => p.broken);
  }

  allReduce(partial: Float32Array): Float32Array {
    return this.sums.sum(partial);
  }

  agree(stop: boolean): boolean {
    return this.sums.sum(Float32Array.of(stop ? 1 : 0))[0] > 0;
  }

  fail(): void {
    this.sums.fail();
  }

  /** On a SharedArrayBuffer: the peers write into the same memory. */
  array(n: number): Float32Array {
    return new Float32Array(new SharedArrayBuffer(n * 4));
  }

  forward(req: ForwardRequest): ForwardJoin {
    const remote = this.ask({ op: 'forward', ...req });
    // Layer by layer, once the peers say they have written their heads of it, the layer is handed
    // over; chained so that the layers go in order.
    let layersSent: Promise<void> = Promise.resolve();
    return {
      layer: (l, handOver) => {
        const peersDone = Promise.all(remote.map((r) => r.layer(l)));
        layersSent = layersSent.then(async () => {
          await peersDone;
          handOver();
        });
        layersSent.catch(() => undefined); // awaited after the blocks; a failure before that must not go unhandled
        // Let the peers' 'layer' messages in (they arrive as macrotasks, which a run of awaits on
        // tensor reads never yields to), so the layer goes out now, not after the blocks.
        return new Promise<void>((r) => setImmediate(r));
      },
      blocks: async (capture) => {
        await layersSent; // streamed: every layer already holds the peers' heads
        // Every thread has run its blocks (their heads are in attentionsOut): add the peers' parts of the capture.
        const parts = await Promise.all(remote.map((r) => r.blocks));
        return capture ? mergeCapture(capture, parts.map((p) => p.capture ?? {})) : capture;
      },
      done: async () => {
        await Promise.all(remote.map((r) => r.done));
      },
    };
  }

  columns(req: ColumnsRequest): (local: Float32Array, T: number) => Promise<Float32Array> {
    const remote = this.ask(req);
    return async (local, T) => {
      const tails = await Promise.all(remote.map((r) => r.done));
      return concatColumns([local, ...tails.map((t) => t.logits)], T);
    };
  }

  newCache(id: number): void {
    for (const p of this.peers) p.newCache(id);
  }

  disposeCache(id: number): void {
    for (const p of this.peers) p.disposeCache(id);
  }

  dispose(): void {
    for (const p of this.peers) p.dispose();
  }

  /** Starts the same operation on every peer. */
  private ask(msg: Parameters<PeerLink['request']>[0]): PeerCall[] {
    return this.peers.map((p) => p.request(msg));
  }
}
