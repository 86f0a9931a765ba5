// The first phase of an analysis on the client side: the attention of each layer as the worker
// streams it (AttentionsLayer events), for whoever shows heatmaps before the whole forward is done.
// Plain data and promises: no worker, no tfjs.

interface Waiter {
  resolve: (a: Float32Array) => void;
  reject: (e: Error) => void;
}

/** A layer's thumbnails as a run on demand streams them: every head's [size × size], head-major. */
export interface LayerThumbs {
  size: number;
  thumbs: Float32Array; // [H × size × size]
}

export class LayerStream {
  private readonly layers: (Float32Array | undefined)[];
  private readonly thumbs: (LayerThumbs | undefined)[];
  private readonly thumbWaiters = new Map<number, ((t: LayerThumbs | undefined) => void)[]>();
  private readonly waiters = new Map<number, Waiter[]>();
  private failure: Error | undefined;
  private thumbsEnded = false;
  private contiguous = 0;

  /**
   * `streamed` false: the worker sends no layers (they were too big for events); every wait then
   * rejects at once, and the caller fetches the attention by runId instead.
   */
  constructor(
    readonly nLayer: number,
    readonly streamed: boolean,
    /** A run on demand asked with a thumbSize: the worker streams each layer's thumbnails (not its maps). */
    readonly thumbnails = false,
  ) {
    this.layers = new Array<Float32Array | undefined>(nLayer);
    this.thumbs = new Array<LayerThumbs | undefined>(nLayer);
    if (!streamed) this.failure = new Error('the attentions are not streamed for this run');
  }

  /** How many layers, from layer 0, are here. */
  get ready(): number {
    return this.contiguous;
  }

  get complete(): boolean {
    return this.contiguous === this.nLayer;
  }

  /** Layer `l` [H × T × T] if it has arrived. */
  get(l: number): Float32Array | undefined {
    return this.layers[l];
  }

  /** Layer `l` when it arrives; rejects if the analysis fails or stops before it (or nothing is streamed). */
  whenLayer(l: number): Promise<Float32Array> {
    if (!Number.isInteger(l) || l < 0 || l >= this.nLayer) return Promise.reject(new RangeError(`layer ${l} is outside 0..${this.nLayer - 1}`));
    const have = this.layers[l];
    if (have) return Promise.resolve(have);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const list = this.waiters.get(l) ?? [];
      list.push({ resolve, reject });
      this.waiters.set(l, list);
    });
  }

  /** A layer arrived (the client, from an AttentionsLayer event). */
  add(l: number, attention: Float32Array): void {
    if (l < 0 || l >= this.nLayer || this.layers[l] || this.failure) return;
    this.layers[l] = attention;
    for (const w of this.waiters.get(l) ?? []) w.resolve(attention);
    this.waiters.delete(l);
    while (this.contiguous < this.nLayer && this.layers[this.contiguous]) this.contiguous++;
  }

  /** Layer `l`'s thumbnails when they arrive; undefined if the analysis ends first (or none are streamed). */
  whenThumbs(l: number): Promise<LayerThumbs | undefined> {
    const have = this.thumbs[l];
    if (have || !this.thumbnails || this.thumbsEnded || l < 0 || l >= this.nLayer) return Promise.resolve(have);
    return new Promise((resolve) => this.thumbWaiters.set(l, [...(this.thumbWaiters.get(l) ?? []), resolve]));
  }

  /** Layer `l`'s thumbnails, if here. */
  thumbsOf(l: number): LayerThumbs | undefined {
    return this.thumbs[l];
  }

  /** A layer's thumbnails arrived (the client, from a thumbs event). */
  addThumbs(l: number, t: LayerThumbs): void {
    if (l < 0 || l >= this.nLayer || this.thumbs[l] || this.thumbsEnded) return;
    this.thumbs[l] = t;
    for (const w of this.thumbWaiters.get(l) ?? []) w(t);
    this.thumbWaiters.delete(l);
  }

  /** The analysis ended without the missing layers (failed, cancelled): their waits reject with `e`. */
  fail(e: Error): void {
    this.thumbsEnded = true;
    for (const list of this.thumbWaiters.values()) for (const w of list) w(undefined);
    this.thumbWaiters.clear();
    if (this.complete || this.failure) return;
    this.failure = e;
    for (const list of this.waiters.values()) for (const w of list) w.reject(e);
    this.waiters.clear();
  }
}
