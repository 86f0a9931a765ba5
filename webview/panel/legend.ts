// The colour legend of the matrix: the ramp through the current scale, with ticks at fixed
// weights (so the gamma scale visibly stretches the small ones), and a swatch for masked cells.
import type { ColorScale } from '../../src/shared/protocol';
import { el, sizeCanvas } from './dom';
import { applyScale, css, rampAt, type Theme } from './theme';
import { t } from './text';

const TICKS = [0, 0.01, 0.05, 0.1, 0.25, 0.5, 1];

export class Legend {
  readonly node: HTMLElement;
  private readonly canvas: HTMLCanvasElement;

  constructor() {
    this.canvas = el('canvas', { class: 'legend-canvas', role: 'img' });
    this.node = el('div', { class: 'legend' }, this.canvas);
  }

  draw(theme: Theme, scale: ColorScale, width: number): void {
    const w = Math.max(160, Math.min(width, 420));
    const h = 34;
    const ctx = sizeCanvas(this.canvas, w, h);
    const barX = 64;
    const barW = w - barX - 8;
    ctx.clearRect(0, 0, w, h);
    // masked swatch
    ctx.fillStyle = css(theme.masked);
    ctx.fillRect(0, 4, 12, 12);
    ctx.strokeStyle = theme.hatch;
    ctx.beginPath();
    for (let d = -12; d < 12; d += 4) {
      ctx.moveTo(d, 16);
      ctx.lineTo(d + 12, 4);
    }
    ctx.save();
    ctx.rect(0, 4, 12, 12);
    ctx.clip();
    ctx.stroke();
    ctx.restore();
    ctx.fillStyle = theme.muted;
    ctx.font = `11px ${theme.font}`;
    ctx.textBaseline = 'middle';
    ctx.fillText(t('legendMasked'), 16, 10);
    // ramp: the colour at x is the colour of the weight whose scaled value is x
    for (let x = 0; x < barW; x++) {
      ctx.fillStyle = css(rampAt(theme, x / (barW - 1)));
      ctx.fillRect(barX + x, 4, 1.5, 12);
    }
    ctx.strokeStyle = theme.hatch;
    ctx.strokeRect(barX + 0.5, 4.5, barW - 1, 11);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    let lastX = -Infinity;
    for (const t of TICKS) {
      const x = barX + applyScale(t, scale) * (barW - 1);
      ctx.fillStyle = theme.hatch;
      ctx.fillRect(Math.round(x), 16, 1, 4);
      const label = t === 0 ? '0' : t === 1 ? '1' : String(t).replace(/^0/, '');
      if (x - lastX < 22) continue;
      ctx.fillStyle = theme.muted;
      ctx.fillText(label, Math.min(w - 8, x), 21);
      lastX = x;
    }
    this.canvas.setAttribute('aria-label', t('legendAria', scale === 'gamma' ? t('legendGamma') : t('legendLinear')));
  }
}
