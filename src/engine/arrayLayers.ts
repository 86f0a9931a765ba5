// The shared layers once more, on plain arrays of T rows: the path of a prompt's forward when
// nothing asks for the block's intermediate tensors (no capture). Each tfjs op on the wasm backend
// makes a new tensor, and every hand-over to our GEMM reads the values out (dataSync) and back in
// (tensor2d); here a layer norm is one pass per row, the residual add one loop, and attention's
// scale, mask and softmax run on the scores the GEMM wrote, straight into the caller's attention
// array (no [H × T × T] copy per layer). Same formulas as layers.ts / attention.ts (explicit
// q·kᵀ / √hd, causal mask, softmax, weights·v per head), accumulated in float64: checked against
// the tensor path in test/unit/arrayLayers.test.ts. Measured (bench/blocksAB.ts, GPT-2 small,
// T = 512, one thread, CPU time, load average 20–30): no faster than the tensor path yet (7.9–8.1 s
// each); Math.exp in JavaScript costs what the saved tfjs passes gained. This is where norms and
// softmax move into the GEMM's wasm memory next (issue 18).
import { tf } from './backend';
import type { Gemm } from './gemm/gemm';
import type { HeadLayout } from './attention';
import { activation } from './layers';
import type { LayerNormArrays } from './rowLayers';
import type { GPTConfig } from './types';

/** LayerNorm (biased variance, as torch) of each row of x [T × d] → a new [T × d]. */
export function layerNormRows(x: Float32Array, T: number, p: LayerNormArrays, eps: number): Float32Array {
  const d = p.weight.length;
  const out = new Float32Array(T * d);
  const { weight, bias } = p;
  for (let t = 0; t < T; t++) {
    const o = t * d;
    let mean = 0;
    for (let i = 0; i < d; i++) mean += x[o + i];
    mean /= d;
    let variance = 0;
    for (let i = 0; i < d; i++) {
      const c = x[o + i] - mean;
      variance += c * c;
    }
    const inv = 1 / Math.sqrt(variance / d + eps);
    for (let i = 0; i < d; i++) out[o + i] = (x[o + i] - mean) * inv * weight[i] + bias[i];
  }
  return out; // [T × d]
}

/** RMSNorm of each row of x [T × d] → a new [T × d]: x / √(mean(x²) + eps) · weight. */
export function rmsNormRows(x: Float32Array, T: number, weight: Float32Array, eps: number): Float32Array {
  const d = weight.length;
  const out = new Float32Array(T * d);
  for (let t = 0; t < T; t++) {
    const o = t * d;
    let ss = 0;
    for (let i = 0; i < d; i++) ss += x[o + i] * x[o + i];
    const inv = 1 / Math.sqrt(ss / d + eps);
    for (let i = 0; i < d; i++) out[o + i] = x[o + i] * inv * weight[i];
  }
  return out; // [T × d]
}

/** a += b, elementwise (the residual add); returns a. */
export function addInPlace(a: Float32Array, b: Float32Array): Float32Array {
  for (let i = 0; i < a.length; i++) a[i] += b[i];
  return a;
}

/**
 * The feed-forward activation of `kind` on x [rows × n], in place: ReLU here, the others through
 * tfjs (one tensor in, one out), whose wasm sigmoid and erf run vectorised (a Math.exp loop here
 * measured no different within this loaded machine's noise, bench/blocksAB.ts).
 */
export function activationInPlace(kind: GPTConfig['activation'], x: Float32Array): Float32Array {
  if (kind === 'relu') {
    for (let i = 0; i < x.length; i++) if (x[i] < 0) x[i] = 0;
    return x;
  }
  const t = tf.tidy(() => activation(kind, tf.tensor2d(x, [1, x.length])));
  try {
    x.set(t.dataSync() as Float32Array);
  } finally {
    t.dispose();
  }
  return x;
}

/** Columns [col, col + width) of a row-major [T × W] array → [T × width]. */
function columns(a: Float32Array, T: number, W: number, col: number, width: number): Float32Array {
  const out = new Float32Array(T * width);
  for (let t = 0; t < T; t++) out.set(a.subarray(t * W + col, t * W + col + width), t * width);
  return out; // [T × width]
}

/**
 * Row i of the raw scores s [T × T] → softmax over keys 0…i (and, with a window, i − j < window)
 * of s / √hd, written to w [T × T]; every masked entry is 0 (the GEMM's causal product relies on it).
 */
export function causalSoftmaxRows(s: Float32Array, T: number, hd: number, w: Float32Array, window?: number): void {
  const root = Math.sqrt(hd);
  const ex = new Float64Array(T); // one row's exponentials
  for (let i = 0; i < T; i++) {
    const o = i * T;
    const first = window !== undefined ? Math.max(0, i - window + 1) : 0;
    let max = -Infinity;
    for (let j = first; j <= i; j++) {
      const v = s[o + j] / root;
      if (v > max) max = v;
    }
    let sum = 0;
    for (let j = first; j <= i; j++) {
      const e = Math.exp(s[o + j] / root - max);
      ex[j] = e;
      sum += e;
    }
    w.fill(0, o, o + first);
    for (let j = first; j <= i; j++) w[o + j] = ex[j] / sum;
    w.fill(0, o + i + 1, o + T);
  }
}

/**
 * Causal self-attention of T rows from position 0 on arrays, head by head (the per-head path of
 * attention.ts without its tensors). qkv [T × (H + 2·Hkv)·hd] laid out q | k | v, each head by head;
 * `weightsOut`, when given, receives the heads' weights [H × T × T] (the attention maps); returns
 * the heads' outputs side by side [T × H·hd].
 */
export function causalAttentionRows(qkv: Float32Array, T: number, layout: HeadLayout, gemm: Gemm, weightsOut?: Float32Array): Float32Array {
  const { nHead: H, nKvHead: Hkv, headDim: hd, window } = layout;
  const width = (H + 2 * Hkv) * hd;
  const kv = Array.from({ length: Hkv }, (_, j) => ({
    k: columns(qkv, T, width, (H + j) * hd, hd), // [T × hd]
    v: columns(qkv, T, width, (H + Hkv + j) * hd, hd), // [T × hd]
  }));
  const concat = new Float32Array(T * H * hd); // [T × H·hd]
  const scratch = weightsOut ? undefined : new Float32Array(T * T);
  for (let h = 0; h < H; h++) {
    const { k, v } = kv[layout.kvHead?.[h] ?? h];
    const q = columns(qkv, T, width, h * hd, hd); // [T × hd]
    const scores = gemm.product(q, T, k, hd, T, { transposed: true }); // [T × T], q·kᵀ
    const w = weightsOut ? weightsOut.subarray(h * T * T, (h + 1) * T * T) : scratch!; // [T × T]
    causalSoftmaxRows(scores, T, hd, w, window);
    const out = gemm.product(w, T, v, T, hd, { causal: 1 }); // [T × hd], weights·v
    for (let t = 0; t < T; t++) concat.set(out.subarray(t * hd, (t + 1) * hd), t * H * hd + h * hd);
  }
  return concat; // [T × H·hd]
}
