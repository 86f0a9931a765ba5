// Messages between a tensor-parallel model's first thread (rank 0, which owns the model's API) and
// each of its peers (ranks 1…n−1). Rank 0 asks a peer to run the same operation it is about to run
// itself; during it both sum partial activations through shared memory (allReduce.ts), and the
// peer then sends back its share of what is not summed: its heads' attention maps and capture, and
// its columns of the logits.
import type { BackendOptions } from '../backend';
import type { ForwardRequest } from '../communicator';
import type { EngineErrorData } from '../errors';
import type { GPTConfig, LayerCapture, AnyWeightMap } from '../types';
import type { Shard } from './shards';

/** workerData of a peer thread. */
export interface PeerInit {
  config: GPTConfig;
  shard: Shard;
  /** Already cut to the shard (shardWeights); its buffers are transferred. */
  weights: AnyWeightMap;
  reduceBuffer: SharedArrayBuffer;
  reduceFloats: number;
  backend: BackendOptions;
}

/** The head-split part of a capture (see CAPTURE_SPLIT_KEYS), this peer's heads or units only. */
export type PartialCapture = Partial<LayerCapture>;

/** A forward's phases on a peer, as progress of its request. */
export type ForwardProgress =
  /** Asked with streamLayers: the peer's heads of this layer are in attentionsOut. */
  | { kind: 'layer'; layer: number }
  /** After the blocks (every layer's heads written): the peer's part of the capture. */
  | { kind: 'blocks'; capture?: PartialCapture };

/** What a peer answers (over the shared channel), one request at a time, in order. */
export interface PeerProtocol {
  requests: {
    /** The forward rank 0 runs (see ForwardRequest): the peer writes its heads and its logits columns into the shared arrays. */
    forward: { request: ForwardRequest; reply: null; progress: ForwardProgress };
    /** One decoding step on KV cache `cacheId`: the peer's logits columns [T × its vocabulary share]. */
    step: { request: { cacheId: number; ids: number[] }; reply: Float32Array };
    /** The LM head over a residual [T × d]: the peer's logits columns. */
    unembed: { request: { residual: Float32Array; T: number }; reply: Float32Array };
  };
  events: {
    newCache: { cacheId: number };
    disposeCache: { cacheId: number };
  };
}

/** What rank 0 hears from a peer besides replies: that it has built its tensors, or failed outside any request. */
export interface PeerHostProtocol {
  requests: Record<string, never>;
  events: {
    ready: Record<string, never>;
    failed: EngineErrorData;
  };
}

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
  'qProjected',
  'kProjected',
  'qNormed',
  'kNormed',
  'ffnGateAct',
  'ffnUp',
] as const satisfies readonly (keyof LayerCapture)[];
