// The level-of-detail matrix view's window onto a [T × T] map, as plain numbers (no DOM): which
// square of cells the zoomed window shows, how zoom, scroll and the selected query move it, which
// tile to ask the host for, and where a point of either canvas falls.
import type { TileRect } from '../../src/shared/tileRect';

/** The zoomed window: rows [row0, row0 + size) × keys [col0, col0 + size). */
export interface ZoomWindow {
  row0: number;
  col0: number;
  size: number;
}

/** The window's sizes, in cells per side, from the most zoomed in. */
export const ZOOM_SIZES = [16, 32, 64, 128, 256] as const;
export const DEFAULT_SIZE = 64;

/** `w` moved inside the map: its size at most T, its corner inside [0, T − size]. */
export function clampWindow(w: ZoomWindow, T: number): ZoomWindow {
  const size = Math.max(1, Math.min(Math.round(w.size), T));
  const clamp = (x: number): number => Math.max(0, Math.min(Math.round(x), T - size));
  return { row0: clamp(w.row0), col0: clamp(w.col0), size };
}

/**
 * One zoom step in (dir −1: fewer cells) or out (+1), keeping the cell `anchor` (default: the
 * window's centre) at the same place in the window.
 */
export function zoomWindow(w: ZoomWindow, T: number, dir: 1 | -1, anchor?: { i: number; j: number }): ZoomWindow {
  const at = ZOOM_SIZES.findIndex((s) => s >= w.size);
  const k = at < 0 ? ZOOM_SIZES.length - 1 : at;
  const size = ZOOM_SIZES[Math.max(0, Math.min(ZOOM_SIZES.length - 1, k + dir))];
  if (size === w.size) return clampWindow(w, T);
  const a = anchor ?? { i: w.row0 + w.size / 2, j: w.col0 + w.size / 2 };
  const f = size / w.size;
  return clampWindow({ row0: a.i - (a.i - w.row0) * f, col0: a.j - (a.j - w.col0) * f, size }, T);
}

/** The window moved by whole rows and keys (clamped at the map's edges). */
export function panWindow(w: ZoomWindow, T: number, dRows: number, dCols: number): ZoomWindow {
  return clampWindow({ ...w, row0: w.row0 + dRows, col0: w.col0 + dCols }, T);
}

/** The window centred on cell (i, j). */
export function centreOn(w: ZoomWindow, T: number, i: number, j: number): ZoomWindow {
  return clampWindow({ ...w, row0: i - w.size / 2, col0: j - w.size / 2 }, T);
}

/**
 * The window after query `q` was selected: unchanged while q's row is in it, else centred on q's
 * row with q's own key (the diagonal) three quarters across, so that most of what is shown is
 * the keys q may attend to, not the masked ones after it.
 */
export function followQuery(w: ZoomWindow, T: number, q: number): ZoomWindow {
  if (q >= w.row0 && q < w.row0 + w.size) return clampWindow(w, T);
  return clampWindow({ ...w, row0: q - w.size / 2, col0: q - (w.size * 3) / 4 }, T);
}

/** The overview's stride: the fewest cells per pooled cell that fit T cells into `px` pixels. */
export function overviewStride(T: number, px: number): number {
  return Math.max(1, Math.ceil(T / Math.max(1, Math.floor(px))));
}

/**
 * The tile to ask for so that small scrolls are served from it: the window and `margin` of its
 * size on each side, aligned to `align` cells (fewer distinct tiles, so the host's kept ones hit),
 * clipped to the map, at full resolution.
 */
export function fetchRect(w: ZoomWindow, T: number, margin = 0.5, align = 16): TileRect {
  const m = Math.ceil(w.size * margin);
  const down = (x: number): number => Math.max(0, Math.floor(x / align) * align);
  const up = (x: number): number => Math.min(T, Math.ceil(x / align) * align);
  return { row0: down(w.row0 - m), row1: up(w.row0 + w.size + m), col0: down(w.col0 - m), col1: up(w.col0 + w.size + m), stride: 1 };
}

/** True when tile `r` holds every cell of window `w` (clipped to the map). */
export function covers(r: TileRect, w: ZoomWindow, T: number): boolean {
  return r.stride === 1 && r.row0 <= w.row0 && r.col0 <= w.col0 && r.row1 >= Math.min(T, w.row0 + w.size) && r.col1 >= Math.min(T, w.col0 + w.size);
}

/** The cell under (x, y) in a square of `side` pixels at (x0, y0) showing `w`, or undefined outside it. */
export function windowCellAt(x: number, y: number, x0: number, y0: number, side: number, w: ZoomWindow): { i: number; j: number } | undefined {
  const cell = side / w.size;
  const a = Math.floor((y - y0) / cell);
  const b = Math.floor((x - x0) / cell);
  if (a < 0 || b < 0 || a >= w.size || b >= w.size) return undefined;
  return { i: w.row0 + a, j: w.col0 + b };
}

/** The cell of the map under (x, y) in the overview, a square of `side` pixels showing all T × T. */
export function overviewCellAt(x: number, y: number, side: number, T: number): { i: number; j: number } | undefined {
  const i = Math.floor((y / side) * T);
  const j = Math.floor((x / side) * T);
  return i >= 0 && j >= 0 && i < T && j < T ? { i, j } : undefined;
}

/** Which rows of a window of `size` cells, each `cellPx` tall, get a label: every k-th, k the fewest that leaves `minPx` per label. */
export function labelStep(cellPx: number, minPx: number): number {
  return Math.max(1, Math.ceil(minPx / Math.max(1e-6, cellPx)));
}
