// Per-token surprisal (−log₂ p of each actual token) as bars coloured by GLTR bucket; hover shows
// the numbers, a click selects the token.
import { BUCKETS, surprisalBucket, type SurprisalBucket } from '../../src/analysis/gltr';
import type { PanelTextKey } from '../../src/shared/panelText';
import type { ActualToken } from '../../src/shared/protocol';
import { el, fmt3, quote, sizeCanvas } from './dom';
import type { Theme } from './theme';
import type { Tooltip } from './tooltip';
import { labelWords, t } from './text';
import { describeLabel, type TokenLabel } from '../../src/shared/tokenLabels';

const H = 44;

const BUCKET_TEXT: Record<SurprisalBucket, PanelTextKey> = { top10: 'bucketTop10', top100: 'bucketTop100', top1000: 'bucketTop1000', beyond: 'bucketBeyond' };

export class SurprisalStrip {
  readonly node: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly legend: HTMLElement;
  private tokens: readonly TokenLabel[] = [];
  private actual: readonly ActualToken[] = [];
  private barW = 6;
  private selected = -1;
  private theme: Theme | undefined;

  constructor(
    private readonly tooltip: Tooltip,
    private readonly onSelect: (i: number) => void,
  ) {
    this.canvas = el('canvas', { id: 'surprisal', class: 'surprisal-canvas', role: 'img' });
    this.legend = el('div', { class: 'gltr-legend' });
    this.node = el('div', { class: 'surprisal' }, el('div', { class: 'surprisal-scroll' }, this.canvas), this.legend);
    this.canvas.addEventListener('mousemove', (e) => this.hover(e));
    this.canvas.addEventListener('mouseleave', () => this.tooltip.hide());
    this.canvas.addEventListener('click', (e) => {
      const i = Math.floor(e.offsetX / this.barW);
      if (i >= 0 && i < this.tokens.length) this.onSelect(i);
    });
  }

  /** `tokens`: the run's token labels (labelTokens). */
  set(tokens: readonly TokenLabel[], actual: readonly ActualToken[]): void {
    this.tokens = tokens;
    this.actual = actual;
    const mean = actual.slice(1).reduce((s, a) => s + a.surprisal, 0) / Math.max(1, actual.length - 1);
    this.canvas.setAttribute('aria-label', t('surprisalAria', mean.toFixed(2), Math.max(0, actual.length - 1)));
  }

  setSelected(i: number): void {
    this.selected = i;
    if (this.theme) this.draw(this.theme);
  }

  draw(theme: Theme): void {
    this.theme = theme;
    const width = Math.max(120, this.node.clientWidth || 400);
    const n = this.tokens.length;
    this.barW = Math.max(3, Math.min(16, Math.floor(width / Math.max(1, n))));
    const ctx = sizeCanvas(this.canvas, Math.max(width, this.barW * n), H);
    const max = Math.max(16, ...this.actual.map((a) => (Number.isFinite(a.surprisal) ? a.surprisal : 0)));
    ctx.fillStyle = theme.hatch;
    ctx.fillRect(0, H - 1, this.barW * n, 1);
    this.actual.forEach((a, i) => {
      const b = surprisalBucket(a.rank);
      const x = i * this.barW;
      if (i === this.selected) {
        ctx.fillStyle = theme.focus;
        ctx.fillRect(x, 0, this.barW, 2);
      }
      if (!b) return;
      const h = Math.max(1, (Math.min(a.surprisal, max) / max) * (H - 6));
      ctx.fillStyle = theme.gltr[b];
      ctx.globalAlpha = i === this.selected || this.selected < 0 ? 1 : 0.75;
      ctx.fillRect(x + (this.barW > 4 ? 0.5 : 0), H - 1 - h, Math.max(1, this.barW - (this.barW > 4 ? 1 : 0)), h);
      ctx.globalAlpha = 1;
    });
    this.legend.replaceChildren(
      el('span', { class: 'muted', text: t('surprisalLegend') }),
      ...BUCKETS.map((b) => {
        const sw = el('span', { class: `swatch gltr-${b.id}` });
        sw.style.backgroundColor = theme.gltr[b.id];
        return el('span', { class: 'gltr-item' }, sw, t(BUCKET_TEXT[b.id]));
      }),
    );
  }

  private hover(e: MouseEvent): void {
    const i = Math.floor(e.offsetX / this.barW);
    const tok = this.tokens[i];
    const a = this.actual[i];
    if (!tok || !a) return this.tooltip.hide();
    if (!Number.isFinite(a.rank)) return this.tooltip.show(e.clientX, e.clientY, [`${quote(tok.text)} #${i}`, ...describeLabel(tok, labelWords()), t('firstToken')]);
    this.tooltip.show(e.clientX, e.clientY, [
      `${quote(tok.text)} #${i}`,
      ...describeLabel(tok, labelWords()),
      [t('ttSurprisal'), t('bits', a.surprisal.toFixed(2))],
      [t('ttProbability'), fmt3(a.prob)],
      [t('ttRank'), String(a.rank)],
    ]);
  }
}
