// The Llama family (Llama, Mistral, Qwen2, Qwen3), differentiable (see diffModel.ts), with every
// flag the engine's families/llama.ts reads: grouped-query attention, q/k/v and o biases, MLP
// biases, Qwen3's per-head q_norm/k_norm, Mistral's sliding window from a layer on, every RoPE
// variant (rotary.ts's inv_freq, partial rotary) and an untied lm_head. Projections are stored
// [out, in] and transposed once here to [in, out].
import { tf } from '../backend';
import { rmsNorm } from '../norms';
import type { GPTConfig, WeightMap } from '../types';
import { attend, attentionMask, RopeTensors, targetLogProb } from './diffLayers';
import { TensorBag, type DiffModel } from './diffParts';

interface Linear {
  weight: tf.Tensor2D; // [in, out]
  bias?: tf.Tensor1D; // [out]
}

interface DecoderLayer {
  input_layernorm: tf.Tensor1D; // [d]
  q_proj: Linear; // [d, H·hd]
  k_proj: Linear; // [d, Hkv·hd]
  v_proj: Linear; // [d, Hkv·hd]
  o_proj: Linear; // [H·hd, d]
  q_norm?: tf.Tensor1D; // [hd]
  k_norm?: tf.Tensor1D; // [hd]
  post_attention_layernorm: tf.Tensor1D; // [d]
  gate_proj: Linear; // [d, f]
  up_proj: Linear; // [d, f]
  down_proj: Linear; // [f, d]
}

function linear(x: tf.Tensor2D, l: Linear): tf.Tensor2D {
  const y = tf.matMul(x, l.weight) as tf.Tensor2D; // [T, out]
  return l.bias ? (tf.add(y, l.bias) as tf.Tensor2D) : y; // [T, out]
}

export class DiffLlama implements DiffModel {
  readonly addsPositions = false;
  private readonly rope: RopeTensors;

  private constructor(
    readonly config: GPTConfig,
    private readonly bag: TensorBag,
    private readonly embed_tokens: tf.Tensor2D, // [V, d]
    private readonly layers: DecoderLayer[],
    private readonly norm: tf.Tensor1D, // [d]
    private readonly lm_head: tf.Tensor2D, // [V, d] (embed_tokens when tied)
  ) {
    this.rope = new RopeTensors(config.rope!, config.headDim);
  }

  static load(config: GPTConfig, weights: WeightMap): DiffLlama {
    const { vocabSize: V, nEmbd: d, nInner: f, nLayer: L, nHead: H, nKvHead: Hkv, headDim: hd } = config;
    const bag = new TensorBag(weights);
    try {
      const lin = (name: string, inDim: number, out: number, bias: boolean): Linear => ({
        weight: bag.transposed(`${name}.weight`, out, inDim),
        ...(bias ? { bias: bag.get<tf.Rank.R1>(`${name}.bias`, [out]) } : {}),
      });
      const qkvBias = config.attentionBias?.qkv ?? false;
      const mlpBias = config.mlpBias ?? false;
      const layers: DecoderLayer[] = [];
      for (let l = 0; l < L; l++) {
        const p = `model.layers.${l}`;
        const a = `${p}.self_attn`;
        layers.push({
          input_layernorm: bag.get(`${p}.input_layernorm.weight`, [d]),
          q_proj: lin(`${a}.q_proj`, d, H * hd, qkvBias),
          k_proj: lin(`${a}.k_proj`, d, Hkv * hd, qkvBias),
          v_proj: lin(`${a}.v_proj`, d, Hkv * hd, qkvBias),
          o_proj: lin(`${a}.o_proj`, H * hd, d, config.attentionBias?.o ?? false),
          ...(config.qkNorm ? { q_norm: bag.get<tf.Rank.R1>(`${a}.q_norm.weight`, [hd]), k_norm: bag.get<tf.Rank.R1>(`${a}.k_norm.weight`, [hd]) } : {}),
          post_attention_layernorm: bag.get(`${p}.post_attention_layernorm.weight`, [d]),
          gate_proj: lin(`${p}.mlp.gate_proj`, d, f, mlpBias),
          up_proj: lin(`${p}.mlp.up_proj`, d, f, mlpBias),
          down_proj: lin(`${p}.mlp.down_proj`, f, d, mlpBias),
        });
      }
      const embed = bag.get<tf.Rank.R2>('model.embed_tokens.weight', [V, d]);
      const head = config.tieWordEmbeddings === false ? bag.get<tf.Rank.R2>('lm_head.weight', [V, d]) : embed;
      return new DiffLlama(config, bag, embed, layers, bag.get('model.norm.weight', [d]), head);
    } catch (err) {
      bag.dispose();
      throw err;
    }
  }

  tokenEmbeddings(ids: number[]): tf.Tensor2D {
    return tf.tidy(() => tf.gather(this.embed_tokens, tf.tensor1d(ids, 'int32')) as tf.Tensor2D); // [T, d]
  }

  logProb(tok: tf.Tensor2D, target: number): tf.Scalar {
    const { nEmbd: d, nHead: H, nKvHead: Hkv, headDim: hd, layerNormEps: eps, slidingWindow: sw } = this.config;
    const T = tok.shape[0];
    const causal = attentionMask(T); // [T, T]
    const windowed = sw ? attentionMask(T, sw.size) : causal; // [T, T]
    /** Qwen3's RMSNorm over each head's hd values of x [T, n·hd]. */
    const perHead = (x: tf.Tensor2D, n: number, w?: tf.Tensor1D): tf.Tensor2D => (w ? (tf.reshape(rmsNorm(tf.reshape(x, [T * n, hd]), w, eps), [T, n * hd]) as tf.Tensor2D) : x);
    let x = tok; // [T, d]
    this.layers.forEach((w, l) => {
      const h1 = rmsNorm(x, w.input_layernorm, eps); // [T, d]
      const q = this.rope.apply(perHead(linear(h1, w.q_proj), H, w.q_norm), H); // [T, H·hd]
      const k = this.rope.apply(perHead(linear(h1, w.k_proj), Hkv, w.k_norm), Hkv); // [T, Hkv·hd]
      const v = linear(h1, w.v_proj); // [T, Hkv·hd]
      const mask = sw && l >= sw.fromLayer ? windowed : causal;
      x = tf.add(x, linear(attend(q, k, v, H, Hkv, hd, mask), w.o_proj)) as tf.Tensor2D; // [T, d]
      const h2 = rmsNorm(x, w.post_attention_layernorm, eps); // [T, d]
      const gate = linear(h2, w.gate_proj); // [T, f]
      const act = tf.mul(tf.mul(gate, tf.sigmoid(gate)), linear(h2, w.up_proj)) as tf.Tensor2D; // silu(gate)·up [T, f]
      x = tf.add(x, linear(act, w.down_proj)) as tf.Tensor2D; // [T, d]
    });
    const last = rmsNorm(tf.slice(x, [T - 1, 0], [1, d]), this.norm, eps); // [1, d]
    return targetLogProb(last, this.lm_head, target);
  }

  dispose(): void {
    this.bag.dispose();
  }
}
