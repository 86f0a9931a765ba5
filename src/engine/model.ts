// The decoder the engine runs, for any family (families/): embeddings → blocks → final norm → LM
// head. Exposes what it computes: per-layer attention maps, the residual stream after every block,
// and one layer's internals at one position (the learner's stepper) — all read from the same pass.
//
// It runs on one thread with an injected communicator (communicator.ts): alone, a no-op; on a
// peer of a tensor-parallel model, the sums; on rank 0, the coordinator (parallel/tensorParallel.ts),
// which asks the peers to run the same operation and joins their shares, so callers see one model.
import { tf } from './backend';
import { captureSlices, readCapture } from './capture';
import { onDemandArrays, onDemandSink } from './attentionMaps';
import { LocalCommunicator, StoppedTogether, singleThread, type Communicator, type ForwardInto } from './communicator';
import { EngineError } from './errors';
import type { Family, Reduce, ReduceArray } from './families/family';
import { familyOf } from './families';
import { checkIntervention, headEditFor, patchResidual } from './interventions';
import { KVCache } from './kvCache';
import { PER_HEAD_MIN_ROWS } from './attention';
import { checkCapture, checkConfig, checkIds } from './modelInput';
import { rootMeanSquare } from './norms';
import type { AllReduce } from './parallel/allReduce';
import type { Shard } from './parallel/shards';
import { TensorParallel, type ParallelOptions } from './parallel/tensorParallel';
import type { ForwardHooks } from './forwardHooks';
import type { ForwardOptions, ForwardResult, GPTConfig, AnyWeightMap } from './types';

export type { ParallelOptions } from './parallel/tensorParallel';

export type { ForwardHooks } from './forwardHooks';

let nextCacheId = 1;
/** Blocks run by full forwards on this thread (diagnostics: shows whether a cancelled forward stopped). */
let forwardBlocksRun = 0;

/** How many blocks full forwards have run on this thread so far. */
export function blocksRunOnThisThread(): number {
  return forwardBlocksRun;
}

async function read(t: tf.Tensor): Promise<Float32Array> {
  return (await t.data()) as Float32Array;
}

export class GPTModel {
  readonly config: GPTConfig;
  readonly numParams: number;
  private readonly reduce: Reduce | undefined;
  private readonly reduceArray: ReduceArray | undefined;
  private disposed = false;

  private constructor(
    private readonly f: Family,
    private readonly comm: Communicator = singleThread,
  ) {
    this.config = f.config;
    this.numParams = f.numParams;
    // Alone, the partial outputs are the whole ones: no sum (and no read back from tfjs).
    this.reduce = comm.threads > 1 ? (partial) => tf.tensor2d(comm.allReduce(partial.dataSync() as Float32Array), partial.shape) : undefined; // [T, d]
    this.reduceArray = comm.threads > 1 ? (partial) => comm.allReduce(partial) : undefined;
  }

  /** Copies the weights into tensors (checking every shape); the WeightMap can be dropped after. */
  static create(config: GPTConfig, weights: AnyWeightMap, opts: { release?: boolean } = {}): GPTModel {
    checkConfig(config);
    return new GPTModel(familyOf(config).load(config, weights, undefined, opts.release));
  }

  /** One shard of a tensor-parallel model (a peer thread builds its part with this). */
  static createShard(config: GPTConfig, weights: AnyWeightMap, shard: Shard, sums: AllReduce): GPTModel {
    checkConfig(config);
    return new GPTModel(familyOf(config).load(config, weights, shard, true), new LocalCommunicator(sums)); // its own map: let each weight go once packed
  }

  /**
   * The model split over `threads` threads (at most one per head): this thread holds the first
   * shard, and one worker thread per other shard holds its own, with its own tfjs backend. The
   * result behaves exactly like create()'s. With threads ≤ 1 it is create().
   */
  static async createParallel(config: GPTConfig, weights: AnyWeightMap, opts: ParallelOptions): Promise<GPTModel> {
    checkConfig(config);
    const n = Math.min(Math.max(1, Math.floor(opts.threads)), config.nHead);
    if (n === 1) return GPTModel.create(config, weights, opts);
    const family = familyOf(config);
    const { comm, own } = await TensorParallel.start(config, weights, { ...opts, threads: n }, (w, shard, release) => family.cut(config, w, shard, release), (w, shard, release) => family.load(config, w, shard, release));
    return new GPTModel(own, comm);
  }

