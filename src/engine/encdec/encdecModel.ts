// What an encoder–decoder family gives the generator, the CLI and the tests: the encoder run once
// over the source, then the decoder run over target tokens on a DecoderCache (its self-attention
// keys and values grow; the cross-attention keys and values are projected once from the encoder
// output). Every attention map comes back as the explicit softmax weights.
import { bf16ToF32, f16ToF32 } from '../safetensors';
import { isWeight16 } from '../modelWeights';
import type { AnyWeightArray } from '../types';
import type { DecoderCache } from './decoderCache';
import type { EncDecConfig } from './encdecConfig';

/** The encoder's output over a source of S tokens. */
export interface Encoded {
  S: number;
  hidden: Float32Array; // [S × d], after the encoder's last layer (and T5's final_layer_norm)
  attentions: Float32Array[]; // per layer [H × S × S]
}

/** The decoder's output for n new target tokens after `past` cached ones. */
export interface Decoded {
  logits: Float32Array; // [n × V] (only the last row's [1 × V] with lastOnly)
  self: Float32Array[]; // per layer [H × n × (past + n)], causal
  cross: Float32Array[]; // per layer [H × n × S]
}

export interface EncDecModel {
  readonly config: EncDecConfig;
  /** Parameters read from the checkpoint (a tied head counted once). */
  readonly numParams: number;
  encode(ids: number[]): Encoded;
  /** A new decoder state for this source: cross-attention keys and values projected per layer. */
  startDecoder(enc: Encoded): DecoderCache;
  /** Runs `ids` through the decoder after what `cache` holds, and appends them to it. */
  decode(ids: number[], cache: DecoderCache, lastOnly?: boolean): Decoded;
  dispose(): void;
}

/** Rows `ids` of an embedding [V × d] as float32, each times `scale` → [T × d]. */
export function embedRows(table: AnyWeightArray, d: number, ids: number[], scale = 1): Float32Array {
  const out = new Float32Array(ids.length * d); // [T × d]
  ids.forEach((id, t) => {
    const row = table.data.subarray(id * d, (id + 1) * d); // [d]
    const wide = !isWeight16(table) ? (row as Float32Array) : table.dtype === 'bf16' ? bf16ToF32(row as Uint16Array) : f16ToF32(row as Uint16Array);
    for (let i = 0; i < d; i++) out[t * d + i] = wide[i] * scale;
  });
  return out;
}

/** The last row of a [T × n] array (or all of it when not lastOnly). */
export function lastRows(a: Float32Array, T: number, n: number, lastOnly: boolean): { rows: Float32Array; count: number } {
  return lastOnly ? { rows: a.subarray((T - 1) * n, T * n), count: 1 } : { rows: a, count: T };
}
