// The GPT-2 decoder (nanoGPT's GPT): wte + wpe → h[0..L) blocks → ln_f → tied LM head. Exposes
// what it computes: per-layer attention maps, the residual stream after every block, and one
// layer's internals at one position (the learner's stepper) — all read from the same pass.
//
// On more than one thread (createParallel) this object is rank 0 of a tensor-parallel model: it
// holds a shard of every layer (shards.ts), asks its peers to run the same operation, sums the
// partial activations with them twice per layer (allReduce.ts) and stitches their shares of the
// attention maps, the capture and the logits back together, so callers see the same model.
import { tf, type BackendOptions } from './backend';
import { layerNorm, runBlock, type BlockTensors, type Reduce } from './block';
import { decodeOne, layerNormRow, type ReduceArray } from './decode';
import { EngineError } from './errors';
import { KVCache } from './kvCache';
import { allTensors, buildModelTensors, type ModelTensors } from './modelWeights';
import { AllReduce, createReduceBuffer } from './parallel/allReduce';
import { PeerLink, type PeerCall } from './parallel/peerLink';
import { CAPTURE_SPLIT_KEYS, type PartialCapture } from './parallel/peerProtocol';
import { planShards, shardWeights, type Shard } from './parallel/shards';
import type { CaptureRequest, ForwardOptions, ForwardResult, GPTConfig, LayerCapture, WeightMap } from './types';

type CaptureKey = Exclude<keyof LayerCapture, 'layer' | 'position' | 'headDim'>;
type CaptureTensors = Record<CaptureKey, tf.Tensor>;

/** One layer's internals sliced at query position p (see LayerCapture for the shapes). */
function captureSlices(r: BlockTensors, p: number): CaptureTensors {
  const H = r.part('rawScores').shape[0];
  const hd = r.part('q').shape[2];
  const d = r.residualIn.shape[1];
  const row = (t: tf.Tensor2D) => tf.slice(t, [p, 0], [1, t.shape[1]]); // [1, width]
  const atQuery = (t: tf.Tensor3D) => tf.slice(t, [0, p, 0], [H, 1, t.shape[2]]); // [H, 1, width]
  const upTo = (t: tf.Tensor3D) => tf.slice(t, [0, 0, 0], [H, p + 1, hd]); // [H, p+1, hd]
  return {
    residualIn: row(r.residualIn), // [1, d]
    ln1: tf.slice(r.ln1, [0, 0], [p + 1, d]), // [p+1, d]
    q: atQuery(r.part('q')), // [H, 1, hd]
    k: upTo(r.part('k')), // [H, p+1, hd]
    v: upTo(r.part('v')), // [H, p+1, hd]
    rawScores: atQuery(r.part('rawScores')), // [H, 1, T]
    scaledScores: atQuery(r.part('scaledScores')), // [H, 1, T]
    maskedScores: atQuery(r.part('maskedScores')), // [H, 1, T]
    weights: atQuery(r.part('weights')), // [H, 1, T]
    headOutputs: atQuery(r.part('headOutputs')), // [H, 1, hd]
    concat: row(r.concat), // [1, d]
    attnOut: row(r.attnOut), // [1, d]
    residualMid: row(r.residualMid), // [1, d]
    ln2: row(r.ln2), // [1, d]
    ffnPre: row(r.ffnPre), // [1, nInner]
    ffnAct: row(r.ffnAct), // [1, nInner]
    ffnOut: row(r.ffnOut), // [1, d]
    residualOut: row(r.residualOut), // [1, d]
  };
}

/** Called during forward(), between the blocks and the LM head. */
export interface ForwardHooks {
  /**
   * Every layer's attention [H × T × T] (the same arrays the result will carry), as soon as the
   * last block has run and before ln_f + the LM head; awaited before the head runs.
   */
  afterBlocks?: (attentions: Float32Array[], capture?: LayerCapture) => void | Promise<void>;
  /**
   * Layer `layer`'s attention [H × T × T], every head (a split model's peers' heads included), as
   * soon as that layer has run on every thread, in layer order, while the next layers run (the same
   * array the result will carry: copy, don't modify). Only with `attentions`. A thread of a split
   * model calls it with its own heads only.
   */
  afterLayer?: (layer: number, attention: Float32Array) => void;
}

export interface ParallelOptions {
  /** Threads to split every layer over (1 = this thread only). */
  threads: number;
  /** How the other threads initialise tfjs. */
  backend?: BackendOptions;
  /** The peer thread's script (default: engine-peer.js beside this bundle). */
  peerScript?: string;
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
    out[key] = concatF32([local[key], ...peers.map((p) => p[key] ?? new Float32Array(0))]);
  }
  return out;
}

