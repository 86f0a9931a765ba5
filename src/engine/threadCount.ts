// How many threads a model runs on (EngineSession.load; the model picker's "fits").
import { availableParallelism } from 'node:os';

/** From this many parameters on, a model is split over two threads when the machine has them. */
export const PARALLEL_MIN_PARAMS = 20_000_000;

/**
 * How many threads a model of `numParams` parameters runs on: `requested` when it is a positive
 * integer (capped at the model's heads), else 2 for a model big enough to gain from it on a machine
 * with 2 or more cores (measured: GPT-2 small decodes 1.8× faster on 2 threads; the 1.3M-parameter
 * bundled model is slower, the threads' synchronisation outweighing its tiny matrices), else 1.
 */
export function chooseThreads(requested: number | undefined, numParams: number, nHead: number, cores = availableParallelism()): number {
  if (requested !== undefined && Number.isInteger(requested) && requested > 0) return Math.min(requested, nHead);
  return cores >= 2 && numParams >= PARALLEL_MIN_PARAMS && nHead >= 2 ? 2 : 1;
}
