// The trainable Llama (LlamaForCausalLM): the engine's math (src/engine/families/llama.ts) written
// for training on the tfjs wasm backend — pre-norm blocks with RMSNorm (weight only), q/k rotated
// by RoPE in rotate_half layout, causal multi-head attention, a SwiGLU MLP
// (down_proj(silu(gate_proj(x))·up_proj(x))), no biases, a final RMSNorm and the LM head tied to
// embed_tokens. Weights in Hugging Face's layout and names ([out, in], `model.layers.N.…`), so the
// export is the parameters as they are. The upload/loss/gradient plumbing is in trainable.ts.
//
// Every projection is h·wᵀ through `mmT`, whose forward and backward multiply plainly (the wasm
// backend's matMul with a transposed operand is ~10× slower; see ops/matmul.ts). The fast graph
// stacks q_proj | k_proj | v_proj and gate_proj | up_proj into one projection each (as the engine
// does): fewer, larger GEMMs, and h transposed once for their weight gradients.
import { tf } from '../engine/backend';
import type { GPTConfig, WeightMap } from '../engine/types';
import { causalSelfAttention } from './ops/attention';
import { mmT } from './ops/matmul';
import { causalSelfAttentionRef, linearRef, rmsNormRef, ropeRef, swigluRef } from './ops/reference';
import { rmsNorm } from './ops/rmsNorm';
import { rope, RopeTables } from './ops/rope';
import { swigluFused } from './ops/swiglu';
import { Rng } from './rng';
import { causalMask, paramsFromWeights, size, TrainGraph, type ParamSpec } from './trainable';

const LAYER_KEYS = [
  'input_layernorm.weight', 'self_attn.q_proj.weight', 'self_attn.k_proj.weight', 'self_attn.v_proj.weight',
  'self_attn.o_proj.weight', 'post_attention_layernorm.weight', 'mlp.gate_proj.weight', 'mlp.up_proj.weight', 'mlp.down_proj.weight',
] as const;

/** What this trainer supports of the Llama family: plain multi-head attention, no biases, tied head, full RoPE. */
export function checkTrainableLlama(c: GPTConfig): void {
  const problems = [
    c.modelType !== 'llama' && `model_type ${c.modelType} (only llama)`,
    c.nKvHead !== c.nHead && `grouped-query attention (${c.nKvHead} kv heads for ${c.nHead})`,
    (c.attentionBias?.qkv || c.attentionBias?.o || c.mlpBias) && 'biases',
    c.tieWordEmbeddings === false && 'an untied lm_head',
    c.qkNorm && 'q/k norms',
    c.slidingWindow && 'a sliding window',
    (!c.rope || c.rope.scaling || c.rope.rotaryDim !== c.headDim) && 'RoPE other than full-width without scaling',
  ].filter((p): p is string => typeof p === 'string');
  if (problems.length) throw new Error(`the Llama trainer does not support ${problems.join(', ')}`);
}

/** Every parameter in a fixed order: embed_tokens, the layers' weights, norm. */
export function llamaParamSpecs(c: GPTConfig): ParamSpec[] {
  const { nEmbd: d, nInner: f } = c;
  const W = c.nHead * c.headDim;
  const shapes: Record<(typeof LAYER_KEYS)[number], number[]> = {
    'input_layernorm.weight': [d], 'self_attn.q_proj.weight': [W, d], 'self_attn.k_proj.weight': [W, d], 'self_attn.v_proj.weight': [W, d],
    'self_attn.o_proj.weight': [d, W], 'post_attention_layernorm.weight': [d], 'mlp.gate_proj.weight': [f, d], 'mlp.up_proj.weight': [f, d], 'mlp.down_proj.weight': [d, f],
  };
  const specs: ParamSpec[] = [{ name: 'model.embed_tokens.weight', shape: [c.vocabSize, d], decay: true }];
  for (let l = 0; l < c.nLayer; l++) {
    for (const k of LAYER_KEYS) specs.push({ name: `model.layers.${l}.${k}`, shape: shapes[k], decay: shapes[k].length >= 2 });
  }
  specs.push({ name: 'model.norm.weight', shape: [d], decay: false });
  return specs;
}

export class LlamaTrain extends TrainGraph {
  private readonly rope: RopeTables;

  private constructor(config: GPTConfig, params: Float32Array[]) {
    checkTrainableLlama(config);
    super(config, llamaParamSpecs(config), params);
    this.rope = new RopeTables(config.rope!, config.headDim);
  }

