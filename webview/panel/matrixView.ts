// One T × T attention matrix, large: rows are queries, columns keys, token labels on both axes,
// the masked upper triangle hatched, the selected query's row outlined. Hover shows
// query, key and weight (#tooltip); a click selects the query; ↑/↓ move it, Enter shows it in the
// editor, Escape goes back to the overview.
import type { ColorScale } from '../../src/shared/protocol';
import { el, fmt3, quote, sizeCanvas, visibleText } from './dom';
import { applyScale, type Theme } from './theme';
import type { Tooltip } from './tooltip';
import { labelWords, t } from './text';
import { describeLabel, type TokenLabel } from '../../src/shared/tokenLabels';

export interface DetailEvents {
  selectQuery(i: number): void;
  activate(i: number): void;
  escape(): void;
}

interface Geometry {
  x0: number;
  y0: number;
  cell: number;
}

const FONT_PX = 11;
const MAX_LABEL_CHARS = 12;

export function shortLabel(text: string): string {
  const v = visibleText(text);
  return v.length > MAX_LABEL_CHARS ? `${v.slice(0, MAX_LABEL_CHARS - 1)}…` : v;
}

export class MatrixView {
  readonly node: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  private T = 0;
  private tokens: readonly TokenLabel[] = [];
  private values: Float32Array | undefined;
  private query = 0;
  private geo: Geometry = { x0: 0, y0: 0, cell: 1 };
  private hover: { i: number; j: number } | undefined;
  private last: { theme: Theme; scale: ColorScale; width: number } | undefined;

