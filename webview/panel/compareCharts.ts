// The Compare section's canvases: the maps of A and B on the compared token groups (the panel's
// sequential ramp), their difference B − A on a diverging scale (less in B one colour, more in B
// another, 0 the background), the shared legend of that scale, and per-group surprisal bars.
import { el, sizeCanvas } from './dom';
import { css, parseColor, rampAt, type RGB, type Theme } from './theme';
import { t } from './text';

/** The two ends of the diverging scale, from the theme's chart colours. */
export function divergingEnds(): { less: RGB; more: RGB } {
  const s = getComputedStyle(document.body);
  const v = (name: string): string => s.getPropertyValue(name).trim();
  return {
    less: parseColor(v('--vscode-charts-blue'), [55, 148, 255]),
    more: parseColor(v('--vscode-charts-orange') || v('--vscode-charts-red'), [240, 120, 40]),
  };
}

const mix = (a: RGB, b: RGB, t: number): RGB => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];

/** The colour of a difference `d` on a scale from −max to +max. */
export function divergingColor(theme: Theme, ends: { less: RGB; more: RGB }, d: number, max: number): RGB {
  if (!(max > 0) || !Number.isFinite(d)) return theme.bg;
  const x = Math.min(1, Math.abs(d) / max);
  return mix(theme.bg, d < 0 ? ends.less : ends.more, x);
}

/**
 * Paints a [G × G] map (row = query group, column = key group) into `canvas` at `size` CSS pixels:
 * `kind` seq: weights in [0, max] on the ramp; div: differences on the diverging scale ±max. Cells
 * a causal model cannot fill (key after query) are the masked colour.
 */
export function drawMap(canvas: HTMLCanvasElement, theme: Theme, G: number, values: Float32Array, kind: 'seq' | 'div', max: number, size: number): void {
  const ctx = sizeCanvas(canvas, size, size);
  ctx.clearRect(0, 0, size, size);
  if (G === 0) return;
  const img = ctx.createImageData(G, G);
  const ends = kind === 'div' ? divergingEnds() : undefined;
  for (let q = 0; q < G; q++) {
    for (let k = 0; k < G; k++) {
      const v = values[q * G + k];
      const c = k > q ? theme.masked : ends ? divergingColor(theme, ends, v, max) : rampAt(theme, max > 0 ? v / max : 0);
      const o = (q * G + k) * 4;
      img.data[o] = c[0];
      img.data[o + 1] = c[1];
      img.data[o + 2] = c[2];
      img.data[o + 3] = 255;
    }
  }
  // G × G pixels scaled up without smoothing: each cell stays a sharp square
  const off = document.createElement('canvas');
  off.width = G;
  off.height = G;
  off.getContext('2d')?.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(off, 0, 0, size, size);
}

/** The diverging scale's legend: −max … 0 … +max, with what each end means. */
export function drawDivergingLegend(canvas: HTMLCanvasElement, theme: Theme, max: number, width: number): void {
  const w = Math.max(200, Math.min(width, 420));
  const h = 34;
  const ctx = sizeCanvas(canvas, w, h);
  ctx.clearRect(0, 0, w, h);
  const ends = divergingEnds();
  const barX = 8;
  const barW = w - 16;
  for (let x = 0; x < barW; x++) {
    const d = ((x / (barW - 1)) * 2 - 1) * max;
    ctx.fillStyle = css(divergingColor(theme, ends, d, max));
    ctx.fillRect(barX + x, 4, 1.5, 12);
  }
  ctx.strokeStyle = theme.hatch;
  ctx.strokeRect(barX + 0.5, 4.5, barW - 1, 11);
  ctx.fillStyle = theme.muted;
  ctx.font = `11px ${theme.font}`;
  ctx.textBaseline = 'top';
  const m = max.toFixed(3);
  ctx.textAlign = 'left';
  ctx.fillText(`−${m} ${t('compareLegendLess')}`, barX, 20);
  ctx.textAlign = 'center';
  ctx.fillText('0', barX + barW / 2, 20);
  ctx.textAlign = 'right';
  ctx.fillText(`${t('compareLegendMore')} +${m}`, barX + barW, 20);
  canvas.setAttribute('aria-label', t('compareLegendAria', m));
}

/**
 * Surprisal per compared group: A's bar and B's bar side by side, and B − A as a thin bar above or
 * below the middle line of a lower band. NaN (the first token) draws nothing.
 */
export function drawSurprisal(canvas: HTMLCanvasElement, theme: Theme, a: number[], b: number[], selected: number, width: number): void {
  const n = a.length;
  const h = 90;
  const ctx = sizeCanvas(canvas, width, h);
  ctx.clearRect(0, 0, width, h);
  if (n === 0) return;
  const finite = (x: number): boolean => Number.isFinite(x);
  const top = Math.max(1, ...a.filter(finite), ...b.filter(finite));
  const dmax = Math.max(1e-9, ...a.map((x, i) => Math.abs(b[i] - x)).filter(finite));
  const cell = width / n;
  const bandH = 50;
  const ends = divergingEnds();
  for (let i = 0; i < n; i++) {
    const x = i * cell;
    if (i === selected) {
      ctx.fillStyle = css(theme.masked);
      ctx.fillRect(x, 0, cell, h);
    }
    const bw = Math.max(1, cell / 2 - 1);
    if (finite(a[i])) {
      ctx.fillStyle = css(ends.less);
      const bh = (a[i] / top) * (bandH - 4);
      ctx.fillRect(x + 0.5, bandH - bh, bw, bh);
    }
    if (finite(b[i])) {
      ctx.fillStyle = css(ends.more);
      const bh = (b[i] / top) * (bandH - 4);
      ctx.fillRect(x + cell / 2, bandH - bh, bw, bh);
    }
    const d = b[i] - a[i];
    if (finite(d)) {
      const mid = bandH + 20;
      const dh = (Math.abs(d) / dmax) * 18;
      ctx.fillStyle = css(divergingColor(theme, ends, d, dmax));
      ctx.fillRect(x + 0.5, d >= 0 ? mid - dh : mid, Math.max(1, cell - 1), dh);
    }
  }
  ctx.fillStyle = theme.hatch;
  ctx.fillRect(0, bandH + 20, width, 1);
}

/** A canvas for one map with its caption. */
export function mapFigure(id: string, caption: string): { node: HTMLElement; canvas: HTMLCanvasElement; caption: HTMLElement } {
  const canvas = el('canvas', { id, class: 'compare-map', role: 'img' });
  const cap = el('figcaption', { text: caption });
  return { node: el('figure', { class: 'compare-figure' }, canvas, cap), canvas, caption: cap };
}