let nextCacheId = 1;

async function read(t: tf.Tensor): Promise<Float32Array> {
  return (await t.data()) as Float32Array;
}

export class GPTModel {
  readonly config: GPTConfig;
  readonly numParams: number;
  private readonly w: ModelTensors;
  private readonly reduce: Reduce | undefined;
  private readonly reduceArray: ReduceArray | undefined;
  private disposed = false;

  private constructor(
    config: GPTConfig,
    w: ModelTensors,
    private readonly comm?: AllReduce,
    private readonly peers: PeerLink[] = [],
  ) {
    this.config = config;
    this.w = w;
    this.numParams = w.numParams;
    this.reduce = comm
      ? (partial) => tf.tensor2d(comm.sum(partial.dataSync() as Float32Array), partial.shape) // [T, d]
      : undefined;
    this.reduceArray = comm ? (partial) => comm.sum(partial) : undefined;
  }

  /** Copies the weights into tensors (checking every shape); the WeightMap can be dropped after. */
  static create(config: GPTConfig, weights: WeightMap): GPTModel {
    GPTModel.checkConfig(config);
    return new GPTModel(config, buildModelTensors(config, weights));
  }

  /** One shard of a tensor-parallel model (a peer thread builds its part with this). */
  static createShard(config: GPTConfig, weights: WeightMap, shard: Shard, comm: AllReduce): GPTModel {
    GPTModel.checkConfig(config);
    return new GPTModel(config, buildModelTensors(config, weights, shard), comm);
  }

  /**
   * The model split over `threads` threads (at most one per head): this thread holds the first
   * shard, and one worker thread per other shard holds its own, with its own tfjs backend. The
   * result behaves exactly like create()'s. With threads ≤ 1 it is create().
   */
  static async createParallel(config: GPTConfig, weights: WeightMap, opts: ParallelOptions): Promise<GPTModel> {
    GPTModel.checkConfig(config);
    const n = Math.min(Math.max(1, Math.floor(opts.threads)), config.nHead);
    if (n === 1) return GPTModel.create(config, weights);
    const plan = planShards(config, n);
    const reduceFloats = config.nPositions * config.nEmbd; // the largest partial: [T, d]
    const sab = createReduceBuffer(n, reduceFloats);
    const comm = new AllReduce(sab, 0, n, reduceFloats);
    // The peers' shards are cut first and handed over (transferred), then this thread builds its own.
    const starts = plan.slice(1).map((shard) =>
      PeerLink.start(
        { config, shard, weights: shardWeights(config, weights, shard), reduceBuffer: sab, reduceFloats, backend: opts.backend ?? {} },
        () => comm.fail(),
        opts.peerScript,
      ),
    );
    const settled = Promise.allSettled(starts);
    let w: ModelTensors | undefined;
    try {
      w = buildModelTensors(config, shardWeights(config, weights, plan[0]), plan[0]);
      const peers = await Promise.all(starts);
      return new GPTModel(config, w, comm, peers);
    } catch (err) {
      for (const r of await settled) if (r.status === 'fulfilled') r.value.dispose();
      if (w) {
        for (const t of allTensors(w)) t.dispose();
        w.gemm.dispose();
      }
      throw err;
    }
  }

  /** How long this thread has waited for its peers at the sums, in ms (benchmarks report it). */
  get syncWaitMs(): number {
    return this.comm?.waitedMs ?? 0;
  }

  /** Threads this model runs on. */
  get threads(): number {
    return 1 + this.peers.length;
  }

  private static checkConfig(config: GPTConfig): void {
    if (config.nEmbd % config.nHead !== 0) {
      throw new EngineError('BAD_CONFIG', `n_embd (${config.nEmbd}) must be divisible by n_head (${config.nHead})`);
    }
  }

