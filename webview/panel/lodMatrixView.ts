// The matrix view at long T (T ≥ LONG_T): level of detail instead of one cell per pixel. An
// overview of the whole map, max-pooled on the host so that sharp attention stays visible, with
// the zoomed window framed on it; the window at full resolution beside it, token labels where they
// fit. The window follows the selected query (the panel's, or the editor cursor's); wheel and drag
// scroll it, Ctrl+wheel zooms at the pointer; on the keyboard ↑/↓ move the query, + and − zoom,
// PageUp/PageDown and Shift+arrows scroll. Tiles come from TileFetch as the window moves; until
// the window's tile is here its cells are drawn from the overview.
import { sourceKey, type MatrixSource } from '../../src/shared/matrixSource';
import type { ColorScale } from '../../src/shared/protocol';
import { el, fmt3, quote, sizeCanvas } from './dom';
import { FONT_PX, drawLabels, hatchMasked, overviewBitmap, valueAt, windowBitmap, type WindowGeometry } from './lodDraw';
import type { DetailEvents } from './matrixView';
import { t } from './text';
import type { Theme } from './theme';
import type { Tile, TileFetch } from './tileFetch';
import type { Tooltip } from './tooltip';
import { DEFAULT_SIZE, ZOOM_SIZES, centreOn, covers, fetchRect, followQuery, overviewCellAt, overviewStride, panWindow, windowCellAt, zoomWindow, type ZoomWindow } from './viewport';
import { ZoomControls } from './zoomControls';
import type { TokenLabel } from '../../src/shared/tokenLabels';

const LABEL_W = 96;
const MAX_SIDE = 720;

export class LodMatrixView {
  readonly node: HTMLElement;
  /** The zoomed window (the view's focus target). */
  readonly canvas: HTMLCanvasElement;
  readonly overviewCanvas: HTMLCanvasElement;
  private readonly controls: ZoomControls;
  private tokens: readonly TokenLabel[] = [];
  private T = 0;
  private source: MatrixSource | undefined;
  private query = 0;
  private win: ZoomWindow = { row0: 0, col0: 0, size: DEFAULT_SIZE };
  private geo: WindowGeometry = { x0: LABEL_W, y0: LABEL_W, side: 256 };
  private ovSide = 240;
  private hover: { i: number; j: number } | undefined;
  private last: { theme: Theme; scale: ColorScale; width: number } | undefined;
  private ovBitmap: { key: string; canvas: HTMLCanvasElement } | undefined;
  private readonly cells = document.createElement('canvas');
  private drag: { x: number; y: number; win: ZoomWindow; moved: boolean; on: 'window' | 'overview' } | undefined;
  private frame = 0;

  constructor(
    private readonly events: DetailEvents,
    private readonly tooltip: Tooltip,
    private readonly tiles: TileFetch,
    /** Called after each draw that showed the window's own tile (the paint report takes the first). */
    private readonly painted: () => void,
  ) {
    this.canvas = el('canvas', { id: 'matrix-zoom', class: 'matrix-canvas', tabindex: 0, role: 'img' });
    this.overviewCanvas = el('canvas', { id: 'matrix-overview', class: 'matrix-overview', tabindex: 0, role: 'img', 'aria-label': t('lodOverviewAria') });
    this.controls = new ZoomControls({ zoom: (d) => this.zoom(d), follow: () => this.setWindow(followQuery({ ...this.win, row0: -this.win.size }, this.T, this.query)) });
    this.node = el('div', { class: 'lod-wrap' }, this.canvas, el('div', { class: 'lod-side' }, this.overviewCanvas, this.controls.node));
    this.listen();
  }

  set(tokens: readonly TokenLabel[], source: MatrixSource, label: string): void {
    if (tokens.length !== this.T) this.win = followQuery({ row0: 0, col0: 0, size: DEFAULT_SIZE }, tokens.length, this.query);
    this.tokens = tokens;
    this.T = tokens.length;
    this.source = source;
    this.canvas.setAttribute('aria-label', t('lodAria', label, this.T));
    this.schedule();
  }

