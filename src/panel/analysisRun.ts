// One analysis on the host side: which engine run it is, the overview thumbnails it pushes to the
// webview layer by layer, and the one matrix the webview opens (fetched from the engine on demand,
// cached, rollout computed here). It can start from the analysis's first phase: with the layers the
// engine streams as the blocks run, it serves a layer as soon as that layer is here, without asking
// the engine (which is still busy with the next layers and the LM head).
// No vscode import: the document is described by plain values.
import { meanOverHeads, rolloutStep, withResidual } from '../analysis/rollout';
import { poolMatrix } from '../analysis/thumbnail';
import type { EngineClient } from '../engine/client';
import type { LayerStream } from '../engine/layerStream';
import type { AttentionSummary } from '../shared/sessionTypes';
import type { RunHold } from '../host/runHolds';
import { sourceKey, type MatrixSource } from '../shared/matrixSource';
import { quantize, type QuantizedArray } from '../shared/quantize';
import { MatrixTiles } from './matrixTiles';

/** Matrices kept per run. */
const CACHE_BYTES = 96 * 1024 * 1024;
/** Rollout matrices kept per run (R_0 … R_l); past it only the last one (an earlier layer starts again from R_0). */
const ROLLOUT_BYTES = 256 * 1024 * 1024;

type Engine = Pick<EngineClient, 'attention' | 'release'>;

/** Thumbnails of layers [fromLayer, fromLayer + layers) × every head, layer-major (see OverviewLayersMessage). */
export interface OverviewBatch {
  size: number;
  fromLayer: number;
  layers: number;
  thumbs: QuantizedArray[];
}

export class AnalysisRun {
  private readonly cache = new Map<string, Float32Array>();
  /** Matrices on their way from the engine: a second asker (a tile, the editor's row) waits for the same one. */
  private readonly inFlight = new Map<string, Promise<Float32Array>>();
  private cacheBytes = 0;
  /** R_first … R_{first + length − 1} (rollout.ts); first > 0 once the bytes bound dropped the earlier ones. */
  private rollouts: Float32Array[] = [];
  private rolloutFirst = 0;
  private released = false;
  private tileCache: MatrixTiles | undefined;

  constructor(
    private readonly engine: Engine,
    readonly summary: AttentionSummary,
    /** The panel's hold on the run when others may share it (else release() forgets the run outright). */
    private readonly hold?: RunHold,
    /** The run's layers as the engine streams them: served from here (else fetched by runId). */
    private layers?: LayerStream,
  ) {
    if (layers && layers.nLayer !== summary.nLayer) throw new RangeError(`a stream of ${layers.nLayer} layers for a ${summary.nLayer}-layer model`);
  }

  get runId(): number {
    return this.summary.runId;
  }

  get T(): number {
    return this.summary.T;
  }

  /** Throws a RangeError for a layer or head this run does not have. */
  check(source: MatrixSource): void {
    const { nLayer, nHead } = this.summary;
    if (source.layer < 0 || source.layer >= nLayer) throw new RangeError(`layer ${source.layer} is outside 0..${nLayer - 1}`);
    if (source.kind === 'head' && (source.head < 0 || source.head >= nHead))
      throw new RangeError(`head ${source.head} is outside 0..${nHead - 1}`);
  }

