// T5ForConditionalGeneration (modeling_t5.py; t5-small, flan-t5): pre-norm blocks with T5's
// LayerNorm (RMS, no mean, no bias), no position embeddings but a relative position bias added to
// the attention scores: a table [buckets × H] in layer 0 of each stack (encoder: buckets in both
// directions; decoder: the past only), shared by all its layers. No q scaling, no biases.
// encoder.block.i: layer.0 (layer_norm, SelfAttention) → layer.1 (layer_norm, DenseReluDense);
// decoder.block.i: layer.0 self, layer.1 EncDecAttention (no position bias), layer.2 DenseReluDense.
// DenseReluDense: wo(act(wi x)), or wo(act(wi_0 x) · wi_1 x) when gated (flan-t5: gelu_new).
// The head: the shared embedding with the decoder output scaled by d_model^-0.5 (tied), or lm_head.
import { Gemm, type PackedMatrix } from '../gemm/gemm';
import { WeightReader } from '../modelWeights';
import type { AnyWeightArray, AnyWeightMap } from '../types';
import { DecoderCache } from './decoderCache';
import { attend, positionBias } from './encdecAttention';
import type { EncDecConfig } from './encdecConfig';
import { embedRows, lastRows, type Decoded, type EncDecModel, type Encoded } from './encdecModel';
import { activateInPlace, addInPlace, columns, t5NormRows } from './rows';

interface T5Attention {
  /** SelfAttention: q | k | v [d, 3·inner]; EncDecAttention: q [d, inner] and k | v [d, 2·inner]. */
  qkv?: PackedMatrix;
  q?: PackedMatrix;
  kv?: PackedMatrix;
  o: PackedMatrix; // [inner, d]
}

interface DenseReluDense {
  wi: PackedMatrix; // [d, ffn], or wi_0 | wi_1 [d, 2·ffn] when gated
  wo: PackedMatrix; // [ffn, d]
}

interface T5Block {
  attnNorm: Float32Array; // layer.0.layer_norm [d]
  attn: T5Attention;
  crossNorm?: Float32Array; // decoder: layer.1.layer_norm [d]
  cross?: T5Attention;
  ffNorm: Float32Array; // the last layer's layer_norm [d]
  ff: DenseReluDense;
}

interface T5Stack {
  blocks: T5Block[];
  relative_attention_bias: Float32Array; // [buckets × H], block 0's
  final_layer_norm: Float32Array; // [d]
}

export class T5 implements EncDecModel {
  private readonly inner: number;

  private constructor(
    readonly config: EncDecConfig,
    readonly numParams: number,
    private readonly gemm: Gemm,
    private readonly shared: AnyWeightArray, // [V, d] as stored
    private readonly encoder: T5Stack,
    private readonly decoder: T5Stack,
    private readonly lm_head: PackedMatrix, // [d, V]
  ) {
    this.inner = config.nHead * config.headDim;
  }

  static load(config: EncDecConfig, weights: AnyWeightMap): T5 {
    const { dModel: d, vocabSize: V, ffnDim: f, nHead: H, headDim: hd, buckets } = config;
    const inner = H * hd;
    const r = new WeightReader(weights, new Gemm());
    const norm = (p: string) => r.array(`${p}.layer_norm.weight`, [d]);
    const ff = (p: string): DenseReluDense => ({
      wi: config.gated ? r.linear([`${p}.wi_0`, `${p}.wi_1`], d, [f, f], false) : r.linear([`${p}.wi`], d, [f], false),
      wo: r.linear([`${p}.wo`], f, [d], false),
    });
    const stack = (name: 'encoder' | 'decoder', n: number): T5Stack => {
      const blocks: T5Block[] = [];
      for (let i = 0; i < n; i++) {
        const p = `${name}.block.${i}.layer`;
        const a = `${p}.0.SelfAttention`;
        const block: T5Block = { attnNorm: norm(`${p}.0`), attn: { qkv: r.linear([`${a}.q`, `${a}.k`, `${a}.v`], d, [inner, inner, inner], false), o: r.linear([`${a}.o`], inner, [d], false) }, ffNorm: norm(`${p}.${name === 'encoder' ? 1 : 2}`), ff: ff(`${p}.${name === 'encoder' ? 1 : 2}.DenseReluDense`) };
        if (name === 'decoder') {
          const c = `${p}.1.EncDecAttention`;
          block.crossNorm = norm(`${p}.1`);
          block.cross = { q: r.linear([`${c}.q`], d, [inner], false), kv: r.linear([`${c}.k`, `${c}.v`], d, [inner, inner], false), o: r.linear([`${c}.o`], inner, [d], false) };
        }
        blocks.push(block);
      }
      return {
        blocks,
        relative_attention_bias: r.array(`${name}.block.0.layer.0.SelfAttention.relative_attention_bias.weight`, [buckets!, H]),
        final_layer_norm: r.array(`${name}.final_layer_norm.weight`, [d]),
      };
    };
    try {
      const shared = r.stored('shared.weight', [V, d]);
      const encoder = stack('encoder', config.encoderLayers);
      const decoder = stack('decoder', config.decoderLayers);
      const lm_head = r.matrix(config.tied ? 'shared.weight' : 'lm_head.weight', [V, d], { transposed: true, keep: true }); // [d, V]
      return new T5(config, r.numParams, r.gemm, shared, encoder, decoder, lm_head);
    } catch (err) {
      r.discard();
      throw err;
    }
  }

