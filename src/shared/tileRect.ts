// Which part of a [T × T] attention matrix a tile covers, and at what pooling: the panel's
// level-of-detail matrix view asks the host for tiles (protocol.ts, matrixTile) instead of the whole
// map at long T. Shared: the host pools (analysis/matrixTile.ts), the webview draws.

/** Rows [row0, row1) × columns [col0, col1) of the matrix, pooled stride × stride. */
export interface TileRect {
  row0: number;
  row1: number;
  col0: number;
  col1: number;
  /** Cells per pooled cell along each axis (1: full resolution). */
  stride: number;
}

/** The most pooled cells one tile may have (a 1,024 × 1,024 tile). */
export const MAX_TILE_CELLS = 1 << 20;

/** The pooled tile's size: ⌈rows / stride⌉ × ⌈cols / stride⌉ (the last row and column may pool fewer cells). */
export function tileShape(r: TileRect): { rows: number; cols: number } {
  return { rows: Math.ceil((r.row1 - r.row0) / r.stride), cols: Math.ceil((r.col1 - r.col0) / r.stride) };
}

/** What is wrong with `r` for a [T × T] matrix, or undefined when it is a valid tile. */
export function tileProblem(r: TileRect, T: number): string | undefined {
  const ints = [r.row0, r.row1, r.col0, r.col1, r.stride].every((x) => Number.isInteger(x));
  if (!ints) return 'the tile bounds and stride must be integers';
  if (r.stride < 1) return `stride ${r.stride} is below 1`;
  if (r.row0 < 0 || r.row1 > T || r.row0 >= r.row1) return `rows [${r.row0}, ${r.row1}) are not inside [0, ${T})`;
  if (r.col0 < 0 || r.col1 > T || r.col0 >= r.col1) return `columns [${r.col0}, ${r.col1}) are not inside [0, ${T})`;
  const { rows, cols } = tileShape(r);
  if (rows * cols > MAX_TILE_CELLS) return `a tile of ${rows} × ${cols} cells is over the limit of ${MAX_TILE_CELLS}`;
  return undefined;
}

/**
 * True when pooled cell (a, b) of `r` covers only masked keys (every column after every row it
 * pools): the view shows it as masked, not as weight 0.
 */
export function pooledCellMasked(r: TileRect, a: number, b: number): boolean {
  const lastRow = Math.min(r.row0 + (a + 1) * r.stride, r.row1) - 1;
  return r.col0 + b * r.stride > lastRow;
}