  setQuery(i: number): void {
    this.query = i;
    this.win = followQuery(this.win, this.T, i);
    this.schedule();
  }

  /** The window (for tests and the benchmark through the DOM: data-* attributes mirror it). */
  get window(): ZoomWindow {
    return this.win;
  }

  /** A tile arrived: draw it if it is of what is shown. */
  tileArrived(): void {
    this.schedule();
  }

  draw(theme: Theme, scale: ColorScale, width: number): void {
    this.last = { theme, scale, width };
    const T = this.T;
    const source = this.source;
    if (!T || !source) return;
    const t0 = performance.now(); // each draw's time, as a performance measure (bench:paint --long reads them)
    // layout: the window as large as fits (square), the overview beside it, or under it when narrow
    this.ovSide = Math.max(120, Math.min(280, Math.floor(width * 0.3)));
    const sideBySide = width >= LABEL_W + 240 + this.ovSide + 24;
    const side = Math.max(160, Math.min(MAX_SIDE, width - LABEL_W - 8 - (sideBySide ? this.ovSide + 16 : 0)));
    this.geo = { x0: LABEL_W, y0: LABEL_W, side };
    this.node.classList.toggle('narrow', !sideBySide);

    const ovRect = { row0: 0, row1: T, col0: 0, col1: T, stride: overviewStride(T, this.ovSide) };
    const overview = this.tiles.get('overview', source, ovRect) ?? this.tiles.find('overview', source, () => true);
    if (!this.tiles.get('overview', source, ovRect)) this.tiles.want('overview', source, ovRect);
    const fine = this.tiles.find('window', source, (tl) => covers(tl, this.win, T));
    if (!fine) this.tiles.want('window', source, fetchRect(this.win, T));

    // until the window's own tile is here, the last one's cells where it has them, the overview's elsewhere
    this.drawWindow(theme, scale, fine ?? this.tiles.find('window', source, () => true), overview);
    this.drawOverview(theme, scale, overview);
    this.controls.set(this.win, T, ZOOM_SIZES[0], ZOOM_SIZES[ZOOM_SIZES.length - 1]);
    this.canvas.dataset.window = `${this.win.row0},${this.win.col0},${this.win.size}`;
    this.canvas.dataset.fine = fine ? 'yes' : 'no';
    this.canvas.dataset.source = sourceKey(source);
    this.canvas.dataset.overview = overview ? 'yes' : 'no';
    if (fine && overview) this.painted();
    performance.measure('al:lod-draw', { start: t0 });
  }

  private drawWindow(theme: Theme, scale: ColorScale, fine: Tile | undefined, overview: Tile | undefined): void {
    const { x0, y0, side } = this.geo;
    const ctx = fitCanvas(this.canvas, x0 + side + 4, y0 + side + 4);
    ctx.clearRect(0, 0, x0 + side + 4, y0 + side + 4);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(windowBitmap(this.win, fine, overview, theme, scale, this.cells), x0, y0, side, side);
    hatchMasked(ctx, this.win, this.geo, theme);
    drawLabels(ctx, this.win, this.geo, this.tokens, this.query, theme);
    ctx.font = `${FONT_PX}px ${theme.font}`;
    ctx.fillStyle = theme.muted;
    ctx.textAlign = 'left';
    ctx.fillText(t('matrixAxes'), 2, 8);
    const cell = side / this.win.size;
    const a = this.query - this.win.row0;
    if (a >= 0 && a < this.win.size) {
      ctx.strokeStyle = theme.focus;
      ctx.lineWidth = 2;
      const w = Math.min(this.win.size, this.query - this.win.col0 + 1);
      if (w > 0) ctx.strokeRect(x0 - 1, y0 + a * cell - 1, w * cell + 2, cell + 2);
    }
    const h = this.hover;
    if (h && h.i >= this.win.row0 && h.i < this.win.row0 + this.win.size && h.j >= this.win.col0 && h.j < this.win.col0 + this.win.size) {
      ctx.lineWidth = 1;
      ctx.strokeStyle = theme.fgCss;
      ctx.strokeRect(x0 + (h.j - this.win.col0) * cell + 0.5, y0 + (h.i - this.win.row0) * cell + 0.5, Math.max(1, cell - 1), Math.max(1, cell - 1));
    }
  }

