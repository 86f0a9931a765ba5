// Attention on demand: what a forward keeps instead of every head's T × T map, and the maps rebuilt
// from it. Per layer the forward keeps the queries and keys after RoPE (LayerQK, (H + Hkv) × T × hd
// floats, against H × T × T for the maps: at T = 4,096 on SmolLM2-135M 12.6 MB a layer instead of
// 604 MB), and pools each head's map into its overview thumbnail as it is made. A head's map is
// rebuilt here by the very function the forward ran (attention.ts headMap: q·kᵀ in our GEMM, then
// tfjs's ÷√hd, mask and softmax), so it is the same bits as the forward's.
//
// A split model (tensor parallelism) writes its heads' rows into rank 0's shared arrays, as it does
// the maps: rank 0 alone rebuilds any head, with no message to the peers and nothing kept on them.
import { poolCausalInto } from '../analysis/thumbnail';
import { attentionMask, headMap, type OnDemandSink } from './attention';
import type { tf } from './backend';
import type { ForwardInto } from './communicator';
import { EngineError } from './errors';
import { Gemm } from './gemm/gemm';
import type { Shard } from './parallel/shards';
import type { ForwardOptions, GPTConfig, LayerQK } from './types';

type OnDemand = NonNullable<ForwardOptions['onDemand']>;

/** Bytes of one layer's LayerQK at T tokens. */
export function qkLayerBytes(config: GPTConfig, T: number): number {
  return (config.nHead + config.nKvHead) * T * config.headDim * 4;
}

/** The arrays every thread writes its heads' queries, keys and thumbnails into (`array`: shared when split). */
export function onDemandArrays(
  config: GPTConfig,
  array: (n: number) => Float32Array,
  T: number,
  onDemand: OnDemand,
  into?: ForwardInto,
): { qkOut: (Float32Array | null)[]; thumbsOut?: Float32Array[] } {
  const { nLayer, nHead: H, nKvHead: Hkv, headDim: hd } = config;
  const S = Math.min(onDemand.thumbSize, T);
  const keep = onDemand.keepLayers ? new Set(onDemand.keepLayers) : undefined;
  const qkOut = into?.qkOut ?? Array.from({ length: nLayer }, (_, l) => (!keep || keep.has(l) ? array((H + Hkv) * T * hd) : null)); // L × [(H + Hkv) × T × hd]
  const thumbsOut = into?.thumbsOut ?? (S > 0 ? Array.from({ length: nLayer }, () => array(H * S * S)) : undefined); // L × [H × S × S]
  return thumbsOut ? { qkOut, thumbsOut } : { qkOut };
}

/** Where one layer's heads on this thread go, at their place among all heads: q and k rows into `qk`, maps pooled into `thumbs`. */
export function onDemandSink(config: GPTConfig, shard: Shard, T: number, qk: Float32Array | null, thumbs: Float32Array | undefined, thumbSize: number): OnDemandSink {
  const { nHead: H, headDim: hd } = config;
  const h0 = shard.heads[0];
  const kv0 = shard.kvHeads[0];
  const S = Math.min(thumbSize, T);
  return {
    query: (h, q) => qk?.set(q, (h0 + h) * T * hd),
    key: (j, k) => qk?.set(k, (H + kv0 + j) * T * hd),
    map: (h, w) => {
      if (thumbs) poolCausalInto(w, T, S, thumbs, (h0 + h) * S * S);
    },
  };
}

/** Rebuilds heads' maps from kept LayerQKs, on the calling thread (rank 0). */
export class AttentionMaps {
  private readonly gemm = new Gemm();
  private mask: { T: number; window: number | undefined; tensor: tf.Tensor2D } | undefined;

  constructor(private readonly config: GPTConfig) {}

  /** Head h's post-softmax map [T × T] of layer `layer`, from that layer's queries and keys. */
  head(qk: LayerQK, T: number, layer: number, h: number): Float32Array {
    const { nHead: H, nKvHead: Hkv, headDim: hd } = this.config;
    if (qk.length !== (H + Hkv) * T * hd) throw new EngineError('INTERNAL', `kept queries and keys of ${qk.length} values for T = ${T}`);
    const kv = Math.floor(h / (H / Hkv)); // grouped-query attention: the kv head query head h reads
    const q = qk.subarray(h * T * hd, (h + 1) * T * hd); // [T × hd]
    const k = qk.subarray((H + kv) * T * hd, (H + kv + 1) * T * hd); // [T × hd]
    return headMap(q, k, T, T, hd, this.maskFor(T, layer), this.gemm); // [T × T]
  }

  /** The heads' mean [T × T], summed head by head in order as meanOverHeads (rollout.ts) does: the same bits. */
  mean(qk: LayerQK, T: number, layer: number): Float32Array {
    const H = this.config.nHead;
    const out = new Float32Array(T * T); // [T × T]
    for (let h = 0; h < H; h++) {
      const m = this.head(qk, T, layer, h);
      for (let i = 0; i < out.length; i++) out[i] += m[i];
    }
    for (let i = 0; i < out.length; i++) out[i] /= H;
    return out;
  }

  dispose(): void {
    this.mask?.tensor.dispose();
    this.mask = undefined;
    this.gemm.dispose();
  }

  /** The layer's mask [T, T] (sliding window from the config's layer on), kept for the next head. */
  private maskFor(T: number, layer: number): tf.Tensor2D {
    const w = this.config.slidingWindow;
    const window = w && layer >= w.fromLayer ? w.size : undefined;
    if (this.mask?.T !== T || this.mask.window !== window) {
      this.mask?.tensor.dispose();
      this.mask = { T, window, tensor: attentionMask(T, T, 0, window) };
    }
    return this.mask.tensor;
  }
}