  /**
   * A full forward pass over `ids` from position 0. A split model's peers get from rank 0
   * `logitsInto`, the [T × V] array to write this thread's columns of the logits into, and
   * `attentionsInto`, one [H × T × T] array per layer for this thread's heads; the result holds
   * those arrays (without them, this thread makes its own).
   */
  async forward(ids: number[], opts: ForwardOptions = {}, hooks: ForwardHooks = {}, logitsInto?: Float32Array, attentionsInto?: Float32Array[]): Promise<ForwardResult> {
    this.checkAlive();
    this.checkIds(ids, 0);
    const { nLayer, nEmbd: d } = this.config;
    const T = ids.length;
    const wantAttentions = opts.attentions ?? true;
    const cap = opts.capture;
    if (cap) this.checkCapture(cap, T);

    const result: ForwardResult = { T, logits: new Float32Array(0) };
    const residuals: Float32Array[] = [];
    const emb = tf.tidy(() => {
      const tok = tf.gather(this.w.wte, tf.tensor1d(ids, 'int32')) as tf.Tensor2D; // [T, d]
      const pos = tf.slice(this.w.wpe, [0, 0], [T, d]) as tf.Tensor2D; // [T, d]
      return { tok, pos, x: tf.add(tok, pos) as tf.Tensor2D }; // [T, d]
    });
    const streamLayers = wantAttentions && hooks.afterLayer !== undefined;
    // Split over threads, every thread writes its columns of the logits into one shared array, and
    // its heads of each layer's attention into one shared array per layer: nobody copies them
    // together (that copy of the [T × V] logits took 150–330 ms at T = 512 on GPT-2 small).
    const split = this.peers.length > 0;
    const array = (n: number): Float32Array => (split ? new Float32Array(new SharedArrayBuffer(n * 4)) : new Float32Array(n));
    const logitsOut = logitsInto ?? array(T * this.config.vocabSize); // [T × V]
    const attentionsOut = attentionsInto ?? (wantAttentions ? Array.from({ length: nLayer }, () => array(this.config.nHead * T * T)) : []); // L × [H × T × T]
    const remote = this.ask({
      op: 'forward',
      ids,
      opts: { attentions: wantAttentions, capture: cap },
      ...(streamLayers ? { streamLayers: true } : {}),
      logitsOut,
      attentionsOut,
    });
    // Layer by layer, once the peers say they have written their heads of it, the layer goes to the
    // hook; chained so that it sees the layers in order.
    let layersSent: Promise<void> = Promise.resolve();
    const sendLayer = (l: number): void => {
      if (remote.length === 0) {
        // One thread, or a peer: the layer is complete here; hand it over now (a chained callback
        // would wait for the loop's next await, and the layer loop may not await at all).
        hooks.afterLayer!(l, attentionsOut[l]);
        return;
      }
      const peersDone = Promise.all(remote.map((r) => r.layer(l)));
      layersSent = layersSent.then(async () => {
        await peersDone;
        hooks.afterLayer!(l, attentionsOut[l]);
      });
      layersSent.catch(() => undefined); // awaited after the blocks; a failure before that must not go unhandled
    };
    let x = emb.x; // [T, d]
    try {
      await this.whileReducing(async () => {
        if (cap) {
          result.tokenEmbeddings = await read(emb.tok);
          result.positionEmbeddings = await read(emb.pos);
        }
        emb.tok.dispose();
        emb.pos.dispose();
        if (opts.residuals) residuals.push(await read(x));

        for (let l = 0; l < nLayer; l++) {
          // Per head [T × T], when the attention path read them: kept out of tidy's result, which
          // would walk every number of them looking for tensors.
          let heads: Float32Array[] | undefined;
          const out = tf.tidy(() => {
            const r = runBlock(x, this.w.h[l], this.config, { pos0: 0 }, this.reduce);
            heads = wantAttentions ? r.weightsData : undefined;
            return {
              next: r.residualOut, // [T, d]
              att: wantAttentions && !heads ? r.part('weights') : undefined, // [H, T, T] (this shard's heads)
              cap: cap && cap.layer === l ? captureSlices(r, cap.position) : undefined,
            };
          });
          x.dispose();
          x = out.next;
          try {
            if (wantAttentions) {
              // this thread's heads [h × T × T], at their place among all heads
              let at = this.w.shard.heads[0] * T * T;
              for (const a of heads ?? [await read(out.att!)]) {
                attentionsOut[l].set(a, at);
                at += a.length;
              }
              if (streamLayers) {
                sendLayer(l);
                // Let the peers' 'layer' messages in (they arrive as macrotasks, which a run of
                // awaits on tensor reads never yields to), so the layer goes out now, not after the blocks.
                if (remote.length > 0) await new Promise<void>((r) => setImmediate(r));
              }
            }
            if (out.cap && cap) result.capture = await this.readCapture(out.cap, cap);
            if (opts.residuals) residuals.push(await read(x));
          } finally {
            out.att?.dispose();
            if (out.cap) for (const t of Object.values(out.cap)) t.dispose();
          }
        }
      });

      await layersSent; // streamed: every layer already holds the peers' heads
      if (remote.length > 0) {
        // Every thread has run its blocks (their heads are in attentionsOut): add the peers' parts of the capture.
        const parts = await Promise.all(remote.map((r) => r.blocks));
        if (result.capture) result.capture = mergeCapture(result.capture, parts.map((p) => p.capture ?? {}));
      }
      if (hooks.afterBlocks) await hooks.afterBlocks(attentionsOut, result.capture);
      if (cap) {
        const lnF = tf.tidy(() => layerNorm(tf.slice(x, [cap.position, 0], [1, d]) as tf.Tensor2D, this.w.ln_f, this.config.layerNormEps)); // [1, d]
        try {
          result.finalLn = await read(lnF);
        } finally {
          lnF.dispose();
        }
      }
      this.headInto(x, logitsOut); // this thread's columns
      await Promise.all(remote.map((r) => r.done)); // and the peers'
      result.logits = logitsOut; // [T, V]
    } finally {
      x.dispose();
    }
    if (wantAttentions) result.attentions = attentionsOut;
    if (opts.residuals) result.residuals = residuals;
    return result;
  }

