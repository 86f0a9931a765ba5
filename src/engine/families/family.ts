// What a model family gives the decoder (model.ts): its weights under the checkpoint's own names
// and its blocks, on tensors for a prompt and on one row for a decoded token. The decoder runs the
// same loop, the same capture and the same KV cache over any family. Tensor parallelism reaches a
// family only as a shard (the heads, MLP units and vocabulary columns its weights were cut to) and
// the two sums `reduce` its blocks call after their row-parallel projections.
import type { tf } from '../backend';
import type { PackedMatrix } from '../gemm/gemm';
import type { KVCache } from '../kvCache';
import type { AttentionTensors, PastKV } from '../layers';
import type { Shard } from '../parallel/shards';
import type { GPTConfig } from '../types';

/** Sums a partial [T, d] over the threads of a tensor-parallel model (absent on a single thread). */
export type Reduce = (partial: tf.Tensor2D) => tf.Tensor2D;
/** The same for one row [d]. */
export type ReduceArray = (partial: Float32Array) => Float32Array;

/** Every intermediate of one block (the learner's capture reads them; see LayerCapture). */
export interface BlockTensors extends AttentionTensors {
  /** The block's input (the caller's tensor, not a new one). */
  residualIn: tf.Tensor2D; // [T, d]
  ln1: tf.Tensor2D; // [T, d]
  attnOut: tf.Tensor2D; // [T, d]
  residualMid: tf.Tensor2D; // [T, d]
  ln2: tf.Tensor2D; // [T, d]
  ffnPre: tf.Tensor2D; // [T, nInner]
  ffnAct: tf.Tensor2D; // [T, nInner]
  ffnOut: tf.Tensor2D; // [T, d]
  residualOut: tf.Tensor2D; // [T, d]
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
  /** The embeddings of `ids` at positions pos0, pos0 + 1, …. Call inside tf.tidy. */
  embed(ids: number[], pos0: number): Embedded;
  /** Block `l` on x [T, d] (positions past.pos0…) given the cached keys and values. Call inside tf.tidy. */
  block(l: number, x: tf.Tensor2D, past: PastKV, reduce?: Reduce): BlockTensors;
  /** Block `l` on the one row x [d] at position cache.length; writes its key and value rows into the cache. */
  blockRow(l: number, x: Float32Array, cache: KVCache, reduce?: ReduceArray): Float32Array;
  /** The norm before the LM head, on x [T, d]. Call inside tf.tidy. */
  finalNorm(x: tf.Tensor2D): tf.Tensor2D;
  /** The same on one row [d]. */
  finalNormRow(x: Float32Array): Float32Array;
  /** Frees the tensors and the packed matrices. */
  dispose(): void;
}