  /** How long this thread has waited for its peers at the sums, in ms (benchmarks report it). */
  get syncWaitMs(): number {
    return this.comm.waitedMs;
  }

  /** A zeroed array [n] that every thread of this model can write into (Intervention.recordHeads). */
  sharedArray(n: number): Float32Array {
    return this.comm.array(n);
  }

  /** Threads this model runs on. */
  get threads(): number {
    return this.comm.threads;
  }

  /**
   * A full forward pass over `ids` from position 0. A split model's peers get from rank 0 `into`:
   * the [T × V] array to write this thread's columns of the logits into, one [H × T × T] array per
   * layer for this thread's heads' maps (or, on demand, their queries, keys and thumbnails); the
   * result holds those arrays (without them, this thread makes its own through its communicator).
   */
  async forward(ids: number[], opts: ForwardOptions = {}, hooks: ForwardHooks = {}, into?: ForwardInto): Promise<ForwardResult> {
    this.checkAlive();
    checkIds(this.config, ids, 0);
    const { nLayer, nEmbd: d } = this.config;
    const T = ids.length;
    const onDemand = opts.onDemand;
    const wantAttentions = !onDemand && (opts.attentions ?? true);
    const cap = opts.capture;
    if (cap) checkCapture(this.config, cap, T);
    const iv = opts.intervention;
    if (iv) checkIntervention(iv, this.config, T);

    const result: ForwardResult = { T, logits: new Float32Array(0) };
    const residuals: Float32Array[] = [];
    const emb = tf.tidy(() => this.f.embed(ids, 0)); // [T, d] each
    const streamLayers = (wantAttentions || onDemand !== undefined) && hooks.afterLayer !== undefined;
    const logitsOut = into?.logitsOut ?? this.comm.array(T * this.config.vocabSize); // [T × V]
    const attentionsOut = into?.attentionsOut ?? (wantAttentions ? Array.from({ length: nLayer }, () => this.comm.array(this.config.nHead * T * T)) : []); // L × [H × T × T]
    const kept = onDemand ? onDemandArrays(this.config, (n) => this.comm.array(n), T, onDemand, into) : undefined;
    const join = this.comm.forward({
      ids,
      opts: { attentions: wantAttentions, capture: cap, ...(onDemand ? { onDemand } : {}), ...(iv ? { intervention: iv } : {}) },
      ...kept,
      ...(streamLayers ? { streamLayers: true } : {}),
      ...(hooks.shouldStop ? { stoppable: true } : {}),
      logitsOut,
      attentionsOut,
    });
    let x = emb.x; // [T, d]
    // The blocks on plain arrays (arrayLayers.ts), only with ATTENTION_LENS_BLOCKS=arrays, when the
    // family has them and nothing is captured, edited or kept on demand. Off by default: on 2026-12-07 it
    // measured no faster than the tensor path (bench/blocksAB.ts); fused kernels will plug in there.
    const rows =
      !cap && onDemand === undefined && !iv && T >= PER_HEAD_MIN_ROWS && this.f.blockRows && this.f.finalNormRows && process.env.ATTENTION_LENS_BLOCKS === 'arrays' ? this.f : undefined;
    let final: Float32Array | undefined; // [T × d], the last block's output on that path
    try {
      await this.whileReducing(async () => {
        if (cap) {
          result.tokenEmbeddings = await read(emb.tok);
          if (emb.pos) result.positionEmbeddings = await read(emb.pos);
        }
        emb.tok.dispose();
        emb.pos?.dispose();
        if (opts.residuals) residuals.push(await read(x));

        const stopHere = (): void => {
          if (hooks.shouldStop && this.comm.agree(hooks.shouldStop())) throw new StoppedTogether();
        };
        if (rows) {
          final = await this.blocksOnRows(rows, x, T, wantAttentions ? attentionsOut : undefined, stopHere, (l) => (streamLayers ? join.layer(l, () => hooks.afterLayer!(l, attentionsOut[l])) : undefined), opts.residuals ? residuals : undefined);
          return;
        }
        for (let l = 0; l < nLayer; l++) {
          if (l > 0) stopHere();
          // Per head [T × T], when the attention path read them: kept out of tidy's result, which
          // would walk every number of them looking for tensors.
          let heads: Float32Array[] | undefined;
          const sink = kept && onDemandSink(this.config, this.f.shard, T, kept.qkOut[l], kept.thumbsOut?.[l], onDemand!.thumbSize);
          const out = tf.tidy(() => {
            const r = this.f.block(l, x, { pos0: 0, ...(sink ? { onDemand: sink } : {}) }, this.reduce, headEditFor(iv, l, this.f.shard.heads, this.config.headDim));
            heads = wantAttentions ? r.weightsData : undefined;
            return {
              next: r.residualOut, // [T, d]
              att: wantAttentions && !heads ? r.part('weights') : undefined, // [H, T, T] (this shard's heads)
              cap: cap && cap.layer === l ? captureSlices(r, cap.position) : undefined,
            };
          });
          x.dispose();
          x = out.next;
          const patched = patchResidual(iv, l, x); // [T, d], the same rows on every thread
          if (patched) {
            x.dispose();
            x = patched;
          }
          forwardBlocksRun++;
          try {
            if (wantAttentions) {
              // this thread's heads [h × T × T], at their place among all heads
              let at = this.f.shard.heads[0] * T * T;
              for (const a of heads ?? [await read(out.att!)]) {
                attentionsOut[l].set(a, at);
                at += a.length;
              }
            }
            if (streamLayers) {
              const wait = join.layer(l, () => hooks.afterLayer!(l, wantAttentions ? attentionsOut[l] : undefined, kept?.thumbsOut?.[l]));
              if (wait) await wait;
            }
            if (out.cap && cap) result.capture = await readCapture(out.cap, cap, this.config.headDim);
            if (opts.residuals) residuals.push(await read(x));
          } finally {
            out.att?.dispose();
            if (out.cap) for (const t of Object.values(out.cap)) t?.dispose();
          }
        }
        stopHere();
      });

      const capture = await join.blocks(result.capture); // every layer handed over, the capture whole
      if (capture) result.capture = capture;
      if (hooks.afterBlocks) await hooks.afterBlocks(attentionsOut, result.capture);
      if (cap) {
        const lnF = tf.tidy(() => this.f.finalNorm(tf.slice(x, [cap.position, 0], [1, d]) as tf.Tensor2D)); // [1, d]
        const fr = this.f.finalRmsNorm;
        const rms = fr ? tf.tidy(() => rootMeanSquare(tf.slice(x, [cap.position, 0], [1, d]) as tf.Tensor2D, fr.eps)) : undefined; // [1, 1]
        try {
          result.finalLn = await read(lnF);
          if (fr && rms) result.finalNorm = { rms: (await read(rms))[0], weight: fr.weight.slice() };
        } finally {
          lnF.dispose();
          rms?.dispose();
        }
      }
      if (final) this.f.head.matmulInto(rows!.finalNormRows!(final, T), T, logitsOut, this.config.vocabSize, this.f.shard.vocab[0]); // this thread's columns
      else this.headInto(x, logitsOut); // this thread's columns
      await join.done(); // and the other threads'
      result.logits = logitsOut; // [T, V]
    } finally {
      x.dispose();
    }
    if (wantAttentions) result.attentions = attentionsOut;
    if (kept) {
      result.qk = kept.qkOut;
      if (kept.thumbsOut) result.thumbs = kept.thumbsOut;
    }
    if (opts.residuals) result.residuals = residuals;
    return result;
  }

