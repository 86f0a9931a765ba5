// MarianMTModel (modeling_marian.py; the opus-mt translation models): the 2017 Transformer with
// post-LayerNorm. Source and target embeddings are model.shared (times √d_model with
// scale_embedding) plus sinusoidal positions (sin in the first half of the row, cos in the second).
// An encoder layer: self_attn → residual → self_attn_layer_norm → fc2(act(fc1)) → residual →
// final_layer_norm. A decoder layer: masked self_attn, encoder_attn (q from the decoder, k and v
// from the encoder output), fc1/fc2, each followed by residual and its LayerNorm. Attention scales
// q by head_dim^-0.5; every projection has a bias. lm_head (the shared embedding) + final_logits_bias.
import { EngineError } from '../errors';
import { Gemm, type PackedMatrix } from '../gemm/gemm';
import { WeightReader } from '../modelWeights';
import type { LayerNormArrays } from '../rowLayers';
import type { AnyWeightArray, AnyWeightMap } from '../types';
import { DecoderCache } from './decoderCache';
import { attend } from './encdecAttention';
import type { EncDecConfig } from './encdecConfig';
import { embedRows, lastRows, type Decoded, type EncDecModel, type Encoded } from './encdecModel';
import { activateInPlace, addInPlace, columns, layerNormRows } from './rows';

interface MarianAttention {
  /** Self-attention: q_proj | k_proj | v_proj [d, 3d]; cross: q_proj [d, d] and k_proj | v_proj [d, 2d]. */
  q_proj?: PackedMatrix;
  kv_proj?: PackedMatrix;
  qkv_proj?: PackedMatrix;
  out_proj: PackedMatrix; // [d, d]
}

interface MarianFfn {
  fc1: PackedMatrix; // [d, ffn]
  fc2: PackedMatrix; // [ffn, d]
}

interface MarianEncoderLayer extends MarianFfn {
  self_attn: MarianAttention;
  self_attn_layer_norm: LayerNormArrays;
  final_layer_norm: LayerNormArrays;
}

interface MarianDecoderLayer extends MarianEncoderLayer {
  encoder_attn: MarianAttention;
  encoder_attn_layer_norm: LayerNormArrays;
}

/** MarianSinusoidalPositionalEmbedding's table [n × d]: sin(pos / 10000^(2j/d)) for j < d/2, then the cosines. */
export function sinusoids(n: number, d: number): Float32Array {
  const out = new Float32Array(n * d); // [n × d]
  const half = Math.ceil(d / 2);
  for (let pos = 0; pos < n; pos++) {
    for (let j = 0; j < d; j++) {
      const angle = pos / Math.pow(10000, (2 * Math.floor(j / 2)) / d);
      // even j → sin, in the first half; odd j → cos, in the second
      if (j % 2 === 0) out[pos * d + j / 2] = Math.sin(angle);
      else out[pos * d + half + (j - 1) / 2] = Math.cos(angle);
    }
  }
  return out;
}

export class Marian implements EncDecModel {
  private readonly positions: Float32Array; // [maxPositions × d]

  private constructor(
    readonly config: EncDecConfig,
    readonly numParams: number,
    private readonly gemm: Gemm,
    private readonly shared: AnyWeightArray, // [V, d] as stored
    private readonly encoderLayers: MarianEncoderLayer[],
    private readonly decoderLayers: MarianDecoderLayer[],
    /** lm_headᵀ [d, V] with final_logits_bias as its bias. */
    private readonly lm_head: PackedMatrix,
  ) {
    this.positions = sinusoids(config.maxPositions!, config.dModel);
  }

  static load(config: EncDecConfig, weights: AnyWeightMap): Marian {
    const { dModel: d, vocabSize: V, ffnDim: f } = config;
    const r = new WeightReader(weights, new Gemm());
    const ln = (p: string): LayerNormArrays => ({ weight: r.array(`${p}.weight`, [d]), bias: r.array(`${p}.bias`, [d]) });
    const ffn = (p: string): MarianFfn => ({ fc1: r.linear([`${p}.fc1`], d, [f], true), fc2: r.linear([`${p}.fc2`], f, [d], true) });
    const selfAttn = (p: string): MarianAttention => ({
      qkv_proj: r.linear([`${p}.q_proj`, `${p}.k_proj`, `${p}.v_proj`], d, [d, d, d], true),
      out_proj: r.linear([`${p}.out_proj`], d, [d], true),
    });
    try {
      const shared = r.stored('model.shared.weight', [V, d]);
      const encoderLayers: MarianEncoderLayer[] = [];
      for (let i = 0; i < config.encoderLayers; i++) {
        const p = `model.encoder.layers.${i}`;
        encoderLayers.push({ self_attn: selfAttn(`${p}.self_attn`), self_attn_layer_norm: ln(`${p}.self_attn_layer_norm`), ...ffn(p), final_layer_norm: ln(`${p}.final_layer_norm`) });
      }
      const decoderLayers: MarianDecoderLayer[] = [];
      for (let i = 0; i < config.decoderLayers; i++) {
        const p = `model.decoder.layers.${i}`;
        const a = `${p}.encoder_attn`;
        decoderLayers.push({
          self_attn: selfAttn(`${p}.self_attn`),
          self_attn_layer_norm: ln(`${p}.self_attn_layer_norm`),
          encoder_attn: { q_proj: r.linear([`${a}.q_proj`], d, [d], true), kv_proj: r.linear([`${a}.k_proj`, `${a}.v_proj`], d, [d, d], true), out_proj: r.linear([`${a}.out_proj`], d, [d], true) },
          encoder_attn_layer_norm: ln(`${p}.encoder_attn_layer_norm`),
          ...ffn(p),
          final_layer_norm: ln(`${p}.final_layer_norm`),
        });
      }
      const bias = r.array('final_logits_bias', [1, V]);
      const head = config.tied ? 'model.shared.weight' : 'lm_head.weight';
      const lm_head = r.matrix(head, [V, d], { transposed: true, bias, keep: true }); // [d, V]
      return new Marian(config, r.numParams, r.gemm, shared, encoderLayers, decoderLayers, lm_head);
    } catch (err) {
      r.discard();
      throw err;
    }
  }

