// The panel's one request kind: a run's matrix, whole or (at long T) as max-pooled tiles. The webview
// asks; the host answers (see PanelHostProtocol in protocol.ts).
import type { MatrixSource } from './matrixSource';
import type { QuantizedArray } from './quantize';
import type { TileRect } from './tileRect';

/** One T × T matrix of a run: what the webview asks for. */
export interface MatrixRequest {
  runId: number;
  source: MatrixSource;
}

/** The matrix asked for, quantised, row-major [T × T]; row = query, column = key. */
export interface MatrixReply {
  runId: number;
  source: MatrixSource;
  T: number;
  matrix: QuantizedArray;
}

/** From T = this many tokens on, the panel never asks for a whole matrix: it asks for tiles (MatrixTileRequest). */
export const LONG_T = 1024;

/**
 * Part of a run's matrix, max-pooled (tileRect.ts): the level-of-detail view's overview (the whole
 * map at a stride), its zoomed window (stride 1), and the selected query's row (one row, stride 1).
 */
export interface MatrixTileRequest extends TileRect {
  runId: number;
  source: MatrixSource;
}

/** The tile asked for, quantised like a matrix (16 bits, scale 1), row-major [rows × cols]. */
export interface MatrixTileReply extends TileRect {
  runId: number;
  source: MatrixSource;
  T: number;
  rows: number;
  cols: number;
  tile: QuantizedArray;
}
