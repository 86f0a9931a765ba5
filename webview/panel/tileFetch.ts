// The tiles of the current run's matrices the panel has at long T (MatrixTileRequest), in three
// slots: the overview (the whole map, pooled), the zoomed window (full resolution, with a margin)
// and the selected query's row. Each slot has at most one request out. In the overview's slot,
// asking for another tile cancels it (the user opened another matrix); in the window's and the
// row's, the request out is let finish and only the latest asked for meanwhile goes next, so that
// scrolling or holding an arrow key gets tiles as fast as the host answers, not none until it stops.
// A new run forgets everything.
import { sourceKey, type MatrixSource } from '../../src/shared/matrixSource';
import { dequantize, reviveQuantized } from '../../src/shared/quantize';
import type { TileRect } from '../../src/shared/tileRect';
import { host } from './api';

/** A tile here: its rect and its pooled values [rows × cols]. */
export interface Tile extends TileRect {
  key: string;
  rows: number;
  cols: number;
  values: Float32Array;
}

export type TileSlot = 'overview' | 'window' | 'row';

/** Tiles kept per slot (least recently used dropped first). */
const KEEP: Record<TileSlot, number> = { overview: 6, window: 6, row: 128 };

const rectKey = (source: MatrixSource, r: TileRect): string => `${sourceKey(source)}|${r.row0},${r.row1},${r.col0},${r.col1},${r.stride}`;

export class TileFetch {
  private runId = -1;
  private readonly here: Record<TileSlot, Map<string, Tile>> = { overview: new Map(), window: new Map(), row: new Map() };
  private readonly pending: Partial<Record<TileSlot, { key: string; cancel: AbortController }>> = {};
  /** The window's and the row's latest tile asked for while one was out. */
  private readonly next: Partial<Record<TileSlot, { source: MatrixSource; r: TileRect }>> = {};

  /** `arrived` runs when a tile asked for is here. */
  constructor(private readonly arrived: (slot: TileSlot, tile: Tile) => void) {}

  setRun(runId: number): void {
    this.runId = runId;
    for (const slot of Object.keys(this.here) as TileSlot[]) {
      this.here[slot].clear();
      this.pending[slot]?.cancel.abort();
      this.pending[slot] = undefined;
      this.next[slot] = undefined;
    }
  }

  /** The tile of `source` for exactly `r`, if here. */
  get(slot: TileSlot, source: MatrixSource, r: TileRect): Tile | undefined {
    const key = rectKey(source, r);
    const t = this.here[slot].get(key);
    if (t) {
      this.here[slot].delete(key); // LRU: to the end
      this.here[slot].set(key, t);
    }
    return t;
  }

  /** The newest tile of `source` in `slot` that `fits`, if any (what to draw while the wanted one comes). */
  find(slot: TileSlot, source: MatrixSource, fits: (t: Tile) => boolean): Tile | undefined {
    const prefix = `${sourceKey(source)}|`;
    let found: Tile | undefined;
    for (const t of this.here[slot].values()) if (t.key.startsWith(prefix) && fits(t)) found = t;
    return found;
  }

  /** Asks the host for `r` of `source` unless it is here or already asked for; cancels the slot's other request. */
  want(slot: TileSlot, source: MatrixSource, r: TileRect): void {
    const key = rectKey(source, r);
    if (this.runId < 0 || this.here[slot].has(key) || this.pending[slot]?.key === key) return;
    if (slot !== 'overview' && this.pending[slot]) {
      this.next[slot] = { source, r };
      return;
    }
    this.pending[slot]?.cancel.abort();
    const pending = { key, cancel: new AbortController() };
    this.pending[slot] = pending;
    const runId = this.runId;
    const done = (): void => {
      if (this.pending[slot] !== pending) return;
      this.pending[slot] = undefined;
      const next = this.next[slot];
      this.next[slot] = undefined;
      if (next) this.want(slot, next.source, next.r);
    };
    host.request('matrixTile', { runId, source, ...r }, { signal: pending.cancel.signal }).then(
      (m) => {
        done();
        if (runId !== this.runId) return; // an older run: dropped
        const tile: Tile = { key, row0: m.row0, row1: m.row1, col0: m.col0, col1: m.col1, stride: m.stride, rows: m.rows, cols: m.cols, values: dequantize(reviveQuantized(m.tile)) };
        const kept = this.here[slot];
        kept.set(key, tile);
        for (const k of kept.keys()) {
          if (kept.size <= KEEP[slot]) break;
          kept.delete(k);
        }
        this.arrived(slot, tile);
      },
      // Cancelled (superseded), or the host failed: it shows the failure itself.
      () => done(),
    );
  }
}