  private drawOverview(theme: Theme, scale: ColorScale, overview: Tile | undefined): void {
    const s = this.ovSide;
    const ctx = fitCanvas(this.overviewCanvas, s, s);
    ctx.fillStyle = theme.bgCss;
    ctx.fillRect(0, 0, s, s);
    if (overview) {
      const key = `${overview.key}|${scale}|${theme.kind}|${theme.fgCss}|${theme.bgCss}`;
      if (this.ovBitmap?.key !== key) this.ovBitmap = { key, canvas: overviewBitmap(overview, theme, scale) };
      ctx.imageSmoothingEnabled = false;
      // the pooled cells cover T rounded up to whole strides: draw them at that size, so cell edges stay true
      const k = s / this.T;
      ctx.drawImage(this.ovBitmap.canvas, 0, 0, overview.cols * overview.stride * k, overview.rows * overview.stride * k);
    }
    const k = s / this.T;
    ctx.strokeStyle = theme.muted;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(0, (this.query + 0.5) * k);
    ctx.lineTo(s, (this.query + 0.5) * k);
    ctx.stroke();
    ctx.strokeStyle = theme.focus;
    ctx.lineWidth = 2;
    const side = Math.max(4, this.win.size * k);
    ctx.strokeRect(this.win.col0 * k, this.win.row0 * k, side, side);
  }

  private schedule(): void {
    cancelAnimationFrame(this.frame);
    this.frame = requestAnimationFrame(() => {
      if (this.last) this.draw(this.last.theme, this.last.scale, this.last.width);
    });
  }

  private setWindow(w: ZoomWindow): void {
    this.win = w;
    this.schedule();
  }

  private zoom(dir: 1 | -1, anchor?: { i: number; j: number }): void {
    this.setWindow(zoomWindow(this.win, this.T, dir, anchor));
  }

  private cellAt(e: MouseEvent): { i: number; j: number } | undefined {
    return windowCellAt(e.offsetX, e.offsetY, this.geo.x0, this.geo.y0, this.geo.side, this.win);
  }

  private listen(): void {
    const c = this.canvas;
    const ov = this.overviewCanvas;
    c.addEventListener('wheel', (e) => this.onWheel(e, this.cellAt(e)), { passive: false });
    ov.addEventListener('wheel', (e) => this.onWheel(e, overviewCellAt(e.offsetX, e.offsetY, this.ovSide, this.T)), { passive: false });
    for (const [node, on] of [[c, 'window'], [ov, 'overview']] as const) {
      node.addEventListener('pointerdown', (e) => {
        if (e.button !== 0) return;
        node.setPointerCapture(e.pointerId);
        this.drag = { x: e.offsetX, y: e.offsetY, win: this.win, moved: false, on };
        if (on === 'overview') this.overviewTo(e);
      });
      node.addEventListener('pointerup', (e) => {
        const d = this.drag;
        this.drag = undefined;
        if (!d || d.moved) return;
        const cell = on === 'window' ? this.cellAt(e) : overviewCellAt(e.offsetX, e.offsetY, this.ovSide, this.T);
        if (cell) this.events.selectQuery(cell.i);
      });
    }
    c.addEventListener('pointermove', (e) => {
      const d = this.drag;
      if (d?.on === 'window') {
        const cell = this.geo.side / this.win.size;
        const dr = Math.round((d.y - e.offsetY) / cell);
        const dc = Math.round((d.x - e.offsetX) / cell);
        if (Math.abs(d.x - e.offsetX) + Math.abs(d.y - e.offsetY) > 3) d.moved = true;
        if (d.moved) this.setWindow(panWindow(d.win, this.T, dr, dc));
        return;
      }
      this.onHover(e);
    });
    ov.addEventListener('pointermove', (e) => {
      if (this.drag?.on !== 'overview') return;
      this.drag.moved = true;
      this.overviewTo(e);
    });
    c.addEventListener('mouseleave', () => {
      this.hover = undefined;
      this.tooltip.hide();
      this.schedule();
    });
    c.addEventListener('keydown', (e) => this.onKey(e, false));
    ov.addEventListener('keydown', (e) => this.onKey(e, true));
  }

