// The level-of-detail matrix view's drawing: the zoomed window's cells (full resolution from its
// tile, or the overview's pooled cells until the tile is here), the masked cells hatched, token
// labels only where they fit; the overview's bitmap (made once per tile, scale and theme) with the
// window's frame and the query's row on it. Plain functions over a 2D context and the data.
import type { ColorScale } from '../../src/shared/protocol';
import { pooledCellMasked } from '../../src/shared/tileRect';
import { shortLabel } from './matrixView';
import type { Tile } from './tileFetch';
import { applyScale, type Theme } from './theme';
import { labelStep, type ZoomWindow } from './viewport';
import type { TokenLabel } from '../../src/shared/tokenLabels';

export const FONT_PX = 11;

/** Where the window is drawn: its top-left corner and side, in CSS pixels. */
export interface WindowGeometry {
  x0: number;
  y0: number;
  side: number;
}

/** One cell's colour into `px` at byte offset `o`: masked, no value yet (NaN: background), or the ramp. */
function putCell(px: Uint8ClampedArray, o: number, v: number, masked: boolean, theme: Theme, scale: ColorScale): void {
  let r: number, g: number, b: number;
  if (masked) [r, g, b] = theme.masked;
  else if (Number.isNaN(v)) [r, g, b] = theme.bg;
  else {
    const k = Math.round(applyScale(v, scale) * 255) * 3;
    r = theme.ramp[k];
    g = theme.ramp[k + 1];
    b = theme.ramp[k + 2];
  }
  px[o] = r;
  px[o + 1] = g;
  px[o + 2] = b;
  px[o + 3] = 255;
}

/** Weight of cell (i, j): from `tile` when it holds it (full resolution or pooled), else NaN. */
export function valueAt(tile: Tile | undefined, i: number, j: number): number {
  if (!tile || i < tile.row0 || i >= tile.row1 || j < tile.col0 || j >= tile.col1) return NaN;
  const a = Math.floor((i - tile.row0) / tile.stride);
  const b = Math.floor((j - tile.col0) / tile.stride);
  return tile.values[a * tile.cols + b];
}

/** A bitmap of `w`'s cells, one pixel each: from `fine` (stride 1) where it has them, else from `coarse` (the overview). */
export function windowBitmap(w: ZoomWindow, fine: Tile | undefined, coarse: Tile | undefined, theme: Theme, scale: ColorScale, into?: HTMLCanvasElement): HTMLCanvasElement {
  const img = new ImageData(w.size, w.size);
  for (let a = 0; a < w.size; a++) {
    const i = w.row0 + a;
    for (let b = 0; b < w.size; b++) {
      const j = w.col0 + b;
      let v = 0;
      if (j <= i) {
        v = valueAt(fine, i, j);
        if (Number.isNaN(v)) v = valueAt(coarse, i, j);
      }
      putCell(img.data, (a * w.size + b) * 4, v, j > i, theme, scale);
    }
  }
  const c = into ?? document.createElement('canvas');
  c.width = w.size;
  c.height = w.size;
  c.getContext('2d')?.putImageData(img, 0, 0);
  return c;
}

/** The overview tile as a bitmap, one pixel per pooled cell; wholly masked cells in the masked colour. */
export function overviewBitmap(tile: Tile, theme: Theme, scale: ColorScale): HTMLCanvasElement {
  const img = new ImageData(tile.cols, tile.rows);
  for (let a = 0; a < tile.rows; a++)
    for (let b = 0; b < tile.cols; b++) putCell(img.data, (a * tile.cols + b) * 4, tile.values[a * tile.cols + b], pooledCellMasked(tile, a, b), theme, scale);
  const c = document.createElement('canvas');
  c.width = tile.cols;
  c.height = tile.rows;
  c.getContext('2d')?.putImageData(img, 0, 0);
  return c;
}

/** Hatches the window's masked cells (keys after their query), so they never read as weight 0. */
export function hatchMasked(ctx: CanvasRenderingContext2D, w: ZoomWindow, g: WindowGeometry, theme: Theme): void {
  const cell = g.side / w.size;
  const d = w.row0 - w.col0; // cell (a, b) is masked when b − a > d
  ctx.save();
  ctx.beginPath();
  let any = false;
  for (let a = 0; a < w.size; a++) {
    const b0 = Math.max(0, a + d + 1);
    if (b0 >= w.size) continue;
    any = true;
    ctx.rect(g.x0 + b0 * cell, g.y0 + a * cell, (w.size - b0) * cell, cell);
  }
  if (any) {
    ctx.clip();
    ctx.strokeStyle = theme.hatch;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let k = -g.side; k < g.side; k += 6) {
      ctx.moveTo(g.x0 + k, g.y0 + g.side);
      ctx.lineTo(g.x0 + k + g.side, g.y0);
    }
    ctx.stroke();
  }
  ctx.restore();
}

/**
 * Token labels beside the window's rows (left) and over its keys (top, turned), every k-th one so
 * that each has FONT_PX + 1 pixels; the query's row always labelled, in the foreground colour.
 */
export function drawLabels(ctx: CanvasRenderingContext2D, w: ZoomWindow, g: WindowGeometry, tokens: readonly TokenLabel[], query: number, theme: Theme): void {
  const cell = g.side / w.size;
  const step = labelStep(cell, FONT_PX + 1);
  ctx.font = `${FONT_PX}px ${theme.font}`;
  ctx.textBaseline = 'middle';
  const first = (x: number): number => Math.ceil(x / step) * step; // labelled rows are multiples of step: stable while scrolling
  for (let i = first(w.row0); i < w.row0 + w.size && i < tokens.length; i += step) {
    if (i === query) continue;
    ctx.fillStyle = theme.muted;
    ctx.textAlign = 'right';
    ctx.fillText(shortLabel(tokens[i].text), g.x0 - 4, g.y0 + (i - w.row0 + 0.5) * cell);
  }
  if (query >= w.row0 && query < w.row0 + w.size) {
    ctx.fillStyle = theme.fgCss;
    ctx.textAlign = 'right';
    ctx.fillText(shortLabel(tokens[query].text), g.x0 - 4, g.y0 + (query - w.row0 + 0.5) * cell);
  }
  ctx.fillStyle = theme.muted;
  ctx.textAlign = 'left';
  for (let j = first(w.col0); j < w.col0 + w.size && j < tokens.length; j += step) {
    ctx.save();
    ctx.translate(g.x0 + (j - w.col0 + 0.5) * cell, g.y0 - 4);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText(shortLabel(tokens[j].text), 0, 0);
    ctx.restore();
  }
}
