// The lines view (as in BertViz): queries on the left, keys on the right, the selected query
// joined to every key it may attend to by a line whose opacity follows the weight.
import type { ColorScale } from '../../src/shared/protocol';
import { el, fmt3, quote, sizeCanvas } from './dom';
import type { DetailEvents } from './matrixView';
import { shortLabel } from './matrixView';
import { applyScale, css, type Theme } from './theme';
import type { Tooltip } from './tooltip';
import { labelWords, t } from './text';
import { describeLabel, type TokenLabel } from '../../src/shared/tokenLabels';

export class LinesView {
  readonly node: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  private tokens: readonly TokenLabel[] = [];
  private values: Float32Array | undefined;
  private query = 0;
  private geo = { rowH: 18, colW: 120, width: 400, top: 22 };
  private last: { theme: Theme; scale: ColorScale; width: number } | undefined;

  constructor(
    private readonly events: DetailEvents,
    private readonly tooltip: Tooltip,
  ) {
    this.canvas = el('canvas', { id: 'lines', class: 'lines-canvas', tabindex: 0, role: 'img' });
    this.node = el('div', { class: 'lines-wrap' }, this.canvas);
    this.canvas.addEventListener('click', (e) => {
      const r = this.rowAt(e.offsetY);
      if (r >= 0 && e.offsetX < this.geo.width / 2) this.events.selectQuery(r);
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

  /** `tokens`: the run's token labels (labelTokens). */
  set(tokens: readonly TokenLabel[], values: Float32Array | undefined, label: string): void {
    this.tokens = tokens;
    this.values = values;
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
    const rowH = T > 200 ? 14 : 18;
    const colW = Math.max(70, Math.min(150, Math.floor(width * 0.28)));
    const top = 22;
    this.geo = { rowH, colW, width, top };
    const h = top + T * rowH + 6;
    const ctx = sizeCanvas(this.canvas, width, h);
    ctx.clearRect(0, 0, width, h);
    ctx.font = `${rowH > 14 ? 12 : 11}px ${theme.font}`;
    ctx.textBaseline = 'middle';
    ctx.fillStyle = theme.muted;
    ctx.textAlign = 'right';
    ctx.fillText(t('ttQuery'), colW - 6, 10);
    ctx.textAlign = 'left';
    ctx.fillText(t('ttKey'), width - colW + 6, 10);
    const q = Math.min(this.query, T - 1);
    const row = this.values ? this.values.subarray(q * T, q * T + T) : undefined;
    const y = (i: number): number => top + (i + 0.5) * rowH;
    const xl = colW;
    const xr = width - colW;
    // lines first, under the labels
    if (row) {
      ctx.strokeStyle = css(theme.accent);
      for (let j = 0; j <= q; j++) {
        const a = applyScale(row[j], scale);
        if (a < 0.01) continue;
        ctx.globalAlpha = Math.min(1, a);
        ctx.lineWidth = 1 + 2.5 * a;
        ctx.beginPath();
        ctx.moveTo(xl, y(q));
        ctx.bezierCurveTo(xl + (xr - xl) * 0.4, y(q), xr - (xr - xl) * 0.4, y(j), xr, y(j));
        ctx.stroke();
      }
      ctx.globalAlpha = 1;
    }
    for (let i = 0; i < T; i++) {
      const label = shortLabel(this.tokens[i].text);
      // left: queries
      if (i === q) {
        ctx.fillStyle = css(theme.accent, 0.25);
        ctx.fillRect(4, y(i) - rowH / 2 + 1, colW - 8, rowH - 2);
        ctx.strokeStyle = theme.focus;
        ctx.lineWidth = 1;
        ctx.strokeRect(4.5, y(i) - rowH / 2 + 1.5, colW - 9, rowH - 3);
      }
      ctx.textAlign = 'right';
      ctx.fillStyle = i === q ? theme.fgCss : theme.muted;
      ctx.fillText(label, colW - 8, y(i));
      // right: keys, tinted by weight
      const w = row && i <= q ? row[i] : 0;
      if (row && i <= q) {
        const a = applyScale(w, scale);
        if (a > 0.02) {
          ctx.fillStyle = css(theme.accent, Math.min(0.8, a * 0.8));
          ctx.fillRect(xr + 4, y(i) - rowH / 2 + 1, colW - 8, rowH - 2);
        }
      }
      ctx.textAlign = 'left';
      ctx.fillStyle = row && i > q ? theme.hatch : theme.fgCss;
      ctx.fillText(label, xr + 8, y(i));
    }
  }

  private redraw(): void {
    if (this.last) this.draw(this.last.theme, this.last.scale, this.last.width);
  }

  private rowAt(y: number): number {
    const i = Math.floor((y - this.geo.top) / this.geo.rowH);
    return i >= 0 && i < this.tokens.length ? i : -1;
  }

  private onHover(e: MouseEvent): void {
    const j = this.rowAt(e.offsetY);
    if (j < 0) return this.tooltip.hide();
    const T = this.tokens.length;
    const q = Math.min(this.query, T - 1);
    if (e.offsetX < this.geo.width / 2) return this.tooltip.show(e.clientX, e.clientY, [`${quote(this.tokens[j].text)} #${j}`, ...describeLabel(this.tokens[j], labelWords()), t('clickToQuery')]);
    const w = this.values && j <= q ? this.values[q * T + j] : NaN;
    this.tooltip.show(e.clientX, e.clientY, [
      [t('ttQuery'), `${quote(this.tokens[q].text)} #${q}`],
      [t('ttKey'), `${quote(this.tokens[j].text)} #${j}`],
      [t('ttWeight'), j > q ? t('maskedLater') : fmt3(w)],
      ...describeLabel(this.tokens[q], labelWords()),
      ...(j === q ? [] : describeLabel(this.tokens[j], labelWords())),
    ]);
  }
}
