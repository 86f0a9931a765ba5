// The lines view (as in BertViz): queries on the left, keys on the right, the selected query
// joined to every key it may attend to by a line whose opacity follows the weight. At long T the
// sides list the queries around the selected one and its top-k keys only (linesRows.ts).
import type { ColorScale } from '../../src/shared/protocol';
import { el, fmt3, quote, sizeCanvas } from './dom';
import type { DetailEvents } from './matrixView';
import { shortLabel } from './matrixView';
import { applyScale, css, type Theme } from './theme';
import type { Tooltip } from './tooltip';
import { labelWords, t } from './text';
import { describeLabel, type TokenLabel } from '../../src/shared/tokenLabels';
import { linesRows, type LinesRows } from './linesRows';

/** The selected query's weights (T entries), undefined while they load. */
export type RowOf = (query: number) => Float32Array | undefined;

export class LinesView {
  readonly node: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  private tokens: readonly TokenLabel[] = [];
  private rowOf: RowOf = () => undefined;
  private query = 0;
  private geo = { rowH: 18, colW: 120, width: 400, top: 22 };
  private rows: LinesRows = { left: [], right: [], topK: false };
  private rowsFor: { q: number; row: Float32Array | undefined } | undefined;
  private last: { theme: Theme; scale: ColorScale; width: number } | undefined;

  constructor(
    private readonly events: DetailEvents,
    private readonly tooltip: Tooltip,
  ) {
    this.canvas = el('canvas', { id: 'lines', class: 'lines-canvas', tabindex: 0, role: 'img' });
    this.node = el('div', { class: 'lines-wrap' }, this.canvas);
    this.canvas.addEventListener('click', (e) => {
      const r = this.rowAt(e.offsetY);
      if (r >= 0 && r < this.rows.left.length && e.offsetX < this.geo.width / 2) this.events.selectQuery(this.rows.left[r]);
    });
    this.canvas.addEventListener('mousemove', (e) => this.onHover(e));
    this.canvas.addEventListener('mouseleave', () => this.tooltip.hide());
    this.canvas.addEventListener('keydown', (e) => {
      const T = this.tokens.length;
      if (e.key === 'ArrowUp' || e.key === 'ArrowLeft') this.events.selectQuery(Math.max(0, this.query - 1));
      else if (e.key === 'ArrowDown' || e.key === 'ArrowRight') this.events.selectQuery(Math.min(T - 1, this.query + 1));
      else if (e.key === 'Enter') this.events.activate(this.query);
      else if (e.key === 'Escape') this.events.escape();
      else return;
      e.preventDefault();
    });
  }

  /** `tokens`: the run's token labels (labelTokens); `rowOf`: the shown matrix's rows. */
  set(tokens: readonly TokenLabel[], rowOf: RowOf, label: string): void {
    this.tokens = tokens;
    this.rowOf = rowOf;
    this.rowsFor = undefined;
    this.canvas.setAttribute('aria-label', t('linesAria', label));
    this.redraw();
  }

  setQuery(i: number): void {
    this.query = i;
    this.redraw();
  }

