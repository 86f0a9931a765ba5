// GPT-2 (pre-LN) and GPT-1 (post-LN), differentiable (see diffModel.ts): token embeddings + learned
// positions → blocks → (GPT-2: ln_f) → the head tied to the token embedding. Conv1D weights [in, out]
// as stored, named after the checkpoint's keys as families/gpt2.ts and families/openaiGpt.ts are.
import { tf } from '../backend';
import { activation, layerNorm, type LayerNormWeights } from '../layers';
import type { GPTConfig, WeightMap } from '../types';
import { attend, attentionMask, targetLogProb } from './diffLayers';
import { TensorBag, type DiffModel } from './diffParts';

interface Conv1D {
  weight: tf.Tensor2D; // [in, out]
  bias: tf.Tensor1D; // [out]
}

interface Block {
  ln_1: LayerNormWeights;
  c_attn: Conv1D; // [d, 3d]
  attn_proj: Conv1D; // [d, d]
  ln_2: LayerNormWeights;
  c_fc: Conv1D; // [d, nInner]
  mlp_proj: Conv1D; // [nInner, d]
}

const conv = (x: tf.Tensor2D, c: Conv1D): tf.Tensor2D => tf.add(tf.matMul(x, c.weight), c.bias) as tf.Tensor2D; // [T, out]

export class DiffGpt implements DiffModel {
  readonly addsPositions = true;
  private constructor(
    readonly config: GPTConfig,
    private readonly bag: TensorBag,
    private readonly wte: tf.Tensor2D, // [V, d]
    private readonly wpe: tf.Tensor2D, // [P, d]
    private readonly h: Block[],
    /** GPT-2's ln_f; GPT-1 has none. */
    private readonly ln_f: LayerNormWeights | undefined,
  ) {}

  static load(config: GPTConfig, weights: WeightMap): DiffGpt {
    const { vocabSize: V, nPositions: P, nEmbd: d, nInner: f, nLayer: L } = config;
    const gpt1 = config.modelType === 'openai-gpt';
    const bag = new TensorBag(weights);
    try {
      const ln = (p: string): LayerNormWeights => ({ weight: bag.get(`${p}.weight`, [d]), bias: bag.get(`${p}.bias`, [d]) });
      const c1d = (p: string, i: number, o: number): Conv1D => ({ weight: bag.get(`${p}.weight`, [i, o]), bias: bag.get(`${p}.bias`, [o]) });
      const h: Block[] = [];
      for (let l = 0; l < L; l++) {
        const p = `h.${l}`;
        h.push({
          ln_1: ln(`${p}.ln_1`),
          c_attn: c1d(`${p}.attn.c_attn`, d, 3 * d),
          attn_proj: c1d(`${p}.attn.c_proj`, d, d),
          ln_2: ln(`${p}.ln_2`),
          c_fc: c1d(`${p}.mlp.c_fc`, d, f),
          mlp_proj: c1d(`${p}.mlp.c_proj`, f, d),
        });
      }
      const wte = bag.get<tf.Rank.R2>(gpt1 ? 'tokens_embed.weight' : 'wte.weight', [V, d]);
      const wpe = bag.get<tf.Rank.R2>(gpt1 ? 'positions_embed.weight' : 'wpe.weight', [P, d]);
      return new DiffGpt(config, bag, wte, wpe, h, gpt1 ? undefined : ln('ln_f'));
    } catch (err) {
      bag.dispose();
      throw err;
    }
  }

  tokenEmbeddings(ids: number[]): tf.Tensor2D {
    return tf.tidy(() => tf.gather(this.wte, tf.tensor1d(ids, 'int32')) as tf.Tensor2D); // [T, d]
  }

  logProb(tok: tf.Tensor2D, target: number): tf.Scalar {
    const { nEmbd: d, nHead: H, layerNormEps: eps, activation: act } = this.config;
    const T = tok.shape[0];
    const hd = d / H;
    const mask = attentionMask(T); // [T, T]
    const attn = (x: tf.Tensor2D, b: Block): tf.Tensor2D => {
      const qkv = conv(x, b.c_attn); // [T, 3d]
      const [q, k, v] = tf.split(qkv, 3, 1) as tf.Tensor2D[]; // [T, d] each
      return conv(attend(q, k, v, H, H, hd, mask), b.attn_proj); // [T, d]
    };
    const mlp = (x: tf.Tensor2D, b: Block): tf.Tensor2D => conv(activation(act, conv(x, b.c_fc)), b.mlp_proj); // [T, d]
    let x = tf.add(tok, tf.slice(this.wpe, [0, 0], [T, d])) as tf.Tensor2D; // [T, d]
    for (const b of this.h) {
      if (this.ln_f) {
        const mid = tf.add(x, attn(layerNorm(x, b.ln_1, eps), b)) as tf.Tensor2D; // [T, d] pre-LN
        x = tf.add(mid, mlp(layerNorm(mid, b.ln_2, eps), b)) as tf.Tensor2D; // [T, d]
      } else {
        const n = layerNorm(tf.add(x, attn(x, b)) as tf.Tensor2D, b.ln_1, eps); // [T, d] post-LN: ln_1(x + a)
        x = layerNorm(tf.add(n, mlp(n, b)) as tf.Tensor2D, b.ln_2, eps); // [T, d] ln_2(n + m)
      }
    }
    const last = tf.slice(x, [T - 1, 0], [1, d]); // [1, d]
    return targetLogProb(this.ln_f ? layerNorm(last, this.ln_f, eps) : last, this.wte, target);
  }

  dispose(): void {
    this.bag.dispose();
  }
}
