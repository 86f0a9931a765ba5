// Messages between a tensor-parallel model's first thread (rank 0, which owns the model's API) and
// each of its peers (ranks 1…n−1). Rank 0 asks a peer to run the same operation it is about to run
// itself; during it both sum partial activations through shared memory (allReduce.ts), and the
// peer then sends back its share of what is not summed: its heads' attention maps and capture, and
// its columns of the logits.
import type { BackendOptions } from '../backend';
import type { ForwardRequest } from '../communicator';
import type { EngineErrorData } from '../errors';
import type { GPTConfig, LayerCapture, WeightMap } from '../types';
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
  /** The forward rank 0 runs (see ForwardRequest: the peer writes into its shared arrays). */
  | ({ op: 'forward'; id: number } & ForwardRequest)
  | { op: 'step'; id: number; cacheId: number; ids: number[] }
  | { op: 'unembed'; id: number; residual: Float32Array; T: number }
  | { op: 'newCache'; cacheId: number }
  | { op: 'disposeCache'; cacheId: number };

/** The head-split part of a capture (see CAPTURE_SPLIT_KEYS), this peer's heads or units only. */
export type PartialCapture = Partial<LayerCapture>;

export type PeerReply =
  | { kind: 'ready' }
  /** During a forward asked with streamLayers: the peer's heads of this layer are in attentionsOut. */
  | { kind: 'layer'; id: number; layer: number }
  /** After the blocks of a forward (every layer's heads written): the peer's part of the capture. */
  | { kind: 'blocks'; id: number; capture?: PartialCapture }
  /** The end of a request: the peer's logits columns, [T × its vocabulary share] (empty after a forward: they are in logitsOut). */
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
