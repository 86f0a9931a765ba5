// What a model family gives the decoder (model.ts): its weights under the checkpoint's own names
// and its blocks, on tensors for a prompt and on one row for a decoded token. The decoder runs the
// same loop, the same capture and the same KV cache over any family. Tensor parallelism reaches a
// family only as a shard (the heads, MLP units and vocabulary columns its weights were cut to) and
// the two sums `reduce` its blocks call after their row-parallel projections.
import type { tf } from '../backend';
import type { PackedMatrix } from '../gemm/gemm';
import type { KVCache } from '../kvCache';
import type { AttentionTensors, PastKV } from '../attention';
import type { Shard } from '../parallel/shards';
import type { GPTConfig } from '../types';

/** Sums a partial [T, d] over the threads of a tensor-parallel model (absent on a single thread). */
export type Reduce = (partial: tf.Tensor2D) => tf.Tensor2D;
/** The same for one row [d]. */
export type ReduceArray = (partial: Float32Array) => Float32Array;
/**
 * An intervention on this shard's heads' outputs side by side [T, h·hd], just before the output
 * projection (attn.c_proj / o_proj): returns what the projection takes instead (interventions.ts).
 */
export type HeadEdit = (heads: tf.Tensor2D) => tf.Tensor2D;

/**
 * Every intermediate of one block (the learner's capture reads them; see LayerCapture). The names
 * are GPT-2's; each family maps its own modules onto them:
 *
 * | name | GPT-2 (pre-LN) | Llama family | GPT-1 (post-LN) |
 * |---|---|---|---|
 * | ln1 | ln_1(x) | input_layernorm(x) (RMSNorm) | x (attention reads the block's input) |
 * | attnOut | attn.c_proj(heads) | self_attn.o_proj(heads) | attn.c_proj(heads) |
 * | residualMid | x + attnOut | x + attnOut | ln_1(x + attnOut) |
 * | ln2 | ln_2(residualMid) | post_attention_layernorm(residualMid) | residualMid |
 * | ffnPre | mlp.c_fc(ln2) | mlp.gate_proj(ln2) | mlp.c_fc(ln2) |
 * | ffnAct | act(ffnPre) | silu(ffnPre) · ffnUp | act(ffnPre) |
 * | ffnOut | mlp.c_proj(ffnAct) | mlp.down_proj(ffnAct) | mlp.c_proj(ffnAct) |
 * | residualOut | residualMid + ffnOut | residualMid + ffnOut | ln_2(residualMid + ffnOut) |
 *
 * The attention parts (AttentionTensors.part) are what attention read: q and k after RoPE (and
 * Qwen3's q/k norm) where the family has them; k, kT and v per kv head (grouped-query attention).
 */
export interface BlockTensors extends AttentionTensors {
  /** The block's input (the caller's tensor, not a new one). */
  residualIn: tf.Tensor2D; // [T, d]
  ln1: tf.Tensor2D; // [T, d]
  attnOut: tf.Tensor2D; // [T, d]
  residualMid: tf.Tensor2D; // [T, d]
  ln2: tf.Tensor2D; // [T, d]
  ffnPre: tf.Tensor2D; // [T, nInner]
  /** Llama family: up_proj(ln2), the factor silu(gate) is multiplied by. */
  ffnUp?: tf.Tensor2D; // [T, nInner]
  ffnAct: tf.Tensor2D; // [T, nInner]
  ffnOut: tf.Tensor2D; // [T, d]
  residualOut: tf.Tensor2D; // [T, d]
  /**
   * Families with RoPE: the projected q | k | v rows as the projections gave them, before q/k norm
   * and RoPE (part('q') / part('k') are after), [T × (H + 2·Hkv)·hd] laid out as attention's input.
   */
  qkvProjected?: Float32Array;
  /** Qwen3: the same rows after q_norm / k_norm, before RoPE. */
  qkvNormed?: Float32Array;
  /** Llama family: silu(gate_proj(ln2)), before the product with ffnUp. */
  ffnGateAct?: tf.Tensor2D; // [T, nInner]
  /** Families with RMSNorm: the norms' weights (the model's own tensors: clone, never dispose) and epsilon. */
  rmsNorms?: { eps: number; ln1: tf.Tensor1D; ln2: tf.Tensor1D; qNorm?: Float32Array; kNorm?: Float32Array };
  /** GPT-1 (post-LN): what ln_1 and ln_2 normalise, x + attnOut and residualMid + ffnOut. */
  attnSum?: tf.Tensor2D; // [T, d]
  ffnSum?: tf.Tensor2D; // [T, d]
}

/** The embeddings of T tokens; `pos` where the family adds learned positions (a type, not an interface: tf.tidy returns it). */
export type Embedded = {
  tok: tf.Tensor2D; // [T, d]
  pos?: tf.Tensor2D; // [T, d]
  x: tf.Tensor2D; // [T, d], the residual stream entering block 0
};

/** One family's model on one thread: its (shard of the) weights and how its layers run. */
export interface Family {
  readonly config: GPTConfig;
  /** What part of each layer these weights hold (the whole model on a single thread). */
  readonly shard: Shard;
  /** Parameters in the whole checkpoint, whatever the shard. */
  readonly numParams: number;
  /** The LM head [d, this shard's vocabulary columns], packed for our GEMM. */
  readonly head: PackedMatrix;
  /** The embeddings of `ids` at positions pos0, pos0 + 1, … (x may not be tok: the caller disposes tok). Call inside tf.tidy. */
  embed(ids: number[], pos0: number): Embedded;
  /**
   * Block `l` on x [T, d] (positions past.pos0…) given the cached keys and values; `edit`, when
   * given, changes the heads' outputs before the output projection. Call inside tf.tidy.
   */
  block(l: number, x: tf.Tensor2D, past: PastKV, reduce?: Reduce, edit?: HeadEdit): BlockTensors;
  /**
   * Optional fast path (arrayLayers.ts): block `l` on x [T × d] from position 0 on plain arrays,
   * for a forward that captures nothing; writes this shard's attention weights [h × T × T] into
   * `weightsOut` when given; returns the block's output [T × d] (x is not modified).
   */
  blockRows?(l: number, x: Float32Array, T: number, weightsOut?: Float32Array, reduce?: ReduceArray): Float32Array;
  /** With blockRows: the final norm on x [T × d] as arrays. */
  finalNormRows?(x: Float32Array, T: number): Float32Array;
  /** Block `l` on the one row x [d] at position cache.length; writes its key and value rows into the cache. */
  blockRow(l: number, x: Float32Array, cache: KVCache, reduce?: ReduceArray): Float32Array;
  /** The norm before the LM head, on x [T, d]. Call inside tf.tidy. */
  finalNorm(x: tf.Tensor2D): tf.Tensor2D;
  /** The same on one row [d]. */
  finalNormRow(x: Float32Array): Float32Array;
  /** Families with RMSNorm: the final norm's weight [d] and epsilon (the learner's capture shows them). */
  readonly finalRmsNorm?: { weight: Float32Array; eps: number };
  /** Frees the tensors and the packed matrices. */
  dispose(): void;
}