  constructor(
    private readonly events: DetailEvents,
    private readonly tooltip: Tooltip,
  ) {
    this.canvas = el('canvas', { id: 'matrix', class: 'matrix-canvas', tabindex: 0, role: 'img' });
    this.node = el('div', { class: 'matrix-wrap' }, this.canvas);
    this.canvas.addEventListener('mousemove', (e) => this.onHover(e));
    this.canvas.addEventListener('mouseleave', () => {
      this.hover = undefined;
      this.tooltip.hide();
      this.redraw();
    });
    this.canvas.addEventListener('click', (e) => {
      const c = this.cellAt(e.offsetX, e.offsetY);
      if (c) this.events.selectQuery(c.i);
      else {
        const r = this.rowLabelAt(e.offsetX, e.offsetY);
        if (r >= 0) this.events.selectQuery(r);
      }
    });
    this.canvas.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowUp' || e.key === 'ArrowLeft') this.events.selectQuery(Math.max(0, this.query - 1));
      else if (e.key === 'ArrowDown' || e.key === 'ArrowRight') this.events.selectQuery(Math.min(this.T - 1, this.query + 1));
      else if (e.key === 'Home') this.events.selectQuery(0);
      else if (e.key === 'End') this.events.selectQuery(this.T - 1);
      else if (e.key === 'Enter') this.events.activate(this.query);
      else if (e.key === 'Escape') this.events.escape();
      else return;
      e.preventDefault();
    });
  }

  /** `tokens`: the run's token labels (labelTokens). */
  set(tokens: readonly TokenLabel[], values: Float32Array | undefined, label: string): void {
    this.tokens = tokens;
    this.T = tokens.length;
    this.values = values;
    this.canvas.setAttribute('aria-label', t('matrixAria', label, this.T));
    this.redraw();
  }

  setQuery(i: number): void {
    this.query = i;
    this.redraw();
  }

  draw(theme: Theme, scale: ColorScale, width: number): void {
    this.last = { theme, scale, width };
    const T = this.T;
    if (!T) return;
    const ctx0 = this.canvas.getContext('2d');
    if (!ctx0) return;
    ctx0.font = `${FONT_PX}px ${theme.font}`;
    const labels = this.tokens.map((t) => shortLabel(t.text));
    const labelW = Math.min(96, Math.ceil(Math.max(...labels.map((l) => ctx0.measureText(l).width))) + 22);
    const avail = Math.max(60, width - labelW - 8);
    const cell = Math.max(avail / T < 1 ? avail / T : 1, Math.min(28, Math.floor(avail / T)));
    const x0 = labelW;
    const y0 = labelW;
    const side = cell * T;
    this.geo = { x0, y0, cell };
    const ctx = sizeCanvas(this.canvas, x0 + side + 4, y0 + side + 4);
    ctx.clearRect(0, 0, x0 + side + 4, y0 + side + 4);

    // cells: one pixel per cell, scaled up without smoothing
    const img = new ImageData(T, T);
    const v = this.values;
    for (let i = 0; i < T; i++) {
      for (let j = 0; j < T; j++) {
        const o = (i * T + j) * 4;
        let r: number, g: number, b: number;
        if (j > i) [r, g, b] = theme.masked;
        else if (!v) [r, g, b] = theme.bg;
        else {
          const k = Math.round(applyScale(v[i * T + j], scale) * 255) * 3;
          r = theme.ramp[k];
          g = theme.ramp[k + 1];
          b = theme.ramp[k + 2];
        }
        img.data[o] = r;
        img.data[o + 1] = g;
        img.data[o + 2] = b;
        img.data[o + 3] = 255;
      }
    }
    const off = document.createElement('canvas');
    off.width = T;
    off.height = T;
    off.getContext('2d')?.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(off, x0, y0, side, side);

    // hatch the masked upper triangle so it never reads as "weight 0"
    ctx.save();
    ctx.beginPath();
    ctx.moveTo(x0 + cell, y0);
    ctx.lineTo(x0 + side, y0);
    ctx.lineTo(x0 + side, y0 + (T - 1) * cell);
    for (let i = T - 2; i >= 0; i--) {
      ctx.lineTo(x0 + (i + 1) * cell, y0 + (i + 1) * cell);
      ctx.lineTo(x0 + (i + 1) * cell, y0 + i * cell);
    }
    ctx.closePath();
    ctx.clip();
    ctx.strokeStyle = theme.hatch;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let d = -side; d < side; d += 6) {
      ctx.moveTo(x0 + d, y0 + side);
      ctx.lineTo(x0 + d + side, y0);
    }
    ctx.stroke();
    ctx.restore();

    // axis labels (thinned when cells are small)
    const stride = Math.max(1, Math.ceil((FONT_PX + 1) / cell));
    ctx.font = `${FONT_PX}px ${theme.font}`;
    ctx.textBaseline = 'middle';
    for (let i = 0; i < T; i += stride) {
      const sel = i === this.query;
      ctx.fillStyle = sel ? theme.fgCss : theme.muted;
      ctx.textAlign = 'right';
      ctx.fillText(labels[i], x0 - 4, y0 + (i + 0.5) * cell);
      ctx.save();
      ctx.translate(x0 + (i + 0.5) * cell, y0 - 4);
      ctx.rotate(-Math.PI / 2);
      ctx.textAlign = 'left';
      ctx.fillStyle = theme.muted;
      ctx.fillText(labels[i], 0, 0);
      ctx.restore();
    }
    if (stride > 1 && this.query % stride !== 0) {
      ctx.fillStyle = theme.fgCss;
      ctx.textAlign = 'right';
      ctx.fillText(labels[this.query], x0 - 4, y0 + (this.query + 0.5) * cell);
    }
    ctx.fillStyle = theme.muted;
    ctx.textAlign = 'left';
    ctx.fillText(t('matrixAxes'), 2, 8);

    // selected query row and hovered cell
    ctx.strokeStyle = theme.focus;
    ctx.lineWidth = 2;
    const q = this.query;
    ctx.strokeRect(x0 - 1, y0 + q * cell - 1, (q + 1) * cell + 2, cell + 2);
    if (this.hover) {
      ctx.lineWidth = 1;
      ctx.strokeStyle = theme.fgCss;
      ctx.strokeRect(x0 + this.hover.j * cell + 0.5, y0 + this.hover.i * cell + 0.5, Math.max(1, cell - 1), Math.max(1, cell - 1));
    }
  }

  private redraw(): void {
    if (this.last) this.draw(this.last.theme, this.last.scale, this.last.width);
  }

  private cellAt(x: number, y: number): { i: number; j: number } | undefined {
    const { x0, y0, cell } = this.geo;
    const j = Math.floor((x - x0) / cell);
    const i = Math.floor((y - y0) / cell);
    return i >= 0 && j >= 0 && i < this.T && j < this.T ? { i, j } : undefined;
  }

  private rowLabelAt(x: number, y: number): number {
    const { x0, y0, cell } = this.geo;
    const i = Math.floor((y - y0) / cell);
    return x < x0 && i >= 0 && i < this.T ? i : -1;
  }

  private onHover(e: MouseEvent): void {
    const c = this.cellAt(e.offsetX, e.offsetY);
    const prev = this.hover;
    this.hover = c;
    if (!c) {
      this.tooltip.hide();
      if (prev) this.redraw();
      return;
    }
    const q = this.tokens[c.i];
    const k = this.tokens[c.j];
    const masked = c.j > c.i;
    const w = this.values ? this.values[c.i * this.T + c.j] : NaN;
    this.tooltip.show(e.clientX, e.clientY, [
      [t('ttQuery'), `${quote(q.text)} #${c.i}`],
      [t('ttKey'), `${quote(k.text)} #${c.j}`],
      [t('ttWeight'), masked ? t('maskedLater') : fmt3(w)],
      ...describeLabel(q, labelWords()),
      ...(c.j === c.i ? [] : describeLabel(k, labelWords())),
    ]);
    if (!prev || prev.i !== c.i || prev.j !== c.j) this.redraw();
  }
}
