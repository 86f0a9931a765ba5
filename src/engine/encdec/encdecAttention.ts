// The attention of the encoder–decoder families, with its explicit formula (scores, bias, mask,
// softmax, weighted sum) on plain arrays: the encoder's self-attention (nothing masked), the
// decoder's masked self-attention over its KV cache, and cross-attention (queries from the decoder,
// keys and values from the encoder). T5's relative position buckets are here too.

/** What one attention call returns. */
export interface Attended {
  out: Float32Array; // [Tq × H·hd]: the heads' outputs side by side (before the output projection)
  probs: Float32Array; // [H × Tq × Tk]: the attention weights
}

export interface AttendOptions {
  nHead: number;
  headDim: number;
  /** Multiplies q·k (Marian: hd^-0.5; T5: 1). */
  scale: number;
  /** Causal: query i sits at position `causalFrom + i` and sees keys 0 … that position. */
  causalFrom?: number;
  /** Added to the scores: [H × Tq × Tk] (T5's relative position bias). */
  bias?: Float32Array;
}

/**
 * softmax(scale · q kᵀ + bias, masked) · v for q [Tq × H·hd] and k, v [Tk × H·hd] (row-major,
 * head h in columns h·hd …). Sums and the softmax in float64.
 */
export function attend(q: Float32Array, Tq: number, k: Float32Array, v: Float32Array, Tk: number, o: AttendOptions): Attended {
  const { nHead: H, headDim: hd, scale } = o;
  const W = H * hd;
  const out = new Float32Array(Tq * W); // [Tq × H·hd]
  const probs = new Float32Array(H * Tq * Tk); // [H × Tq × Tk]
  const row = new Float64Array(Tk); // one query's scores [Tk]
  const acc = new Float64Array(hd); // [hd]
  for (let h = 0; h < H; h++) {
    for (let i = 0; i < Tq; i++) {
      const visible = o.causalFrom === undefined ? Tk : Math.min(Tk, o.causalFrom + i + 1);
      const qAt = i * W + h * hd;
      const biasAt = (h * Tq + i) * Tk;
      let max = -Infinity;
      for (let j = 0; j < visible; j++) {
        const kAt = j * W + h * hd;
        let s = 0;
        for (let c = 0; c < hd; c++) s += q[qAt + c] * k[kAt + c];
        s = s * scale + (o.bias ? o.bias[biasAt + j] : 0);
        row[j] = s;
        if (s > max) max = s;
      }
      let sum = 0;
      for (let j = 0; j < visible; j++) {
        row[j] = Math.exp(row[j] - max);
        sum += row[j];
      }
      acc.fill(0);
      for (let j = 0; j < visible; j++) {
        const p = row[j] / sum;
        probs[biasAt + j] = p;
        const vAt = j * W + h * hd;
        for (let c = 0; c < hd; c++) acc[c] += p * v[vAt + c];
      }
      for (let c = 0; c < hd; c++) out[qAt + c] = acc[c];
    }
  }
  return { out, probs };
}

/**
 * T5Attention._relative_position_bucket for one offset (key position − query position): half the
 * buckets per direction when bidirectional (the encoder), only the past otherwise (the decoder);
 * exact up to half of them, then log-spaced to maxDistance and clamped. The log step is computed in
 * float32 and truncated, as torch does, so the boundaries fall where the checkpoint learned them.
 */
export function relativeBucket(offset: number, bidirectional: boolean, numBuckets: number, maxDistance: number): number {
  let bucket = 0;
  let n = numBuckets;
  let rel: number;
  if (bidirectional) {
    n = Math.floor(n / 2);
    if (offset > 0) bucket += n;
    rel = Math.abs(offset);
  } else {
    rel = -Math.min(offset, 0);
  }
  const maxExact = Math.floor(n / 2);
  if (rel < maxExact) return bucket + rel;
  const f = Math.fround;
  const logRatio = f(Math.log(f(rel / maxExact)));
  const large = maxExact + Math.trunc(f(f(logRatio / f(Math.log(maxDistance / maxExact))) * (n - maxExact)));
  return bucket + Math.min(large, n - 1);
}

/**
 * T5's position bias [H × Tq × Tk] for queries at positions q0 … q0 + Tq − 1 over keys 0 … Tk − 1,
 * from the table relative_attention_bias [buckets × H] of the stack's layer 0.
 */
export function positionBias(table: Float32Array, H: number, q0: number, Tq: number, Tk: number, bidirectional: boolean, numBuckets: number, maxDistance: number): Float32Array {
  const bias = new Float32Array(H * Tq * Tk); // [H × Tq × Tk]
  for (let i = 0; i < Tq; i++) {
    for (let j = 0; j < Tk; j++) {
      const b = relativeBucket(j - (q0 + i), bidirectional, numBuckets, maxDistance);
      for (let h = 0; h < H; h++) bias[(h * Tq + i) * Tk + j] = table[b * H + h];
    }
  }
  return bias;
}
