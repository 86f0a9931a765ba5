// Rotary position embeddings as Hugging Face's Llama family applies them: the first rotaryDim dims
// of each q and k head rotate, dim i together with dim i + rotaryDim/2 (rotate_half), by the angle
// position · inv_freq[i]; the rest pass through (partial rotary). inv_freq per rope_type as
// modeling_rope_utils computes it: default θ^(−2i/dim); linear divides it by the factor (positions
// / factor); dynamic NTK equals default while the sequence fits max_position_embeddings, which the
// engine never exceeds; llama3 keeps high frequencies, divides low ones by the factor and blends
// the band between. Plain arrays: applied to the projected q | k rows before attention.
import type { RopeConfig } from './types';

/** inv_freq [rotaryDim / 2] for `rope`, in float64. */
export function invFreq(rope: RopeConfig): Float64Array {
  const dim = rope.rotaryDim;
  const f = new Float64Array(dim / 2);
  for (let i = 0; i < f.length; i++) f[i] = 1 / Math.pow(rope.theta, (2 * i) / dim);
  const s = rope.scaling;
  if (s?.type === 'linear') {
    for (let i = 0; i < f.length; i++) f[i] /= s.factor;
  } else if (s?.type === 'llama3') {
    const lowWavelen = s.originalMaxPositions / s.lowFreqFactor;
    const highWavelen = s.originalMaxPositions / s.highFreqFactor;
    for (let i = 0; i < f.length; i++) {
      const wavelen = (2 * Math.PI) / f[i];
      if (wavelen > lowWavelen) {
        f[i] /= s.factor; // low frequencies: scaled
      } else if (wavelen >= highWavelen) {
        // the band between: a blend of scaled and unscaled
        const smooth = (s.originalMaxPositions / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
        f[i] = ((1 - smooth) * f[i]) / s.factor + smooth * f[i];
      } // high frequencies: kept
    }
  }
  return f;
}

export class Rotary {
  private readonly invFreq: Float64Array;
  private readonly half: number;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;

  constructor(
    rope: RopeConfig,
    private readonly headDim: number,
  ) {
    this.invFreq = invFreq(rope);
    this.half = rope.rotaryDim / 2;
    this.cos = new Float64Array(this.half);
    this.sin = new Float64Array(this.half);
  }

  /**
   * In place: rotates heads [h0, h0 + nHeads) (headDim columns each, from column 0) of every row
   * t of a row-major [T × W] array by position pos0 + t.
   */
  apply(a: Float32Array, T: number, W: number, h0: number, nHeads: number, pos0: number): void {
    const { half, cos, sin, headDim: hd } = this;
    for (let t = 0; t < T; t++) {
      const pos = pos0 + t;
      for (let i = 0; i < half; i++) {
        const angle = pos * this.invFreq[i];
        cos[i] = Math.cos(angle);
        sin[i] = Math.sin(angle);
      }
      for (let h = h0; h < h0 + nHeads; h++) {
        const at = t * W + h * hd;
        for (let i = 0; i < half; i++) {
          const x1 = a[at + i];
          const x2 = a[at + i + half];
          a[at + i] = x1 * cos[i] - x2 * sin[i]; // x·cos + rotate_half(x)·sin, rotate_half = (−x2, x1)
          a[at + i + half] = x2 * cos[i] + x1 * sin[i];
        }
      }
    }
  }
}