  /** One [T × T] matrix (row = query). */
  async matrix(source: MatrixSource): Promise<Float32Array> {
    this.check(source);
    const key = sourceKey(source);
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key); // LRU: move to the end
      this.cache.set(key, hit);
      return hit;
    }
    const coming = this.inFlight.get(key);
    if (coming) return coming;
    const fetch = (async () => {
      let m: Float32Array;
      if (source.kind === 'head') m = await this.attention(source.layer, source.head);
      else if (source.kind === 'layerMean') m = await this.attention(source.layer, -1);
      else m = await this.rollout(source.layer);
      this.remember(key, m);
      return m;
    })();
    this.inFlight.set(key, fetch);
    try {
      return await fetch;
    } finally {
      this.inFlight.delete(key);
    }
  }

  /** Max-pooled tiles of this run's matrices (the panel's view at long T). */
  get tiles(): MatrixTiles {
    return (this.tileCache ??= new MatrixTiles((s) => this.matrix(s), this.T));
  }

  /** The matrix quantised for display (16 bits: error ≤ 7.6e-6). */
  async quantized(source: MatrixSource): Promise<QuantizedArray> {
    return quantize(await this.matrix(source), 16, 1);
  }

  /** Row `query` of a matrix, T entries. */
  async row(source: MatrixSource, query: number): Promise<Float32Array> {
    const T = this.T;
    if (query < 0 || query >= T) throw new RangeError(`query ${query} is outside 0..${T - 1}`);
    const m = await this.matrix(source);
    return m.slice(query * T, (query + 1) * T);
  }

  /**
   * The overview: thumbnails [S × S] of every head (8 bits, each scaled to its own max), layer by
   * layer from layer 0, handed to `emit` as the layers come: from the stream as the blocks run, or
   * from the engine head by head. Layers already here go out together, a quarter of the model's at
   * most per batch (the first heatmaps go out, and get drawn, sooner). Stops when `signal` aborts.
   */
  async pushOverview(size: number, emit: (batch: OverviewBatch) => void, signal?: AbortSignal): Promise<void> {
    if (this.layers?.thumbnails) return this.pushPooled(emit, signal);
    const { nLayer } = this.summary;
    const most = Math.max(1, Math.ceil(nLayer / 4));
    let S = Math.min(size, this.T);
    // One head's thumbnail per turn of the event loop: a batch of GPT-2 small's (36 heads at T = 256)
    // made in one piece held the extension host's loop for 60–120 ms (bench:soak, load average 9).
    const thumbsOf = async (heads: Float32Array[], into: QuantizedArray[]): Promise<void> => {
      for (const m of heads) {
        await new Promise<void>((r) => setImmediate(r));
        if (signal?.aborted || this.released) return;
        const p = poolMatrix(m, this.T, size);
        S = p.size;
        into.push(quantize(p.data, 8));
      }
    };
    for (let from = 0; from < nLayer && !signal?.aborted; ) {
      const thumbs: QuantizedArray[] = [];
      await thumbsOf(await this.heads(from), thumbs);
      let l = from + 1;
      for (let here = this.streamedHeads(l); here && l < from + most; here = this.streamedHeads(++l)) await thumbsOf(here, thumbs);
      if (signal?.aborted || this.released) return;
      emit({ size: S, fromLayer: from, layers: l - from, thumbs });
      from = l;
    }
  }

  /**
   * The overview of a run on demand: the thumbnails the engine pooled as the forward ran, streamed
   * layer by layer (no map crosses to the host), each head quantised here as pushOverview does.
   */
  private async pushPooled(emit: (batch: OverviewBatch) => void, signal?: AbortSignal): Promise<void> {
    const { nLayer, nHead } = this.summary;
    const most = Math.max(1, Math.ceil(nLayer / 4));
    const quantised = (t: { size: number; thumbs: Float32Array }): QuantizedArray[] => {
      const SS = t.size * t.size;
      return Array.from({ length: nHead }, (_, h) => quantize(t.thumbs.subarray(h * SS, (h + 1) * SS), 8));
    };
    for (let from = 0; from < nLayer && !signal?.aborted; ) {
      const first = await this.layers?.whenThumbs(from);
      if (!first || signal?.aborted || this.released) return; // the analysis ended first
      const thumbs = quantised(first);
      let l = from + 1;
      for (let here = this.layers?.thumbsOf(l); here && l < from + most; here = this.layers?.thumbsOf(++l)) thumbs.push(...quantised(here));
      emit({ size: first.size, fromLayer: from, layers: l - from, thumbs });
      from = l;
      await new Promise<void>((r) => setImmediate(r));
    }
  }

  /** One head's map [T × T], not cached here (the head table reads every head once). */
  async headAttention(layer: number, head: number): Promise<Float32Array> {
    this.check({ kind: 'head', layer, head });
    return this.attention(layer, head);
  }

  /** Layer `l`'s attention [H × T × T] (the head table scores it): the stream's array (don't modify), or the heads from the engine. */
  async layerAttention(l: number): Promise<Float32Array> {
    this.check({ kind: 'layerMean', layer: l });
    const here = await this.layerHere(l);
    if (here) return here;
    const TT = this.T * this.T;
    const all = new Float32Array(this.summary.nHead * TT); // [H × T × T]
    (await this.heads(l)).forEach((m, h) => all.set(m, h * TT));
    return all;
  }

  /** Every head [T × T] of layer `l`: from the stream (waiting for it while it streams), or from the engine. */
  private async heads(l: number): Promise<Float32Array[]> {
    const here = await this.layerHere(l);
    if (here) return this.split(here);
    return Promise.all(Array.from({ length: this.summary.nHead }, (_, h) => this.engine.attention(this.runId, l, h)));
  }

  /** Every head of layer `l` if the stream already has it. */
  private streamedHeads(l: number): Float32Array[] | undefined {
    const a = l < this.summary.nLayer && this.layers?.streamed ? this.layers.get(l) : undefined;
    return a && this.split(a);
  }

  /** [H × T × T] → H views [T × T]. */
  private split(all: Float32Array): Float32Array[] {
    const TT = this.T * this.T;
    return Array.from({ length: this.summary.nHead }, (_, h) => all.subarray(h * TT, (h + 1) * TT));
  }

  /** Layer `l` [H × T × T] from the stream (waiting for it while it streams), or undefined: ask the engine. */
  private async layerHere(l: number): Promise<Float32Array | undefined> {
    if (!this.layers?.streamed) return undefined;
    return this.layers.get(l) ?? this.layers.whenLayer(l).catch(() => undefined);
  }

  /** Lets go of the run (once): the engine forgets it unless someone else still holds it. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.cache.clear();
    this.tileCache?.clear();
    this.rollouts = [];
    this.rolloutFirst = 0;
    this.layers = undefined;
    if (this.hold) await this.hold.release();
    else await this.engine.release(this.runId).catch(() => undefined);
  }

  /** One head [T × T] (head −1: the heads' mean, summed in the engine's order), here or from the engine. */
  private async attention(layer: number, head: number): Promise<Float32Array> {
    const all = await this.layerHere(layer); // [H × T × T]
    if (!all) return this.engine.attention(this.runId, layer, head);
    const T = this.T;
    // The mean: the engine's own function, so the same bits as asking the engine for head −1.
    return head >= 0 ? all.slice(head * T * T, (head + 1) * T * T) : meanOverHeads(all, this.summary.nHead, T);
  }

  /**
   * R_layer, from the layers' means (each asked for once: on demand, rebuilt in the engine). Kept
   * for the layers after while they take at most ROLLOUT_BYTES; past that (long T) only the last R
   * is, and a layer before it starts again from R_0: never every layer's T × T at once.
   */
  private async rollout(layer: number): Promise<Float32Array> {
    const T = this.T;
    if (layer < this.rolloutFirst) {
      this.rollouts = [];
      this.rolloutFirst = 0;
    }
    const keepAll = (this.summary.nLayer * T * T * 4) <= ROLLOUT_BYTES;
    for (let l = this.rolloutFirst + this.rollouts.length; l <= layer; l++) {
      const mean = await this.matrix({ kind: 'layerMean', layer: l });
      const a = withResidual(mean, T);
      const next = l === 0 ? a : rolloutStep(a, this.rollouts[this.rollouts.length - 1], T);
      if (keepAll) this.rollouts.push(next);
      else {
        this.rollouts = [next];
        this.rolloutFirst = l;
      }
    }
    return this.rollouts[layer - this.rolloutFirst];
  }

  private remember(key: string, m: Float32Array): void {
    this.cache.set(key, m);
    this.cacheBytes += m.byteLength;
    for (const [k, v] of this.cache) {
      if (this.cacheBytes <= CACHE_BYTES || k === key) break;
      this.cache.delete(k);
      this.cacheBytes -= v.byteLength;
    }
  }
}