  /** An empty KV cache for this model; the caller disposes it. */
  newCache(): KVCache {
    this.checkAlive();
    const id = nextCacheId++;
    for (const p of this.peers) p.post({ op: 'newCache', cacheId: id });
    const peers = this.peers;
    const [h0, h1] = this.w.shard.heads;
    const { nLayer, nPositions, nEmbd, nHead } = this.config;
    return new KVCache(nLayer, nPositions, h1 - h0, nEmbd / nHead, id, () => {
      for (const p of peers) p.post({ op: 'disposeCache', cacheId: id });
    });
  }

  /** Appends `ids` to the cache (one pass over all of them) and returns the last position's logits [V]. */
  async step(cache: KVCache, ids: number[]): Promise<Float32Array> {
    this.checkAlive();
    if (cache.isDisposed || cache.nLayer !== this.config.nLayer) {
      throw new EngineError('BAD_ARGUMENT', 'step() needs a live KV cache made by this model');
    }
    const pos0 = cache.length;
    this.checkIds(ids, pos0);
    const T = ids.length;
    const remote = this.ask({ op: 'step', cacheId: cache.id, ids });
    let last: Float32Array | undefined; // the last position's block output [d]
    await this.whileReducing(async () => {
      const x = tf.tidy(() => {
        const tok = tf.gather(this.w.wte, tf.tensor1d(ids, 'int32')); // [T, d]
        const pos = tf.gather(this.w.wpe, tf.tensor1d(Array.from({ length: T }, (_, i) => pos0 + i), 'int32')); // [T, d]
        return tf.add(tok, pos) as tf.Tensor2D; // [T, d]
      });
      if (T === 1) {
        try {
          last = decodeOne(this.w, this.config, cache, x.dataSync() as Float32Array, this.reduceArray);
        } finally {
          x.dispose();
        }
      } else {
        last = await this.stepRows(cache, x, pos0);
      }
    });
    cache.advance(T);
    const xf = layerNormRow(last!, this.w.lnArrays.ln_f, this.config.layerNormEps); // [d]
    return this.withPeerColumns(this.w.head.matmul(xf, 1), remote, 1); // [V]
  }

  /** Several new rows x [T, d] (disposed here) through every block with tensors; writes their keys and values to the cache. */
  private async stepRows(cache: KVCache, x: tf.Tensor2D, pos0: number): Promise<Float32Array> {
    const T = x.shape[0];
    const d = this.config.nEmbd;
    try {
      for (let l = 0; l < this.config.nLayer; l++) {
        const out = tf.tidy(() => {
          const r = runBlock(x, this.w.h[l], this.config, { ...cache.tensors(l), pos0 }, this.reduce);
          return { next: r.residualOut, k: r.part('k'), v: r.part('v') }; // [T, d], [H, T, hd], [H, pos0+T, hd]
        });
        try {
          const k = (await out.k.data()) as Float32Array; // new rows only
          const vAll = (await out.v.data()) as Float32Array; // every row
          const [H, Tk, hd] = out.v.shape;
          const vNew = pos0 === 0 ? vAll : new Float32Array(H * T * hd);
          if (pos0 > 0) for (let h = 0; h < H; h++) vNew.set(vAll.subarray((h * Tk + pos0) * hd, (h * Tk + Tk) * hd), h * T * hd);
          cache.write(l, k, vNew, T);
        } finally {
          out.k.dispose();
          out.v.dispose();
        }
        x.dispose();
        x = out.next;
      }
      return (await read(x)).slice((T - 1) * d, T * d); // the last row [d]
    } finally {
      x.dispose();
    }
  }

