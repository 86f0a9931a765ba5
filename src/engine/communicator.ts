// What the decoder (model.ts) needs from the other threads it may be split over, and the
// communicator of a thread that asks no one: a model alone on its thread (no-op), or a peer of a
// tensor-parallel model, which only sums with the others. Rank 0 of a split model injects the
// coordinator instead (parallel/tensorParallel.ts): it asks the peers to run the same operation
// and joins their shares of the attention maps, the capture and the logits.
import { EngineError } from './errors';
import type { AllReduce } from './parallel/allReduce';
import type { ForwardOptions, LayerCapture } from './types';

/**
 * A forward that every thread of the model left at the same layer, because one of them was asked
 * to stop (Communicator.agree): the sums are in step and the model stays usable, so this failure,
 * unlike any other during the blocks, does not mark the threads failed.
 */
export class StoppedTogether extends EngineError {
  constructor() {
    super('CANCELLED', 'the analysis was cancelled');
  }
}

/** A forward as every thread runs it. */
export interface ForwardRequest {
  ids: number[];
  opts: ForwardOptions;
  /** Each layer's attention is handed over as soon as every thread has written it. */
  streamLayers?: boolean;
  /** Every thread asks, before each layer after the first and before the head, whether to stop (Communicator.agree). */
  stoppable?: boolean;
  /** [T × V]: each thread writes its columns of the logits here (shared memory when split). */
  logitsOut: Float32Array;
  /** One [H × T × T] per layer (none without opts.attentions): each thread writes its heads. */
  attentionsOut: Float32Array[];
  /** With opts.onDemand: per layer its LayerQK (null: not kept), each thread writing its heads' rows. */
  qkOut?: (Float32Array | null)[];
  /** With opts.onDemand and a thumbSize: per layer [H × S × S], each thread writing its heads' thumbnails. */
  thumbsOut?: Float32Array[];
}

/** The shared arrays a split model's peer writes its part of a forward into (ForwardRequest's). */
export type ForwardInto = Pick<ForwardRequest, 'logitsOut' | 'attentionsOut' | 'qkOut' | 'thumbsOut'>;

/** An operation whose result is the logits [T × V], each thread computing its columns. */
export type ColumnsRequest = { op: 'step'; cacheId: number; ids: number[] } | { op: 'unembed'; residual: Float32Array; T: number };

/** How this thread's forward meets the other threads' (see Communicator.forward). */
export interface ForwardJoin {
  /**
   * Layer `l` is written here: `handOver` runs once every thread has written its heads of it, in
   * layer order. Alone, at once (the layer loop may not await at all, so a chained callback would
   * hand every layer over after the last one); the promise returned, if any, is awaited before the
   * next layer (it lets the other threads' messages in).
   */
  layer(l: number, handOver: () => void): Promise<void> | undefined;
  /** After this thread's blocks: once every layer has been handed over, `capture` with the other threads' heads and units joined in. */
  blocks(capture: LayerCapture | undefined): Promise<LayerCapture | undefined>;
  /** Once the other threads have written their columns of the logits. */
  done(): Promise<void>;
}

export interface Communicator {
  /** Threads the model is split over (1: this one only). */
  readonly threads: number;
  /** How long this thread has waited for the others at the sums, in ms (benchmarks report it). */
  readonly waitedMs: number;
  /** One of the threads stopped: the model must be loaded again. */
  readonly broken: boolean;
  /** The elementwise sum of a partial activation [n] over the threads, synchronously (mid-layer). */
  allReduce(partial: Float32Array): Float32Array;
  /**
   * Whether any thread says `stop`: every thread of a stoppable forward calls it at the same points
   * and gets the same answer (alone: `stop` itself; split: a one-value sum, so one more wait).
   */
  agree(stop: boolean): boolean;
  /** This thread failed during an operation: the others must stop waiting for it at the sums. */
  fail(): void;
  /** A zeroed array [n] that every thread can write into. */
  array(n: number): Float32Array;
  /** Starts the same forward on the other threads. */
  forward(req: ForwardRequest): ForwardJoin;
  /** Starts the same operation on the other threads; the function returned joins their columns to this thread's [T × share] → [T × V]. */
  columns(req: ColumnsRequest): (local: Float32Array, T: number) => Promise<Float32Array>;
  /** The other threads make (or free) their KV cache `id` for their heads. */
  newCache(id: number): void;
  disposeCache(id: number): void;
  /** Ends the other threads. */
  dispose(): void;
}

const ALONE: ForwardJoin = {
  layer: (_l, handOver) => {
    handOver();
    return undefined;
  },
  blocks: (capture) => Promise.resolve(capture),
  done: () => Promise.resolve(),
};

/** A thread that asks no one: alone, or (given the sums) a peer that rank 0 asks. */
export class LocalCommunicator implements Communicator {
  constructor(private readonly sums?: AllReduce) {}

  get threads(): number {
    return this.sums?.nRanks ?? 1;
  }

  get waitedMs(): number {
    return this.sums?.waitedMs ?? 0;
  }

  get broken(): boolean {
    return this.sums?.failed ?? false;
  }

  allReduce(partial: Float32Array): Float32Array {
    return this.sums ? this.sums.sum(partial) : partial;
  }

  agree(stop: boolean): boolean {
    return this.sums ? this.sums.sum(Float32Array.of(stop ? 1 : 0))[0] > 0 : stop;
  }

  fail(): void {
    this.sums?.fail();
  }

  array(n: number): Float32Array {
    return new Float32Array(n);
  }

  forward(): ForwardJoin {
    return ALONE;
  }

  columns(): (local: Float32Array) => Promise<Float32Array> {
    return (local) => Promise.resolve(local);
  }

  newCache(): void {}

  disposeCache(): void {}

  dispose(): void {}
}

/** The communicator of a model alone on its thread. */
export const singleThread: Communicator = new LocalCommunicator();
