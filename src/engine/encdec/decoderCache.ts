// The decoder's state between steps: per layer its self-attention keys and values so far (grown
// one target token at a time) and the cross-attention keys and values, projected once from the
// encoder output and shared by every step (and every beam: clone() copies only the self part).

export class DecoderCache {
  /** Target tokens cached so far. */
  length = 0;

  constructor(
    /** Per layer: the encoder output's keys and values [S × H·hd] each, read-only. */
    readonly crossK: Float32Array[],
    readonly crossV: Float32Array[],
    readonly sourceLength: number,
    /** H·hd: one cached row. */
    readonly width: number,
    private selfK: Float32Array[] = crossK.map(() => new Float32Array(16 * width)), // per layer [capacity × H·hd]
    private selfV: Float32Array[] = crossK.map(() => new Float32Array(16 * width)),
  ) {}

  /** Appends rows k, v [n × H·hd] to layer l (every layer gets the same n before advance()). */
  append(l: number, k: Float32Array, v: Float32Array, n: number): void {
    const need = (this.length + n) * this.width;
    if (need > this.selfK[l].length) {
      const grown = Math.max(need, 2 * this.selfK[l].length);
      for (const list of [this.selfK, this.selfV]) {
        const bigger = new Float32Array(grown);
        bigger.set(list[l]);
        list[l] = bigger;
      }
    }
    this.selfK[l].set(k.subarray(0, n * this.width), this.length * this.width);
    this.selfV[l].set(v.subarray(0, n * this.width), this.length * this.width);
  }

  /** Layer l's keys and values for the first `n` positions [n × H·hd]. */
  keys(l: number, n: number): Float32Array {
    return this.selfK[l].subarray(0, n * this.width);
  }

  values(l: number, n: number): Float32Array {
    return this.selfV[l].subarray(0, n * this.width);
  }

  /** Marks n more target tokens as cached (after every layer appended them). */
  advance(n: number): void {
    this.length += n;
  }

  /** A copy whose self-attention part can grow apart from this one (a beam's fork). */
  clone(): DecoderCache {
    const used = this.length * this.width;
    const copy = (list: Float32Array[]) => list.map((a) => {
      const b = new Float32Array(Math.max(a.length, used + this.width));
      b.set(a.subarray(0, used));
      return b;
    });
    const c = new DecoderCache(this.crossK, this.crossV, this.sourceLength, this.width, copy(this.selfK), copy(this.selfV));
    c.length = this.length;
    return c;
  }
}