  private ff(w: DenseReluDense, x: Float32Array, T: number): Float32Array {
    const f = this.config.ffnDim;
    let hidden: Float32Array; // [T × ffn]
    if (this.config.gated) {
      const both = w.wi.matmul(x, T); // [T × 2·ffn]: wi_0 x | wi_1 x
      hidden = activateInPlace(this.config.activation, columns(both, T, 2 * f, 0, f));
      for (let t = 0; t < T; t++) for (let i = 0; i < f; i++) hidden[t * f + i] *= both[t * 2 * f + f + i];
    } else {
      hidden = activateInPlace(this.config.activation, w.wi.matmul(x, T));
    }
    return w.wo.matmul(hidden, T); // [T × d]
  }

  private bias(stack: T5Stack, q0: number, Tq: number, Tk: number, bidirectional: boolean): Float32Array {
    const c = this.config;
    return positionBias(stack.relative_attention_bias, c.nHead, q0, Tq, Tk, bidirectional, c.buckets!, c.maxDistance!); // [H × Tq × Tk]
  }

  encode(ids: number[]): Encoded {
    const { dModel: d, nHead: H, headDim: hd, layerNormEps: eps } = this.config;
    const inner = this.inner;
    const S = ids.length;
    const h = embedRows(this.shared, d, ids); // [S × d]
    const bias = this.bias(this.encoder, 0, S, S, true); // [H × S × S], every layer
    const attentions: Float32Array[] = [];
    for (const w of this.encoder.blocks) {
      const qkv = w.attn.qkv!.matmul(t5NormRows(h, S, w.attnNorm, eps), S); // [S × 3·inner]
      const att = attend(columns(qkv, S, 3 * inner, 0, inner), S, columns(qkv, S, 3 * inner, inner, inner), columns(qkv, S, 3 * inner, 2 * inner, inner), S, { nHead: H, headDim: hd, scale: 1, bias });
      addInPlace(h, w.attn.o.matmul(att.out, S)); // [S × d]
      addInPlace(h, this.ff(w.ff, t5NormRows(h, S, w.ffNorm, eps), S)); // [S × d]
      attentions.push(att.probs); // [H × S × S]
    }
    return { S, hidden: t5NormRows(h, S, this.encoder.final_layer_norm, eps), attentions };
  }

  startDecoder(enc: Encoded): DecoderCache {
    const inner = this.inner;
    const crossK: Float32Array[] = [];
    const crossV: Float32Array[] = [];
    for (const w of this.decoder.blocks) {
      const kv = w.cross!.kv!.matmul(enc.hidden, enc.S); // [S × 2·inner], once per source
      crossK.push(columns(kv, enc.S, 2 * inner, 0, inner));
      crossV.push(columns(kv, enc.S, 2 * inner, inner, inner));
    }
    return new DecoderCache(crossK, crossV, enc.S, inner);
  }

  decode(ids: number[], cache: DecoderCache, lastOnly = false): Decoded {
    const { dModel: d, nHead: H, headDim: hd, layerNormEps: eps } = this.config;
    const inner = this.inner;
    const T = ids.length;
    const past = cache.length;
    const h = embedRows(this.shared, d, ids); // [T × d]
    const bias = this.bias(this.decoder, past, T, past + T, false); // [H × T × (past + T)]
    const self: Float32Array[] = [];
    const cross: Float32Array[] = [];
    this.decoder.blocks.forEach((w, l) => {
      const qkv = w.attn.qkv!.matmul(t5NormRows(h, T, w.attnNorm, eps), T); // [T × 3·inner]
      cache.append(l, columns(qkv, T, 3 * inner, inner, inner), columns(qkv, T, 3 * inner, 2 * inner, inner), T);
      const sa = attend(columns(qkv, T, 3 * inner, 0, inner), T, cache.keys(l, past + T), cache.values(l, past + T), past + T, { nHead: H, headDim: hd, scale: 1, bias, causalFrom: past });
      addInPlace(h, w.attn.o.matmul(sa.out, T)); // [T × d]
      const q = w.cross!.q!.matmul(t5NormRows(h, T, w.crossNorm!, eps), T); // [T × inner]
      const ca = attend(q, T, cache.crossK[l], cache.crossV[l], cache.sourceLength, { nHead: H, headDim: hd, scale: 1 });
      addInPlace(h, w.cross!.o.matmul(ca.out, T)); // [T × d]
      addInPlace(h, this.ff(w.ff, t5NormRows(h, T, w.ffNorm, eps), T)); // [T × d]
      self.push(sa.probs); // [H × T × (past + T)]
      cross.push(ca.probs); // [H × T × S]
    });
    cache.advance(T);
    const out = t5NormRows(h, T, this.decoder.final_layer_norm, eps); // [T × d]
    if (this.config.tied) for (let i = 0; i < out.length; i++) out[i] *= d ** -0.5; // the tied head's rescale
    const { rows, count } = lastRows(out, T, d, lastOnly);
    return { logits: this.lm_head.matmul(rows, count), self, cross }; // [count × V]
  }

  dispose(): void {
    this.gemm.dispose();
  }
}
