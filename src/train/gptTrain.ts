// The trainable GPT-2: the engine's math (pre-LN blocks, gelu_new, tied LM head, Conv1D [in, out]
// weights, learned positions) written for training on the tfjs wasm backend. The upload, loss and
// gradient plumbing it shares with the Llama model is in trainable.ts.
//
// The wasm backend's matMul with a transposed operand runs ~10× slower than a plain one, so every
// matMul here goes through `mm`/`bmm`, whose backward transposes explicitly and then multiplies plainly.
import { tf } from '../engine/backend';
import type { GPTConfig, WeightMap } from '../engine/types';
import { causalSelfAttention } from './ops/attention';
import { geluNew } from './ops/gelu';
import { layerNorm } from './ops/layerNorm';
import { addBias, mm, mmT } from './ops/matmul';
import { causalSelfAttentionRef, geluNewRef, layerNormRef } from './ops/reference';
import { Rng } from './rng';
import { causalMask, paramsFromWeights, size, TrainGraph, type ParamSpec } from './trainable';

export type { Kernels, LossResult, ParamSpec, TokenBatch, TrainableModel } from './trainable';

const LAYER_KEYS = [
  'ln_1.weight', 'ln_1.bias', 'attn.c_attn.weight', 'attn.c_attn.bias', 'attn.c_proj.weight', 'attn.c_proj.bias',
  'ln_2.weight', 'ln_2.bias', 'mlp.c_fc.weight', 'mlp.c_fc.bias', 'mlp.c_proj.weight', 'mlp.c_proj.bias',
] as const;

/** Every parameter in a fixed order: wte, wpe, the blocks' weights, ln_f. */
export function paramSpecs(c: GPTConfig): ParamSpec[] {
  const d = c.nEmbd;
  const shapes: Record<(typeof LAYER_KEYS)[number], number[]> = {
    'ln_1.weight': [d], 'ln_1.bias': [d], 'attn.c_attn.weight': [d, 3 * d], 'attn.c_attn.bias': [3 * d],
    'attn.c_proj.weight': [d, d], 'attn.c_proj.bias': [d], 'ln_2.weight': [d], 'ln_2.bias': [d],
    'mlp.c_fc.weight': [d, c.nInner], 'mlp.c_fc.bias': [c.nInner], 'mlp.c_proj.weight': [c.nInner, d], 'mlp.c_proj.bias': [d],
  };
  const specs: ParamSpec[] = [
    { name: 'wte.weight', shape: [c.vocabSize, d], decay: true },
    { name: 'wpe.weight', shape: [c.nPositions, d], decay: true },
  ];
  for (let l = 0; l < c.nLayer; l++) {
    for (const k of LAYER_KEYS) specs.push({ name: `h.${l}.${k}`, shape: shapes[k], decay: shapes[k].length >= 2 });
  }
  specs.push({ name: 'ln_f.weight', shape: [d], decay: false }, { name: 'ln_f.bias', shape: [d], decay: false });
  return specs;
}

export class GPTTrain extends TrainGraph {
  private readonly wpeIndex = 1;

  private constructor(config: GPTConfig, params: Float32Array[]) {
    super(config, paramSpecs(config), params);
  }

  /** GPT-2's initialisation: N(0, 0.02), residual projections N(0, 0.02/√(2L)), LN 1/0, biases 0. */
  static init(config: GPTConfig, seed: number): GPTTrain {
    const rng = new Rng(seed);
    const specs = paramSpecs(config);
    const residStd = 0.02 / Math.sqrt(2 * config.nLayer);
    const params = specs.map((s) => {
      const a = new Float32Array(size(s.shape));
      if (s.name.endsWith('ln_1.weight') || s.name.endsWith('ln_2.weight') || s.name === 'ln_f.weight') a.fill(1);
      else if (s.shape.length >= 2) {
        const std = s.name.endsWith('c_proj.weight') ? residStd : 0.02;
        for (let i = 0; i < a.length; i++) a[i] = rng.normal() * std;
      }
      return a;
    });
    return new GPTTrain(config, params);
  }

  /** From a loaded checkpoint (copies the data). */
  static fromWeights(config: GPTConfig, weights: WeightMap): GPTTrain {
    return new GPTTrain(config, paramsFromWeights(paramSpecs(config), weights));
  }

  /** The forward pass from gathered token embeddings to logits [B*T, V]. */
  protected forward(B: number, T: number, tokEmb: tf.Tensor2D, p: tf.Tensor[]): tf.Tensor2D {
    const c = this.config;
    const d = c.nEmbd;
    const H = c.nHead;
    const N = B * T;
    if (T > c.nPositions) throw new Error(`sequence of ${T} tokens exceeds the context of ${c.nPositions}`);
    const fast = this.kernels === 'fast';
    const ln = fast ? layerNorm : layerNormRef;
    const attention = fast ? causalSelfAttention : causalSelfAttentionRef;
    const gelu = fast ? geluNew : geluNewRef;
    const bias = fast ? addBias : (a: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D => tf.add(a, b);
    const pos = tf.slice(p[this.wpeIndex], [0, 0], [T, d]); // [T, d]
    let x = tf.reshape(tf.add(tf.reshape(tokEmb, [B, T, d]), pos), [N, d]) as tf.Tensor2D; // [N, d]
    const mask = tf.tensor2d(causalMask(T), [T, T]); // [T, T], 0 or −1e9
    for (let l = 0; l < c.nLayer; l++) {
      const w = <R extends tf.Tensor>(k: number): R => p[2 + l * LAYER_KEYS.length + k] as R;
      const h1 = ln(x, w(0), w(1), c.layerNormEps); // [N, d]
      const qkv = bias(mm(h1, w(2)), w(3)); // [N, 3d]
      const y = attention(qkv, B, T, H, mask); // [N, d]
      x = tf.add(x, bias(mm(y, w(4)), w(5))) as tf.Tensor2D; // [N, d]
      const h2 = ln(x, w(6), w(7), c.layerNormEps); // [N, d]
      const f = gelu(bias(mm(h2, w(8)), w(9))) as tf.Tensor2D; // [N, nInner]
      x = tf.add(x, bias(mm(f, w(10)), w(11))) as tf.Tensor2D; // [N, d]
    }
    const n = p.length;
    const hf = ln(x, p[n - 2] as tf.Tensor1D, p[n - 1] as tf.Tensor1D, c.layerNormEps); // [N, d]
    const wte = p[this.embIndex] as tf.Tensor2D; // [V, d]
    return fast ? mmT(hf, wte) : mm(hf, tf.transpose(wte)); // [N, V], tied head
  }
}
