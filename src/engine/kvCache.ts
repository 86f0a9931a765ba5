// The KV cache (llama2.c's RunState): per layer, the keys and values of every position decoded so
// far: keys transposed [H, hd, length] (q·kᵀ is then a plain matMul, which is what wasm runs fast),
// values [H, length, hd]. It is the single owner of those tensors; GPTModel.step replaces them (the
// new ones are the old ones with the new rows concatenated) and dispose() frees them.
//
// Grown by concat rather than preallocated: tfjs has no in-place write, so a preallocated
// [H, Tmax, hd] buffer would be copied by every update (scatter) *and* sliced for every read,
// while concat copies only the rows that exist.
import { tf } from './backend';
import { EngineError } from './errors';

export class KVCache {
  /** Number of positions cached. */
  length = 0;
  readonly nLayer: number;
  /** The context length: length never exceeds it. */
  readonly maxLength: number;
  private keys: (tf.Tensor3D | undefined)[];
  private values: (tf.Tensor3D | undefined)[];
  private disposed = false;

  constructor(nLayer: number, maxLength: number) {
    this.nLayer = nLayer;
    this.maxLength = maxLength;
    this.keys = new Array(nLayer).fill(undefined);
    this.values = new Array(nLayer).fill(undefined);
  }

  /** Positions still free. */
  get remaining(): number {
    return this.maxLength - this.length;
  }

  /** Layer `i`'s cached keys [H, hd, length] and values [H, length, hd] (undefined while empty). */
  get(i: number): { kT?: tf.Tensor3D; v?: tf.Tensor3D } {
    this.checkAlive();
    return { kT: this.keys[i], v: this.values[i] };
  }

  /** Takes ownership of layer `i`'s new keys [H, hd, length + n] and values [H, length + n, hd], freeing the old ones. */
  set(i: number, k: tf.Tensor3D, v: tf.Tensor3D): void {
    this.checkAlive();
    const oldK = this.keys[i];
    const oldV = this.values[i];
    this.keys[i] = k;
    this.values[i] = v;
    if (oldK && oldK !== k) oldK.dispose();
    if (oldV && oldV !== v) oldV.dispose();
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
    for (const t of [...this.keys, ...this.values]) t?.dispose();
    this.keys.fill(undefined);
    this.values.fill(undefined);
    this.length = 0;
  }

  private checkAlive(): void {
    if (this.disposed) throw new EngineError('BAD_ARGUMENT', 'this KV cache has been disposed');
  }
}
