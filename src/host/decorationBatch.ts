// Coalesces the editor decorations' updates: what is asked for within one frame (16 ms) goes to the
// editor once, as one call per decoration type. Scrubbing the query in the panel asks for the
// highlights 30 times a second, and each set of a 4,096-token file's decorations costs the
// extension host and the renderer; typing never waits behind them either, since the work runs
// on a timer after the edit's event, not inside it. No vscode import (unit-tested in Node).

export class DecorationBatch<K extends string> {
  private readonly dirty = new Set<K>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    /** Applies the kinds asked for since the last flush (never empty). */
    private readonly flush: (kinds: ReadonlySet<K>) => void,
    private readonly delayMs = 16,
  ) {}

  /** Marks `kinds` for the next flush, which runs `delayMs` after the first request since the last. */
  request(...kinds: K[]): void {
    for (const k of kinds) this.dirty.add(k);
    this.timer ??= setTimeout(() => this.flushNow(), this.delayMs);
  }

  /** Runs the pending flush now (nothing when none is pending). */
  flushNow(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.dirty.size) return;
    const kinds = new Set(this.dirty);
    this.dirty.clear();
    this.flush(kinds);
  }

  /** Drops what is pending. */
  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.dirty.clear();
  }
}

/**
 * The background level (0 … levels − 1) of each key j ≤ q of the query's row, or −1 for none:
 * weights relative to the row's max (gamma 0.4 when asked), those under `minShown` left plain.
 */
export function attentionLevels(row: ArrayLike<number>, q: number, count: number, gamma: boolean, levels: number, minShown: number): Int8Array {
  const out = new Int8Array(count).fill(-1);
  let max = 0;
  for (let j = 0; j <= q && j < row.length; j++) max = Math.max(max, row[j]);
  if (!(max > 0)) return out;
  for (let j = 0; j <= q && j < count && j < row.length; j++) {
    const rel = row[j] / max;
    const shown = gamma ? Math.pow(rel, 0.4) : rel;
    if (shown >= minShown) out[j] = Math.min(levels - 1, Math.floor(shown * levels));
  }
  return out;
}
