// Tiles of a run's matrices for the panel's level-of-detail view (MatrixTileRequest): pooled on the
// host from the whole matrix the run already has (AnalysisRun.matrix, cached there), band by band
// with a turn of the event loop between bands, so that pooling a 4,096² map never holds the
// extension host for long; the pooled tiles are kept (few, small) for the view's next frames.
import { maxPoolRows } from '../analysis/matrixTile';
import { EngineError } from '../engine/errors';
import { sourceKey, type MatrixSource } from '../shared/matrixSource';
import { tileProblem, tileShape, type TileRect } from '../shared/tileRect';

/** Source cells pooled per band before the loop is let go (≈ 5–10 ms of work). */
const BAND_CELLS = 1 << 21;
/** Pooled tiles kept, by count and bytes. */
const KEEP_TILES = 32;
const KEEP_BYTES = 24 * 1024 * 1024;

export class MatrixTiles {
  private readonly kept = new Map<string, Float32Array>();
  private keptBytes = 0;

  constructor(
    /** The whole [T × T] matrix of a source (cached by the run). */
    private readonly matrixOf: (source: MatrixSource) => Promise<Float32Array>,
    private readonly T: number,
  ) {}

  /** The tile [rows × cols] (tileShape) of `source`'s matrix; BAD_ARGUMENT for a rect outside it, CANCELLED when `signal` aborts. */
  async tile(source: MatrixSource, r: TileRect, signal?: AbortSignal): Promise<Float32Array> {
    const problem = tileProblem(r, this.T);
    if (problem) throw new EngineError('BAD_ARGUMENT', `Bad matrix tile: ${problem}`);
    const key = `${sourceKey(source)}|${r.row0},${r.row1},${r.col0},${r.col1},${r.stride}`;
    const hit = this.kept.get(key);
    if (hit) {
      this.kept.delete(key); // LRU: to the end
      this.kept.set(key, hit);
      return hit;
    }
    const m = await this.matrixOf(source); // [T × T]
    const { rows, cols } = tileShape(r);
    const out = new Float32Array(rows * cols); // [rows × cols]
    const span = r.col1 - r.col0;
    // whole pooled rows per band, so each band is a whole number of strides
    const band = Math.max(1, Math.floor(BAND_CELLS / span / r.stride)) * r.stride;
    for (let from = r.row0; from < r.row1; from += band) {
      if (from > r.row0) await new Promise<void>((done) => setImmediate(done));
      if (signal?.aborted) throw new EngineError('CANCELLED', 'the tile is not wanted any more');
      maxPoolRows(m, this.T, r, out, from, Math.min(r.row1, from + band));
    }
    this.remember(key, out);
    return out;
  }

  clear(): void {
    this.kept.clear();
    this.keptBytes = 0;
  }

  private remember(key: string, t: Float32Array): void {
    if (t.byteLength > KEEP_BYTES) return;
    this.kept.set(key, t);
    this.keptBytes += t.byteLength;
    for (const [k, v] of this.kept) {
      if ((this.keptBytes <= KEEP_BYTES && this.kept.size <= KEEP_TILES) || k === key) break;
      this.kept.delete(k);
      this.keptBytes -= v.byteLength;
    }
  }
}