  /**
   * Every block on plain arrays from x [T, d] (read, then disposed): each layer's heads written at
   * their place in `attentionsOut[l]`, `layerDone` told after each layer (it may return a wait),
   * each block's output pushed to `residuals`. Returns the last block's output [T × d].
   */
  private async blocksOnRows(
    f: Family,
    x: tf.Tensor2D,
    T: number,
    attentionsOut: Float32Array[] | undefined,
    stopHere: () => void,
    layerDone: (l: number) => Promise<void> | void | undefined,
    residuals: Float32Array[] | undefined,
  ): Promise<Float32Array> {
    let xa = await read(x); // [T × d]
    x.dispose();
    const [h0, h1] = f.shard.heads;
    for (let l = 0; l < this.config.nLayer; l++) {
      if (l > 0) stopHere();
      const own = attentionsOut?.[l].subarray(h0 * T * T, h1 * T * T); // this thread's heads [h × T × T]
      xa = f.blockRows!(l, xa, T, own, this.reduceArray); // [T × d]
      forwardBlocksRun++;
      if (attentionsOut) {
        const wait = layerDone(l);
        if (wait) await wait;
      }
      residuals?.push(xa);
    }
    stopHere();
    return xa;
  }

  /** An empty KV cache for this model; the caller disposes it. */
  newCache(): KVCache {
    this.checkAlive();
    const id = nextCacheId++;
    this.comm.newCache(id);
    const comm = this.comm;
    const [kv0, kv1] = this.f.shard.kvHeads; // the kv heads this thread's query heads read
    const { nLayer, nPositions, headDim } = this.config;
    return new KVCache(nLayer, nPositions, kv1 - kv0, headDim, id, () => comm.disposeCache(id));
  }

