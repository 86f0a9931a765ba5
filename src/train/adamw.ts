// AdamW on plain Float32Arrays (Loshchilov & Hutter: the weight decay is decoupled from the
// gradient, p ← p − lr·(m̂/(√v̂+ε) + wd·p)), with global-norm gradient clipping. It runs in JS on
// the host: for ~1M parameters one update costs a few ms, it is deterministic, and its state is
// two arrays per parameter that a checkpoint saves as they are.
//
// Decay choice (nanoGPT's): every parameter of rank ≥ 2 decays (the Conv1D matrices, wte, wpe);
// biases and LayerNorm gains/biases (rank 1) never do.

export interface AdamWOptions {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export class AdamW {
  readonly m: Float32Array[];
  readonly v: Float32Array[];
  /** Number of updates applied so far (bias correction uses it). */
  t = 0;

  constructor(
    sizes: readonly number[],
    private readonly decays: readonly boolean[],
    private readonly o: AdamWOptions,
  ) {
    this.m = sizes.map((n) => new Float32Array(n));
    this.v = sizes.map((n) => new Float32Array(n));
  }

  /**
   * Applies one update in place. `grads` are scaled by `gradScale` first (e.g. 1/tokens), then
   * clipped to a global L2 norm of `clip` (0 = no clipping). Returns the norm before clipping.
   */
  step(params: Float32Array[], grads: Float32Array[], lr: number, gradScale: number, clip: number): number {
    let sq = 0;
    for (const g of grads) for (let i = 0; i < g.length; i++) sq += g[i] * g[i];
    const norm = Math.sqrt(sq) * gradScale;
    const scale = clip > 0 && norm > clip ? (gradScale * clip) / norm : gradScale;
    this.t += 1;
    const { beta1, beta2, eps, weightDecay } = this.o;
    const bc1 = 1 - Math.pow(beta1, this.t);
    const bc2 = 1 - Math.pow(beta2, this.t);
    for (let k = 0; k < params.length; k++) {
      const p = params[k];
      const g = grads[k];
      const m = this.m[k];
      const v = this.v[k];
      const decay = this.decays[k] ? lr * weightDecay : 0;
      for (let i = 0; i < p.length; i++) {
        const gi = g[i] * scale;
        m[i] = beta1 * m[i] + (1 - beta1) * gi;
        v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
        p[i] = p[i] - lr * (m[i] / bc1 / (Math.sqrt(v[i] / bc2) + eps)) - decay * p[i];
      }
    }
    return norm;
  }
}