  /** Token embeddings (· √d with scale_embedding) + the sinusoids of positions pos0 … → [T × d]. */
  private embed(ids: number[], pos0: number): Float32Array {
    const d = this.config.dModel;
    if (pos0 + ids.length > this.config.maxPositions!) {
      throw new EngineError('CONTEXT_TOO_LONG', `${ids.length + pos0} tokens reach past the model's max_position_embeddings (${this.config.maxPositions})`);
    }
    const x = embedRows(this.shared, d, ids, this.config.scaleEmbedding ? Math.sqrt(d) : 1); // [T × d]
    return addInPlace(x, this.positions.subarray(pos0 * d, (pos0 + ids.length) * d));
  }

  private ffn(w: MarianFfn, x: Float32Array, T: number): Float32Array {
    const hidden = activateInPlace(this.config.activation, w.fc1.matmul(x, T)); // [T × ffn]
    return w.fc2.matmul(hidden, T); // [T × d]
  }

  encode(ids: number[]): Encoded {
    const { dModel: d, nHead: H, headDim: hd, layerNormEps: eps } = this.config;
    const S = ids.length;
    let h = this.embed(ids, 0); // [S × d]
    const attentions: Float32Array[] = [];
    for (const w of this.encoderLayers) {
      const qkv = w.self_attn.qkv_proj!.matmul(h, S); // [S × 3d]
      const att = attend(columns(qkv, S, 3 * d, 0, d), S, columns(qkv, S, 3 * d, d, d), columns(qkv, S, 3 * d, 2 * d, d), S, { nHead: H, headDim: hd, scale: hd ** -0.5 });
      h = layerNormRows(addInPlace(w.self_attn.out_proj.matmul(att.out, S), h), S, w.self_attn_layer_norm, eps); // [S × d], post-LN
      h = layerNormRows(addInPlace(this.ffn(w, h, S), h), S, w.final_layer_norm, eps); // [S × d]
      attentions.push(att.probs); // [H × S × S]
    }
    return { S, hidden: h, attentions };
  }

  startDecoder(enc: Encoded): DecoderCache {
    const d = this.config.dModel;
    const crossK: Float32Array[] = [];
    const crossV: Float32Array[] = [];
    for (const w of this.decoderLayers) {
      const kv = w.encoder_attn.kv_proj!.matmul(enc.hidden, enc.S); // [S × 2d], once per source
      crossK.push(columns(kv, enc.S, 2 * d, 0, d));
      crossV.push(columns(kv, enc.S, 2 * d, d, d));
    }
    return new DecoderCache(crossK, crossV, enc.S, d);
  }

  decode(ids: number[], cache: DecoderCache, lastOnly = false): Decoded {
    const { dModel: d, nHead: H, headDim: hd, layerNormEps: eps } = this.config;
    const T = ids.length;
    const past = cache.length;
    const opts = { nHead: H, headDim: hd, scale: hd ** -0.5 };
    let h = this.embed(ids, past); // [T × d]
    const self: Float32Array[] = [];
    const cross: Float32Array[] = [];
    this.decoderLayers.forEach((w, l) => {
      const qkv = w.self_attn.qkv_proj!.matmul(h, T); // [T × 3d]
      cache.append(l, columns(qkv, T, 3 * d, d, d), columns(qkv, T, 3 * d, 2 * d, d), T);
      const sa = attend(columns(qkv, T, 3 * d, 0, d), T, cache.keys(l, past + T), cache.values(l, past + T), past + T, { ...opts, causalFrom: past });
      h = layerNormRows(addInPlace(w.self_attn.out_proj.matmul(sa.out, T), h), T, w.self_attn_layer_norm, eps); // [T × d]
      const q = w.encoder_attn.q_proj!.matmul(h, T); // [T × d]
      const ca = attend(q, T, cache.crossK[l], cache.crossV[l], cache.sourceLength, opts);
      h = layerNormRows(addInPlace(w.encoder_attn.out_proj.matmul(ca.out, T), h), T, w.encoder_attn_layer_norm, eps); // [T × d]
      h = layerNormRows(addInPlace(this.ffn(w, h, T), h), T, w.final_layer_norm, eps); // [T × d]
      self.push(sa.probs); // [H × T × (past + T)]
      cross.push(ca.probs); // [H × T × S]
    });
    cache.advance(T);
    const { rows, count } = lastRows(h, T, d, lastOnly);
    return { logits: this.lm_head.matmul(rows, count), self, cross }; // [count × V]
  }

  dispose(): void {
    this.gemm.dispose();
  }
}