  /** Appends `ids` to the cache (one pass over all of them) and returns the last position's logits [V]. */
  async step(cache: KVCache, ids: number[]): Promise<Float32Array> {
    this.checkAlive();
    if (cache.isDisposed || cache.nLayer !== this.config.nLayer) {
      throw new EngineError('BAD_ARGUMENT', 'step() needs a live KV cache made by this model');
    }
    const pos0 = cache.length;
    checkIds(this.config, ids, pos0);
    const T = ids.length;
    const join = this.comm.columns({ op: 'step', cacheId: cache.id, ids });
    let last: Float32Array | undefined; // the last position's block output [d]
    await this.whileReducing(async () => {
      const x = tf.tidy(() => this.f.embed(ids, pos0).x); // [T, d]
      if (T === 1) {
        try {
          last = x.dataSync() as Float32Array; // [d]
          for (let l = 0; l < this.config.nLayer; l++) last = this.f.blockRow(l, last, cache, this.reduceArray);
        } finally {
          x.dispose();
        }
      } else {
        last = await this.stepRows(cache, x, pos0);
      }
    });
    cache.advance(T);
    const xf = this.f.finalNormRow(last!); // [d]
    return join(this.f.head.matmul(xf, 1), 1); // [V]
  }

  /** Several new rows x [T, d] (disposed here) through every block with tensors; writes their keys and values to the cache. */
  private async stepRows(cache: KVCache, x: tf.Tensor2D, pos0: number): Promise<Float32Array> {
    const T = x.shape[0];
    const d = this.config.nEmbd;
    try {
      for (let l = 0; l < this.config.nLayer; l++) {
        const out = tf.tidy(() => {
          const r = this.f.block(l, x, { ...cache.tensors(l), pos0 }, this.reduce);
          return { next: r.residualOut, k: r.part('k'), v: r.part('v') }; // [T, d], [Hkv, T, hd], [Hkv, pos0+T, hd]
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

  /** The final norm then the LM head on a residual stream [T × d] → logits [T × V] (the logit lens). */
  async unembed(residual: Float32Array, T: number): Promise<Float32Array> {
    this.checkAlive();
    const d = this.config.nEmbd;
    if (!Number.isInteger(T) || T < 1 || residual.length !== T * d) {
      throw new EngineError('BAD_ARGUMENT', `unembed needs T × n_embd = ${T} × ${d} values, got ${residual.length}`);
    }
    const join = this.comm.columns({ op: 'unembed', residual, T });
    const x = tf.tensor2d(residual, [T, d]);
    try {
      return await join(this.withFinalNorm(x, (xf) => this.f.head.matmul(xf, T)), T); // [T, V]
    } finally {
      x.dispose();
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.f.dispose();
    this.comm.dispose();
  }

  /**
   * Runs the part of an operation during which the threads sum activations together. If this thread
   * fails there, the others are told (they would otherwise wait for it), and the model is broken.
   */
  private async whileReducing(body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (err) {
      if (!(err instanceof StoppedTogether)) this.comm.fail(); // every thread stopped at the same layer: still in step
      throw err;
    }
  }

  /** The final norm, then x [T, d] @ the head into this shard's columns of the whole [T × V] logits `out`. */
  private headInto(x: tf.Tensor2D, out: Float32Array): void {
    this.withFinalNorm(x, (xf) => this.f.head.matmulInto(xf, x.shape[0], out, this.config.vocabSize, this.f.shard.vocab[0]));
  }

  private withFinalNorm<R>(x: tf.Tensor2D, f: (xf: Float32Array) => R): R {
    const xf = tf.tidy(() => this.f.finalNorm(x)); // [T, d]
    try {
      return f(xf.dataSync() as Float32Array);
    } finally {
      xf.dispose();
    }
  }

  private checkAlive(): void {
    if (this.disposed) throw new EngineError('NOT_LOADED', 'the model has been disposed');
    if (this.comm.broken) {
      throw new EngineError('WORKER_DIED', "one of the engine's threads stopped; the model must be loaded again");
    }
  }
}
