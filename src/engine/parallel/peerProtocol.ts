// Messages between a tensor-parallel model's first thread (rank 0, which owns the model's API) and
// each of its peers (ranks 1…n−1). Rank 0 asks a peer to run the same operation it is about to run
// itself; during it both sum partial activations through shared memory (allReduce.ts), and the
// peer then sends back its share of what is not summed: its heads' attention maps and capture, and
// its columns of the logits.
import type { BackendOptions } from '../backend';
import type { EngineErrorData } from '../errors';
import type { ForwardOptions, GPTConfig, LayerCapture, WeightMap } from '../types';
import type { Shard } from './shards';

/** workerData of a peer thread. */
export interface PeerInit {
  config: GPTConfig;
  shard: Shard;
  /** Already cut to the shard (shardWeights); its buffers are transferred. */
  weights: WeightMap;
  reduceBuffer: SharedArrayBuffer;
  reduceFloats: number;
  backend: BackendOptions;
}

export type PeerRequest =
  /**
   * `streamLayers`: send each layer's attention as a 'layer' reply as soon as it has run.
   * `logitsOut`: the whole [T × V] logits, on a SharedArrayBuffer: write this peer's columns there
   * (then 'done' carries none), so that no thread copies them together. `attentionsOut`: likewise
   * every layer's [H × T × T] attention; write this peer's heads there (then 'layer' and 'blocks'
   * carry none).
   */
  | { op: 'forward'; id: number; ids: number[]; opts: ForwardOptions; streamLayers?: boolean; logitsOut?: Float32Array; attentionsOut?: Float32Array[] }
  | { op: 'step'; id: number; cacheId: number; ids: number[] }
  | { op: 'unembed'; id: number; residual: Float32Array; T: number }
  | { op: 'newCache'; cacheId: number }
  | { op: 'disposeCache'; cacheId: number };

/** The head-split part of a capture (see CAPTURE_SPLIT_KEYS), this peer's heads or units only. */
export type PartialCapture = Partial<LayerCapture>;

export type PeerReply =
  | { kind: 'ready' }
  /** During a forward asked with streamLayers: one layer's attention, the peer's heads [h × T × T]. */
  | { kind: 'layer'; id: number; layer: number; attention: Float32Array }
  /** After the blocks of a forward: the peer's heads' attention maps (L × [h × T × T], unless streamed) and capture. */
  | { kind: 'blocks'; id: number; attentions?: Float32Array[]; capture?: PartialCapture }
  /** The end of a request: the peer's logits columns, [T × its vocabulary share] (empty when written to logitsOut). */
  | { kind: 'done'; id: number; logits: Float32Array }
  | { kind: 'error'; id?: number; error: EngineErrorData };

/**
 * Capture entries that each rank holds only its part of, concatenated in rank order (heads are the
 * outer axis of the [H, …] ones; the [1, ·] rows are cut by columns). The rest are replicated.
 */
export const CAPTURE_SPLIT_KEYS = [
  'q',
  'k',
  'v',
  'rawScores',
  'scaledScores',
  'maskedScores',
  'weights',
  'headOutputs',
  'concat',
  'ffnPre',
  'ffnAct',
] as const satisfies readonly (keyof LayerCapture)[];

/** A request that has replies, before PeerLink numbers it. */
export type PeerCallRequest = Extract<PeerRequest, { id: number }> extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;