  draw(theme: Theme, scale: ColorScale, width: number): void {
    this.last = { theme, scale, width };
    const T = this.tokens.length;
    if (!T) return;
    const q = Math.min(this.query, T - 1);
    const row = this.rowOf(q);
    if (this.rowsFor?.q !== q || this.rowsFor.row !== row) {
      this.rows = linesRows(T, q, row);
      this.rowsFor = { q, row };
    }
    const { left, right } = this.rows;
    const n = Math.max(left.length, right.length);
    const rowH = n > 200 ? 14 : 18;
    const colW = Math.max(70, Math.min(150, Math.floor(width * 0.28)));
    const top = 22;
    this.geo = { rowH, colW, width, top };
    const h = top + n * rowH + 6;
    const ctx = sizeCanvas(this.canvas, width, h);
    ctx.clearRect(0, 0, width, h);
    ctx.font = `${rowH > 14 ? 12 : 11}px ${theme.font}`;
    ctx.textBaseline = 'middle';
    ctx.fillStyle = theme.muted;
    ctx.textAlign = 'right';
    ctx.fillText(t('ttQuery'), colW - 6, 10);
    ctx.textAlign = 'left';
    ctx.fillText(this.rows.topK ? t('linesTopKeys', right.length) : t('ttKey'), width - colW + 6, 10);
    const y = (r: number): number => top + (r + 0.5) * rowH;
    const xl = colW;
    const xr = width - colW;
    const yq = y(left.indexOf(q));
    // keys shown with their index when only the top ones are listed
    const keyText = (j: number): string => (this.rows.topK ? `#${j} ${shortLabel(this.tokens[j].text)}` : shortLabel(this.tokens[j].text));
    // lines first, under the labels
    if (row) {
      ctx.strokeStyle = css(theme.accent);
      right.forEach((j, r) => {
        if (j > q) return;
        const a = applyScale(row[j], scale);
        if (a < 0.01) return;
        ctx.globalAlpha = Math.min(1, a);
        ctx.lineWidth = 1 + 2.5 * a;
        ctx.beginPath();
        ctx.moveTo(xl, yq);
        ctx.bezierCurveTo(xl + (xr - xl) * 0.4, yq, xr - (xr - xl) * 0.4, y(r), xr, y(r));
        ctx.stroke();
      });
      ctx.globalAlpha = 1;
    }
    left.forEach((i, r) => {
      // left: queries
      if (i === q) {
        ctx.fillStyle = css(theme.accent, 0.25);
        ctx.fillRect(4, y(r) - rowH / 2 + 1, colW - 8, rowH - 2);
        ctx.strokeStyle = theme.focus;
        ctx.lineWidth = 1;
        ctx.strokeRect(4.5, y(r) - rowH / 2 + 1.5, colW - 9, rowH - 3);
      }
      ctx.textAlign = 'right';
      ctx.fillStyle = i === q ? theme.fgCss : theme.muted;
      ctx.fillText(shortLabel(this.tokens[i].text), colW - 8, y(r));
    });
    right.forEach((j, r) => {
      // right: keys, tinted by weight
      if (row && j <= q) {
        const a = applyScale(row[j], scale);
        if (a > 0.02) {
          ctx.fillStyle = css(theme.accent, Math.min(0.8, a * 0.8));
          ctx.fillRect(xr + 4, y(r) - rowH / 2 + 1, colW - 8, rowH - 2);
        }
      }
      ctx.textAlign = 'left';
      ctx.fillStyle = row && j > q ? theme.hatch : theme.fgCss;
      ctx.fillText(keyText(j), xr + 8, y(r));
    });
  }

  private redraw(): void {
    if (this.last) this.draw(this.last.theme, this.last.scale, this.last.width);
  }

  /** The list row under y (an index into rows.left / rows.right), or −1. */
  private rowAt(y: number): number {
    const r = Math.floor((y - this.geo.top) / this.geo.rowH);
    return r >= 0 && r < Math.max(this.rows.left.length, this.rows.right.length) ? r : -1;
  }

  private onHover(e: MouseEvent): void {
    const r = this.rowAt(e.offsetY);
    const leftSide = e.offsetX < this.geo.width / 2;
    const j = r < 0 ? undefined : leftSide ? this.rows.left[r] : this.rows.right[r];
    if (j === undefined) return this.tooltip.hide();
    const T = this.tokens.length;
    const q = Math.min(this.query, T - 1);
    if (leftSide) return this.tooltip.show(e.clientX, e.clientY, [`${quote(this.tokens[j].text)} #${j}`, ...describeLabel(this.tokens[j], labelWords()), t('clickToQuery')]);
    const row = this.rowOf(q);
    const w = row && j <= q ? row[j] : NaN;
    this.tooltip.show(e.clientX, e.clientY, [
      [t('ttQuery'), `${quote(this.tokens[q].text)} #${q}`],
      [t('ttKey'), `${quote(this.tokens[j].text)} #${j}`],
      [t('ttWeight'), j > q ? t('maskedLater') : fmt3(w)],
      ...describeLabel(this.tokens[q], labelWords()),
      ...(j === q ? [] : describeLabel(this.tokens[j], labelWords())),
    ]);
  }
}
