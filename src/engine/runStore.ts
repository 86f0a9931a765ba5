// The analyses a session keeps for slicing later (attention maps, logits, captures), least recently
// used first, bounded by count and bytes; the newest is always kept.
import { EngineError } from './errors';
import type { LayerQK } from './types';

/** At most this many analyses are kept for slicing… */
export const MAX_RUNS = 4;
/** …and at most this many bytes of logits + attentions (the newest run is always kept), unless the session's memory budget says otherwise. */
export const MAX_RUN_BYTES = 1.5 * 1024 ** 3;

export interface Run {
  ids: number[];
  /** [T × V] */
  logits: Float32Array;
  /** One per layer, each [H × T × T]; none when the run was made without attentions or keeps them on demand. */
  attentions: Float32Array[];
  /**
   * Attention on demand: per layer its queries and keys (attentionMaps.ts), null for a layer not
   * kept (its map needs the forward again).
   */
  qk?: (LayerQK | null)[];
  /** On demand: the one layer whose queries and keys were rebuilt past the plan (replaced by the next). */
  rebuilt?: number;
  bytes: number;
}

export class RunStore {
  private readonly runs = new Map<number, Run>(); // insertion order = least recently used first

  constructor(private readonly maxBytes = MAX_RUN_BYTES) {}

  get size(): number {
    return this.runs.size;
  }

  /** Keeps `run` as the most recently used, then forgets the oldest beyond the bounds. */
  add(runId: number, run: Run): void {
    this.runs.set(runId, run);
    let bytes = [...this.runs.values()].reduce((s, r) => s + r.bytes, 0);
    for (const [id, old] of this.runs) {
      if (this.runs.size <= 1) break;
      if (this.runs.size <= MAX_RUNS && bytes <= this.maxBytes) break;
      this.runs.delete(id);
      bytes -= old.bytes;
    }
  }

  /** The run, now the most recently used; throws when it was released or evicted. */
  get(runId: number): Run {
    const run = this.runs.get(runId);
    if (!run) throw new EngineError('BAD_ARGUMENT', `analysis ${runId} is no longer available`);
    this.runs.delete(runId);
    this.runs.set(runId, run);
    return run;
  }

  delete(runId: number): void {
    this.runs.delete(runId);
  }

  clear(): void {
    this.runs.clear();
  }
}
