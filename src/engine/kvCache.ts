// The KV cache (llama2.c's RunState): per layer, the keys and values of every position decoded so
// far, for the key/value heads this thread holds, in plain Float32Arrays [Hkv, capacity, hd]
// allocated on first use. The capacity grows by doubling up to the context length (a Llama 3 config
// says 131072 positions: allocating them all up front would take gigabytes for a short chat). Plain arrays rather than tensors: a new token's row is written in place (tfjs has no in-place
// write, so a tensor cache is re-concatenated, i.e. copied whole, on every token), and the
// single-row path (rowLayers.ts) reads it directly. A multi-token step with a non-empty cache
// gets tensors of the cached rows from tensors() — a rare path (a prompt continued in one pass).
import { tf } from './backend';
import { EngineError } from './errors';

export class KVCache {
  /** Number of positions cached. */
  length = 0;
  private readonly keys: (Float32Array | undefined)[];
  private readonly values: (Float32Array | undefined)[];
  private disposed = false;
  /** Positions each head's rows have room for: the stride between heads in the stores. */
  private capacity: number;

  /**
   * `nHead`: heads on this thread; `id` names the cache to the peer threads of a tensor-parallel
   * model (each holds its own heads' rows under it) and `onDispose` tells them to free theirs.
   */
  constructor(
    readonly nLayer: number,
    /** The context length: length never exceeds it. */
    readonly maxLength: number,
    readonly nHead: number,
    readonly headDim: number,
    readonly id = 0,
    private readonly onDispose?: () => void,
  ) {
    this.keys = new Array(nLayer).fill(undefined);
    this.values = new Array(nLayer).fill(undefined);
    this.capacity = Math.min(maxLength, KVCache.INITIAL_CAPACITY);
  }

  /** Positions a new cache has room for before it first grows. */
  static readonly INITIAL_CAPACITY = 256;

  /** Rows per head in the stores layer() returns (head h's rows start at h · stride · headDim). */
  get stride(): number {
    return this.capacity;
  }

  /** Makes room for `positions` positions in every layer (copying what is cached when it grows). */
  reserve(positions: number): void {
    this.checkAlive();
    if (positions <= this.capacity) return;
    if (positions > this.maxLength) throw new EngineError('CONTEXT_TOO_LONG', `the KV cache holds at most ${this.maxLength} positions`);
    let grown = this.capacity;
    while (grown < positions) grown *= 2;
    grown = Math.min(grown, this.maxLength);
    const { nHead: H, headDim: hd, capacity: old, length: n } = this;
    const regrow = (store: Float32Array | undefined) => {
      if (!store) return undefined;
      const out = new Float32Array(H * grown * hd);
      for (let h = 0; h < H; h++) out.set(store.subarray(h * old * hd, (h * old + n) * hd), h * grown * hd);
      return out;
    };
    for (let l = 0; l < this.nLayer; l++) {
      this.keys[l] = regrow(this.keys[l]);
      this.values[l] = regrow(this.values[l]);
    }
    this.capacity = grown;
  }

  /** Positions still free. */
  get remaining(): number {
    return this.maxLength - this.length;
  }

  /** Layer `l`'s key and value stores, [H × stride × hd] each (rows ≥ length are unused). */
  layer(l: number): { k: Float32Array; v: Float32Array } {
    this.checkAlive();
    const size = this.nHead * this.capacity * this.headDim;
    const k = (this.keys[l] ??= new Float32Array(size));
    const v = (this.values[l] ??= new Float32Array(size));
    return { k, v };
  }

  /** Writes `n` new rows per head at positions length…length+n−1 of layer `l`; kNew, vNew: [H × n × hd]. */
  write(l: number, kNew: Float32Array, vNew: Float32Array, n: number): void {
    this.reserve(this.length + n);
    const { k, v } = this.layer(l);
    const { nHead: H, headDim: hd, capacity: P } = this;
    for (let h = 0; h < H; h++) {
      const src = h * n * hd;
      const dst = (h * P + this.length) * hd;
      k.set(kNew.subarray(src, src + n * hd), dst);
      v.set(vNew.subarray(src, src + n * hd), dst);
    }
  }

  /** The cached rows of layer `l` as tensors: keys transposed [H, hd, length], values [H, length, hd]. Call inside tf.tidy. */
  tensors(l: number): { kT?: tf.Tensor3D; v?: tf.Tensor3D } {
    if (this.length === 0) return {};
    const { k, v } = this.layer(l);
    const { nHead: H, headDim: hd, capacity: P, length: n } = this;
    const rows = (store: Float32Array) => {
      const out = new Float32Array(H * n * hd); // [H, n, hd]
      for (let h = 0; h < H; h++) out.set(store.subarray(h * P * hd, (h * P + n) * hd), h * n * hd);
      return tf.tensor3d(out, [H, n, hd]);
    };
    return { kT: tf.transpose(rows(k), [0, 2, 1]) as tf.Tensor3D, v: rows(v) };
  }

  /** Called once every layer holds `n` more rows. */
  advance(n: number): void {
    this.length += n;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.keys.fill(undefined);
    this.values.fill(undefined);
    this.length = 0;
    this.onDispose?.();
  }

  private checkAlive(): void {
    if (this.disposed) throw new EngineError('BAD_ARGUMENT', 'this KV cache has been disposed');
  }
}