  /** The window centred where the overview was pressed or dragged. */
  private overviewTo(e: PointerEvent): void {
    const cell = overviewCellAt(e.offsetX, e.offsetY, this.ovSide, this.T);
    if (cell) this.setWindow(centreOn(this.win, this.T, cell.i, cell.j));
  }

  private onWheel(e: WheelEvent, at: { i: number; j: number } | undefined): void {
    e.preventDefault();
    if (e.ctrlKey || e.metaKey) return this.zoom(e.deltaY > 0 ? 1 : -1, at);
    // a wheel notch (≈ 100 px) scrolls an eighth of the window; trackpads' small deltas less
    const step = (d: number): number => (d === 0 ? 0 : Math.sign(d) * Math.max(1, Math.round((Math.abs(d) / 100) * (this.win.size / 8))));
    const dy = e.shiftKey ? 0 : e.deltaY;
    const dx = e.shiftKey ? e.deltaY || e.deltaX : e.deltaX;
    this.setWindow(panWindow(this.win, this.T, step(dy), step(dx)));
  }

  private onKey(e: KeyboardEvent, overview: boolean): void {
    const n = this.win.size;
    const pan = (dr: number, dc: number): void => this.setWindow(panWindow(this.win, this.T, dr, dc));
    const k = e.key;
    if (k === '+' || k === '=') this.zoom(-1);
    else if (k === '-' || k === '_') this.zoom(1);
    else if (k === 'PageDown') pan(n, 0);
    else if (k === 'PageUp') pan(-n, 0);
    else if ((e.shiftKey || overview) && k.startsWith('Arrow')) {
      const q = Math.max(1, Math.round(n / 4));
      pan(k === 'ArrowDown' ? q : k === 'ArrowUp' ? -q : 0, k === 'ArrowRight' ? q : k === 'ArrowLeft' ? -q : 0);
    } else if (overview && k === 'Enter') this.events.selectQuery(this.win.row0 + Math.floor(n / 2));
    else if (k === 'ArrowUp' || k === 'ArrowLeft') this.events.selectQuery(Math.max(0, this.query - 1));
    else if (k === 'ArrowDown' || k === 'ArrowRight') this.events.selectQuery(Math.min(this.T - 1, this.query + 1));
    else if (k === 'Home') this.events.selectQuery(0);
    else if (k === 'End') this.events.selectQuery(this.T - 1);
    else if (k === 'Enter') this.events.activate(this.query);
    else if (k === 'Escape') this.events.escape();
    else return;
    e.preventDefault();
  }

  private onHover(e: MouseEvent): void {
    const c = this.cellAt(e);
    const prev = this.hover;
    this.hover = c;
    if (!c) {
      this.tooltip.hide();
      if (prev) this.schedule();
      return;
    }
    const source = this.source;
    const fine = source && this.tiles.find('window', source, (tl) => tl.row0 <= c.i && tl.row1 > c.i && tl.col0 <= c.j && tl.col1 > c.j);
    const w = valueAt(fine, c.i, c.j);
    this.tooltip.show(e.clientX, e.clientY, [
      [t('ttQuery'), `${quote(this.tokens[c.i].text)} #${c.i}`],
      [t('ttKey'), `${quote(this.tokens[c.j].text)} #${c.j}`],
      [t('ttWeight'), c.j > c.i ? t('maskedLater') : fmt3(w)],
    ]);
    if (!prev || prev.i !== c.i || prev.j !== c.j) this.schedule();
  }
}

/** sizeCanvas, but a canvas already of that size keeps its backing store (reallocated on every scroll frame otherwise); the caller clears it. */
function fitCanvas(c: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D {
  const dpr = Math.max(1, Math.min(3, window.devicePixelRatio || 1));
  const ctx = c.getContext('2d');
  if (!ctx || c.width !== Math.round(Math.max(1, Math.round(width)) * dpr) || c.height !== Math.round(Math.max(1, Math.round(height)) * dpr)) return sizeCanvas(c, width, height);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}