  /** ln_f then the tied LM head on a residual stream [T × d] → logits [T × V] (the logit lens). */
  async unembed(residual: Float32Array, T: number): Promise<Float32Array> {
    this.checkAlive();
    const d = this.config.nEmbd;
    if (!Number.isInteger(T) || T < 1 || residual.length !== T * d) {
      throw new EngineError('BAD_ARGUMENT', `unembed needs T × n_embd = ${T} × ${d} values, got ${residual.length}`);
    }
    const remote = this.ask({ op: 'unembed', residual, T });
    const x = tf.tensor2d(residual, [T, d]);
    try {
      return await this.withPeerColumns(this.head(x), remote, T); // [T, V]
    } finally {
      x.dispose();
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of allTensors(this.w)) t.dispose();
    this.w.gemm.dispose();
    for (const p of this.peers) p.dispose();
  }

  /** Starts the same operation on every peer (none on a single thread). */
  private ask(msg: Parameters<PeerLink['request']>[0]): PeerCall[] {
    return this.peers.map((p) => p.request(msg));
  }

  /**
   * Runs the part of an operation during which the threads sum activations together. If this thread
   * fails there, the peers are told (they would otherwise wait for it), and the model is broken.
   */
  private async whileReducing(body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (err) {
      this.comm?.fail();
      throw err;
    }
  }

  /** This thread's logits columns [T × its share] followed by the peers' → [T × V]. */
  private async withPeerColumns(local: Float32Array, remote: PeerCall[], T: number): Promise<Float32Array> {
    if (remote.length === 0) return local;
    const tails = await Promise.all(remote.map((r) => r.done));
    return concatColumns([local, ...tails.map((t) => t.logits)], T);
  }

  /** ln_f, then x [T, d] @ wteᵀ with the packed head → [T, this shard's vocabulary]. */
  private head(x: tf.Tensor2D): Float32Array {
    return this.withLnF(x, (xf, T) => this.w.head.matmul(xf, T));
  }

  /** The same, written into this shard's columns of the whole [T × V] logits `out`. */
  private headInto(x: tf.Tensor2D, out: Float32Array): void {
    this.withLnF(x, (xf, T) => this.w.head.matmulInto(xf, T, out, this.config.vocabSize, this.w.shard.vocab[0]));
  }

  private withLnF<R>(x: tf.Tensor2D, f: (xf: Float32Array, T: number) => R): R {
    const xf = tf.tidy(() => layerNorm(x, this.w.ln_f, this.config.layerNormEps)); // [T, d]
    try {
      return f(xf.dataSync() as Float32Array, x.shape[0]);
    } finally {
      xf.dispose();
    }
  }

  private async readCapture(t: CaptureTensors, req: CaptureRequest): Promise<LayerCapture> {
    const out: Partial<LayerCapture> = {
      layer: req.layer,
      position: req.position,
      headDim: this.config.nEmbd / this.config.nHead,
    };
    for (const key of Object.keys(t) as CaptureKey[]) out[key] = await read(t[key]);
    return out as LayerCapture;
  }

  private checkIds(ids: number[], pos0: number): void {
    const { vocabSize: V, nPositions: P } = this.config;
    if (!Array.isArray(ids) || ids.length === 0) {
      throw new EngineError('BAD_ARGUMENT', 'the model needs at least one token id');
    }
    if (pos0 + ids.length > P) {
      throw new EngineError(
        'CONTEXT_TOO_LONG',
        pos0 === 0
          ? `${ids.length} tokens exceed the model's context length of ${P} (n_positions)`
          : `${pos0} cached + ${ids.length} new tokens exceed the model's context length of ${P} (n_positions)`,
      );
    }
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!Number.isInteger(id) || id < 0 || id >= V) {
        throw new EngineError('BAD_ARGUMENT', `token id ${id} at index ${i} is not an integer in [0, ${V}) (vocab_size ${V})`);
      }
    }
  }

  private checkCapture(cap: CaptureRequest, T: number): void {
    const { nLayer } = this.config;
    if (!Number.isInteger(cap.layer) || cap.layer < 0 || cap.layer >= nLayer) {
      throw new EngineError('BAD_ARGUMENT', `capture layer ${cap.layer} is not in [0, ${nLayer})`);
    }
    if (!Number.isInteger(cap.position) || cap.position < 0 || cap.position >= T) {
      throw new EngineError('BAD_ARGUMENT', `capture position ${cap.position} is not in [0, ${T})`);
    }
  }

  private checkAlive(): void {
    if (this.disposed) throw new EngineError('NOT_LOADED', 'the model has been disposed');
    if (this.comm?.failed || this.peers.some((p) => p.broken)) {
      throw new EngineError('WORKER_DIED', "one of the engine's threads stopped; the model must be loaded again");
    }
  }
}
