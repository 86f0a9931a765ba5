// Quantisation of non-negative weights for display: a value v in [0, scale] is sent as the
// integer round(v / scale · (2^bits − 1)). Decoding error is at most scale / (2 · (2^bits − 1)):
// ≈ 0.00196·scale at 8 bits, ≈ 7.6e-6·scale at 16 bits, which is below the 3 decimals the tooltip
// shows. Attention weights lie in [0, 1]; thumbnails use their own max as scale so faint
// patterns keep their contrast.

export type QuantBits = 8 | 16;

export interface QuantizedArray {
  bits: QuantBits;
  /** The value the largest code stands for. */
  scale: number;
  length: number;
  data: Uint8Array | Uint16Array;
}

/** The worst-case absolute decoding error for `bits` and `scale`. */
export function quantizationErrorBound(bits: QuantBits, scale: number): number {
  return scale / (2 * ((1 << bits) - 1));
}

/**
 * Quantises `values` (each clamped to [0, scale]; NaN becomes 0). With no scale given, the max
 * of the values is used (1 if they are all 0).
 */
export function quantize(values: ArrayLike<number>, bits: QuantBits, scale?: number): QuantizedArray {
  const n = values.length;
  let s = scale;
  if (s === undefined) {
    s = 0;
    for (let i = 0; i < n; i++) if (values[i] > s) s = values[i];
  }
  if (!(s > 0) || !Number.isFinite(s)) s = 1;
  const maxCode = (1 << bits) - 1;
  const data = bits === 8 ? new Uint8Array(n) : new Uint16Array(n);
  const k = maxCode / s;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!(v > 0)) continue; // NaN, 0, negatives
    data[i] = v >= s ? maxCode : Math.round(v * k);
  }
  return { bits, scale: s, length: n, data };
}

/** Decodes one entry. */
export function dequantizeAt(q: QuantizedArray, i: number): number {
  return (q.data[i] / ((1 << q.bits) - 1)) * q.scale;
}

/** Decodes the whole array. */
export function dequantize(q: QuantizedArray): Float32Array {
  const out = new Float32Array(q.length);
  const k = q.scale / ((1 << q.bits) - 1);
  for (let i = 0; i < q.length; i++) out[i] = q.data[i] * k;
  return out;
}

/**
 * Restores the typed array of a QuantizedArray that came through postMessage. Webview messaging
 * keeps typed arrays, but a plain array or an index-keyed object (JSON) is accepted too.
 */
export function reviveQuantized(q: QuantizedArray): QuantizedArray {
  const d = q.data as unknown;
  if (d instanceof Uint8Array || d instanceof Uint16Array) return q;
  const Ctor = q.bits === 8 ? Uint8Array : Uint16Array;
  let data: Uint8Array | Uint16Array;
  if (Array.isArray(d)) data = Ctor.from(d as number[]);
  else if (d && typeof d === 'object') {
    data = new Ctor(q.length);
    const o = d as Record<string, number>;
    for (let i = 0; i < q.length; i++) data[i] = o[i] ?? 0;
  } else data = new Ctor(q.length);
  return { ...q, data };
}