  /** N(0, 0.02); o_proj and down_proj (the residual writers) N(0, 0.02/√(2L)); norms 1. */
  static init(config: GPTConfig, seed: number): LlamaTrain {
    checkTrainableLlama(config);
    const rng = new Rng(seed);
    const residStd = 0.02 / Math.sqrt(2 * config.nLayer);
    const params = llamaParamSpecs(config).map((s) => {
      const a = new Float32Array(size(s.shape));
      if (s.shape.length === 1) a.fill(1);
      else {
        const std = s.name.endsWith('o_proj.weight') || s.name.endsWith('down_proj.weight') ? residStd : 0.02;
        for (let i = 0; i < a.length; i++) a[i] = rng.normal() * std;
      }
      return a;
    });
    return new LlamaTrain(config, params);
  }

  /** From a loaded checkpoint (copies the data). */
  static fromWeights(config: GPTConfig, weights: WeightMap): LlamaTrain {
    checkTrainableLlama(config);
    return new LlamaTrain(config, paramsFromWeights(llamaParamSpecs(config), weights));
  }

  protected forward(B: number, T: number, tokEmb: tf.Tensor2D, p: tf.Tensor[]): tf.Tensor2D {
    const c = this.config;
    const eps = c.layerNormEps;
    if (T > c.nPositions) throw new Error(`sequence of ${T} tokens exceeds the context of ${c.nPositions}`);
    const fast = this.kernels === 'fast';
    const W = c.nHead * c.headDim;
    const norm = fast ? rmsNorm : rmsNormRef;
    const linear = fast ? (h: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D => mmT(h, w) : linearRef;
    const inv = fast ? undefined : this.ropeInvFreq();
    /** q | k | v [N, 3W] from h [N, d], q and k rotated. */
    const qkv = (h: tf.Tensor2D, wq: tf.Tensor2D, wk: tf.Tensor2D, wv: tf.Tensor2D): tf.Tensor2D => {
      if (!inv) return rope(mmT(h, tf.concat([wq, wk, wv], 0) as tf.Tensor2D), T, this.rope, 2 * W); // [N, 3W]
      const rotate = (y: tf.Tensor2D): tf.Tensor2D => ropeRef(y, B, T, c.headDim, inv); // [N, W]
      return tf.concat([rotate(linearRef(h, wq)), rotate(linearRef(h, wk)), linearRef(h, wv)], 1) as tf.Tensor2D; // [N, 3W]
    };
    /** silu(gate_proj(h))·up_proj(h) [N, f]. */
    const mlp = (h: tf.Tensor2D, wg: tf.Tensor2D, wu: tf.Tensor2D): tf.Tensor2D =>
      fast ? swigluFused(mmT(h, tf.concat([wg, wu], 0) as tf.Tensor2D)) : swigluRef(linearRef(h, wg), linearRef(h, wu)); // [N, f]
    const attention = fast ? causalSelfAttention : causalSelfAttentionRef;
    const mask = tf.tensor2d(causalMask(T), [T, T]); // [T, T], 0 or −1e9
    let x = tokEmb; // [N, d]
    for (let l = 0; l < c.nLayer; l++) {
      const w = <R extends tf.Tensor>(k: number): R => p[1 + l * LAYER_KEYS.length + k] as R;
      const h1 = norm(x, w(0), eps); // [N, d] input_layernorm
      const y = attention(qkv(h1, w(1), w(2), w(3)), B, T, c.nHead, mask); // [N, W]
      x = tf.add(x, linear(y, w(4))) as tf.Tensor2D; // [N, d] + o_proj
      const h2 = norm(x, w(5), eps); // [N, d] post_attention_layernorm
      x = tf.add(x, linear(mlp(h2, w(6), w(7)), w(8))) as tf.Tensor2D; // [N, d] + down_proj
    }
    const hf = norm(x, p[p.length - 1] as tf.Tensor1D, eps); // [N, d] model.norm
    const embed = p[this.embIndex] as tf.Tensor2D; // [V, d]
    return fast ? mmT(hf, embed) : tf.matMul(hf, tf.transpose(embed)); // [N, V], tied head
  }

  private ropeInvFreq(): Float64Array {
    const hd = this.config.headDim;
    return Float64Array.from({ length: hd / 2 }, (_, i) => 1 / Math.pow(this.config.rope!.theta, (2 * i) / hd));
  }
}
