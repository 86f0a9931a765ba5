// The shared layers again, for one row on plain arrays: the path generation spends its time on
// (one new token through every block over the KV cache). With a single row, each tfjs op costs
// more in dispatch than in arithmetic, so the weight multiplications run in our GEMM
// (gemm/gemm.ts), only the activation in tfjs, and the layer norms, residual adds and the attention
// of that one query over the cache here. Still the explicit formula: q·kᵀ / √hd, softmax,
// Σ weights·v, per head. (RMSNorm's and RoPE's rows are in norms.ts and rotary.ts.) A family's file (families/) composes these into its block for one row.
import { tf } from './backend';
import type { HeadLayout } from './attention';
import { activation } from './layers';
import type { KVCache } from './kvCache';
import type { GPTConfig } from './types';

/** A layer norm's parameters as plain arrays. */
export interface LayerNormArrays {
  weight: Float32Array; // [d]
  bias: Float32Array; // [d]
}

/** LayerNorm of one row (biased variance, as torch), accumulated in float64. */
export function layerNormRow(x: Float32Array, p: LayerNormArrays, eps: number): Float32Array {
  const n = x.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i];
  mean /= n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (x[i] - mean) * (x[i] - mean);
  variance /= n;
  const inv = 1 / Math.sqrt(variance + eps);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (x[i] - mean) * inv * p.weight[i] + p.bias[i];
  return out;
}

/** The values of a tensor this code owns, which it then frees. */
function takeData(t: tf.Tensor): Float32Array {
  try {
    return t.dataSync() as Float32Array;
  } finally {
    t.dispose();
  }
}

export function addRows(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] + b[i];
  return out;
}

/**
 * Attention of the query at position `pos` (= cache.length) over keys 0…pos (the last `window` of
 * them with a sliding window), for this thread's heads; writes the new key and value rows (kv heads)
 * into the cache. qkv: [q (H × hd) | k (Hkv × hd) | v (Hkv × hd)]; query head h reads kv head
 * kvHead[h] (h when absent). Returns the heads' outputs concatenated [H × hd].
 */
export function attendOne(qkv: Float32Array, cache: KVCache, l: number, pos: number, layout?: Pick<HeadLayout, 'nHead' | 'kvHead' | 'window'>): Float32Array {
  cache.reserve(pos + 1);
  const { nHead: Hkv, headDim: hd, stride: P } = cache;
  const H = layout?.nHead ?? Hkv;
  const { k, v } = cache.layer(l);
  const out = new Float32Array(H * hd);
  const scores = new Float64Array(pos + 1);
  const q = new Float64Array(hd);
  const acc = new Float64Array(hd);
  const scale = Math.sqrt(hd);
  const first = layout?.window !== undefined ? Math.max(0, pos - layout.window + 1) : 0; // the oldest visible key
  for (let j = 0; j < Hkv; j++) {
    const at = j * P * hd + pos * hd;
    k.set(qkv.subarray((H + j) * hd, (H + j + 1) * hd), at);
    v.set(qkv.subarray((H + Hkv + j) * hd, (H + Hkv + j + 1) * hd), at);
  }
  // Four keys (values) per pass over q (acc): four independent sums keep the CPU busy; 1.8× faster
  // than one key at a time, measured.
  for (let h = 0; h < H; h++) {
    const base = (layout?.kvHead?.[h] ?? h) * P * hd; // this head's kv rows in the stores
    for (let i = 0; i < hd; i++) q[i] = qkv[h * hd + i];
    // scaled scores q·k_j / √hd; no causal mask: every cached key is at or before the query
    let j = first;
    for (; j + 3 <= pos; j += 4) {
      const a = base + j * hd;
      const b = a + hd;
      const c = b + hd;
      const d = c + hd;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let i = 0; i < hd; i++) {
        const qi = q[i];
        s0 += qi * k[a + i];
        s1 += qi * k[b + i];
        s2 += qi * k[c + i];
        s3 += qi * k[d + i];
      }
      scores[j] = s0 / scale;
      scores[j + 1] = s1 / scale;
      scores[j + 2] = s2 / scale;
      scores[j + 3] = s3 / scale;
    }
    for (; j <= pos; j++) {
      const a = base + j * hd;
      let s = 0;
      for (let i = 0; i < hd; i++) s += q[i] * k[a + i];
      scores[j] = s / scale;
    }
    // softmax
    let max = -Infinity;
    for (j = first; j <= pos; j++) if (scores[j] > max) max = scores[j];
    let sum = 0;
    for (j = first; j <= pos; j++) {
      scores[j] = Math.exp(scores[j] - max);
      sum += scores[j];
    }
    // Σ weights·v
    acc.fill(0);
    for (j = first; j + 3 <= pos; j += 4) {
      const a = base + j * hd;
      const b = a + hd;
      const c = b + hd;
      const d = c + hd;
      const w0 = scores[j] / sum;
      const w1 = scores[j + 1] / sum;
      const w2 = scores[j + 2] / sum;
      const w3 = scores[j + 3] / sum;
      for (let i = 0; i < hd; i++) acc[i] += w0 * v[a + i] + w1 * v[b + i] + w2 * v[c + i] + w3 * v[d + i];
    }
    for (; j <= pos; j++) {
      const a = base + j * hd;
      const w = scores[j] / sum;
      for (let i = 0; i < hd; i++) acc[i] += w * v[a + i];
    }
    for (let i = 0; i < hd; i++) out[h * hd + i] = acc[i];
  }
  return out;
}

/** The activation of one row [n] (tfjs: the erf / sigmoid loops are vectorised there). */
export function activationRow(kind: GPTConfig['activation'], x: Float32Array): Float32Array {
  return takeData(tf.tidy(() => activation(kind, tf.tensor2d(x, [1, x.length])))); // [n]
}
