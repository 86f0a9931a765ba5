// The model overview: every layer × head as a small heatmap (canvas[data-layer][data-head]), plus
// a column with each layer's mean over heads (canvas[data-layer][data-aggregate="mean"]). A click
// or Enter opens one; arrow keys move between layers (↑/↓) and heads (←/→). Each head's thumbnail
// carries the head table's badges (overviewBadges.ts); a click on a badge opens its head too.
import type { ColorScale, HeadScoreRow, OverviewLayersMessage } from '../../src/shared/protocol';
import { type MatrixSource } from '../../src/shared/matrixSource';
import { dequantize, reviveQuantized } from '../../src/shared/quantize';
import { kvGroupOf, kvGroups } from '../../src/shared/kvGroups';
import { el, sizeCanvas } from './dom';
import { OverviewBadges } from './overviewBadges';
import { applyScale, css, type Theme } from './theme';
import type { Tooltip } from './tooltip';
import { t } from './text';

export interface OverviewEvents {
  open(source: MatrixSource, focusDetail: boolean): void;
}

/** The thumbnail canvas an event hit: the canvas itself, or the one whose badge was hit. */
function cellOf(target: EventTarget | null): HTMLCanvasElement | undefined {
  if (target instanceof HTMLCanvasElement) return target;
  return target instanceof Element ? (target.closest('.ov-wrap')?.querySelector('canvas') ?? undefined) : undefined;
}

export class OverviewGrid {
  readonly node: HTMLElement;
  readonly badges = new OverviewBadges();
  private cells: HTMLCanvasElement[] = [];
  private nLayer = 0;
  private nHead = 0;
  /** Key/value heads (grouped-query attention when fewer than nHead). */
  private nKvHead: number | undefined;
  private size = 0;
  /** Per cell (layer * (nHead + 1) + column): values scaled to [0, 1], [size × size]. */
  private thumbs: (Float32Array | undefined)[] = [];
  private focusIndex = 0;
  private cellPx = 40;

  constructor(
    private readonly events: OverviewEvents,
    private readonly tooltip: Tooltip,
  ) {
    this.node = el('div', { id: 'overview', class: 'overview', role: 'grid', 'aria-label': t('overviewAria') });
    this.node.addEventListener('click', (e) => {
      const cell = cellOf(e.target);
      const i = cell ? this.cells.indexOf(cell) : -1;
      if (i >= 0) {
        this.focusIndex = i;
        this.events.open(this.sourceAt(i), false);
      }
    });
    this.node.addEventListener('keydown', (e) => this.onKey(e));
    this.node.addEventListener('mousemove', (e) => {
      const cell = cellOf(e.target);
      const i = cell ? this.cells.indexOf(cell) : -1;
      if (i < 0) return this.tooltip.hide();
      const s = this.sourceAt(i);
      const lines = s.kind === 'head' ? [t('labelHead', s.layer, s.head)] : [t('labelLayerMean', s.layer)];
      if (s.kind === 'head' && kvGroups(this.nHead, this.nKvHead).length < this.nHead) {
        const g = kvGroupOf(s.head, this.nHead, this.nKvHead);
        lines.push(t('labelKvGroup', g.group, g.first, g.last));
      }
      if (s.kind === 'head') lines.push(...this.badges.names(s.layer, s.head));
      this.tooltip.show(e.clientX, e.clientY, [...lines, t('clickToOpen')]);
    });
    this.node.addEventListener('mouseleave', () => this.tooltip.hide());
  }

  /**
   * Lays out nLayer × nHead cells and the mean column. With grouped-query attention (nKvHead <
   * nHead) the heads that share a key/value head stand together: a labelled header over each group
   * and a gap between groups (the cells' order, and so every index below, is the same either way).
   */
  build(nLayer: number, nHead: number, width: number, nKvHead?: number): void {
    this.nLayer = nLayer;
    this.nHead = nHead;
    this.nKvHead = nKvHead;
    this.thumbs = [];
    const cols = nHead + 1;
    const groups = kvGroups(nHead, nKvHead);
    const grouped = groups.length < nHead;
    /** A gap before head h: at the start of every K/V group but the first. */
    const gapBefore = (h: number): boolean => grouped && h > 0 && groups.some((g) => g.first === h);
    this.cellPx = Math.max(18, Math.min(56, Math.floor((width - 44 - (grouped ? 4 * (groups.length - 1) : 0)) / cols) - 4));
    this.node.style.setProperty('--cell', `${this.cellPx}px`);
    this.node.style.gridTemplateColumns = grouped
      ? `auto ${groups.map((g) => `repeat(${g.last - g.first + 1}, var(--cell))`).join(' 4px ')} 6px var(--cell)`
      : `auto repeat(${nHead}, var(--cell)) 6px var(--cell)`;
    const nodes: HTMLElement[] = [];
    if (grouped) {
      nodes.push(el('span', { class: 'ov-corner', 'aria-hidden': 'true' }));
      for (const g of groups) {
        if (g.group > 0) nodes.push(el('span', { class: 'ov-gap' }));
        const label = el('span', { class: 'ov-kv', text: t('overviewKvGroup', g.group), 'aria-label': t('overviewKvGroupAria', g.first, g.last, g.group) });
        label.style.gridColumn = `span ${g.last - g.first + 1}`;
        nodes.push(label);
      }
      nodes.push(el('span', { class: 'ov-gap' }), el('span', { class: 'ov-corner', 'aria-hidden': 'true' }));
    }
    nodes.push(el('span', { class: 'ov-corner', role: 'columnheader', 'aria-hidden': 'true' }));
    for (let h = 0; h < nHead; h++) {
      if (gapBefore(h)) nodes.push(el('span', { class: 'ov-gap' }));
      nodes.push(el('span', { class: 'ov-col', role: 'columnheader', text: `H${h}` }));
    }
    nodes.push(el('span', { class: 'ov-gap' }), el('span', { class: 'ov-col', role: 'columnheader', text: t('overviewMeanColumn') }));
    this.cells = [];
    this.badges.build(nLayer, nHead);
    for (let l = 0; l < nLayer; l++) {
      nodes.push(el('span', { class: 'ov-row', role: 'rowheader', text: `L${l}` }));
      for (let c = 0; c < cols; c++) {
        const mean = c === nHead;
        const canvas = el('canvas', {
          class: mean ? 'ov-cell ov-mean' : 'ov-cell',
          role: 'gridcell',
          tabindex: -1,
          'data-layer': l,
          'data-head': mean ? undefined : c,
          'data-kv-group': !mean && grouped ? kvGroupOf(c, nHead, nKvHead).group : undefined,
          'data-aggregate': mean ? 'mean' : undefined,
          'aria-label': mean ? t('overviewCellMean', l) : t('overviewCellHead', l, c),
        });
        this.cells.push(canvas);
        if (mean || gapBefore(c)) nodes.push(el('span', { class: 'ov-gap' }));
        nodes.push(mean ? canvas : el('span', { class: 'ov-wrap' }, canvas, this.badges.slot(l, c)));
      }
    }
    this.node.replaceChildren(...nodes);
    this.node.setAttribute('aria-rowcount', String(nLayer));
    this.node.setAttribute('aria-colcount', String(cols));
    this.cells[this.focusIndex]?.setAttribute('tabindex', '0');
    if (!this.cells[this.focusIndex]) {
      this.focusIndex = 0;
      this.cells[0]?.setAttribute('tabindex', '0');
    }
  }

  /** Fills in the layers of a pushed batch (a batch from layer 0 starts afresh); the others stay blank. */
  setThumbs(msg: OverviewLayersMessage): void {
    const { nLayer, nHead, size, fromLayer, layers } = msg;
    const cols = nHead + 1;
    if (fromLayer === 0 || size !== this.size || this.thumbs.length !== nLayer * cols) this.thumbs = new Array(nLayer * cols);
    this.size = size;
    for (let l = fromLayer; l < Math.min(nLayer, fromLayer + layers); l++) {
      const mean = new Float32Array(size * size);
      for (let h = 0; h < nHead; h++) {
        const q = reviveQuantized(msg.thumbs[(l - fromLayer) * nHead + h]);
        const v = dequantize(q); // real pooled weights
        for (let i = 0; i < v.length; i++) mean[i] += v[i] / nHead;
        const k = 1 / q.scale;
        for (let i = 0; i < v.length; i++) v[i] *= k; // own max → 1
        this.thumbs[l * cols + h] = v;
      }
      let max = 0;
      for (const x of mean) max = Math.max(max, x);
      if (max > 0) for (let i = 0; i < mean.length; i++) mean[i] /= max;
      this.thumbs[l * cols + nHead] = mean;
    }
  }

  /** Shows the badges of the head table's rows (none: undefined), in the thumbnails' labels too. */
  setBadges(rows: readonly HeadScoreRow[] | undefined): void {
    this.badges.set(rows);
    this.cells.forEach((c, i) => {
      const s = this.sourceAt(i);
      if (s.kind !== 'head') return;
      const names = this.badges.names(s.layer, s.head);
      c.setAttribute('aria-label', [t('overviewCellHead', s.layer, s.head), ...names].join(', '));
    });
  }

  setSelected(source: MatrixSource): void {
    const cols = this.nHead + 1;
    const idx = source.kind === 'head' ? source.layer * cols + source.head : source.layer * cols + this.nHead;
    this.cells.forEach((c, i) => {
      const on = i === idx && source.kind !== 'rollout';
      c.classList.toggle('selected', on);
      c.setAttribute('aria-selected', String(on));
      c.classList.toggle('in-rollout', source.kind === 'rollout' && i % cols === this.nHead && Math.floor(i / cols) <= source.layer);
    });
    if (idx >= 0 && idx < this.cells.length) this.setFocusIndex(idx, false);
  }

  focus(): void {
    this.cells[this.focusIndex]?.focus();
  }

  /** Draws the cells of layers [fromLayer, toLayer) (default: all). */
  draw(theme: Theme, scale: ColorScale, fromLayer = 0, toLayer = this.nLayer): void {
    const px = this.cellPx;
    const cols = this.nHead + 1;
    this.cells.forEach((canvas, i) => {
      const layer = Math.floor(i / cols);
      if (layer < fromLayer || layer >= toLayer) return;
      const ctx = sizeCanvas(canvas, px, px);
      const t = this.thumbs[i];
      if (!t || !this.size) {
        ctx.fillStyle = css(theme.masked);
        ctx.fillRect(0, 0, px, px);
        return;
      }
      const S = this.size;
      const img = new ImageData(S, S);
      for (let r = 0; r < S; r++) {
        for (let c = 0; c < S; c++) {
          const o = (r * S + c) * 4;
          let rgb: readonly number[];
          if (c > r) rgb = theme.masked;
          else {
            const k = Math.round(applyScale(t[r * S + c], scale) * 255) * 3;
            rgb = [theme.ramp[k], theme.ramp[k + 1], theme.ramp[k + 2]];
          }
          img.data[o] = rgb[0];
          img.data[o + 1] = rgb[1];
          img.data[o + 2] = rgb[2];
          img.data[o + 3] = 255;
        }
      }
      const off = document.createElement('canvas');
      off.width = S;
      off.height = S;
      off.getContext('2d')?.putImageData(img, 0, 0);
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(off, 0, 0, px, px);
    });
  }

  private sourceAt(i: number): MatrixSource {
    const cols = this.nHead + 1;
    const layer = Math.floor(i / cols);
    const c = i % cols;
    return c === this.nHead ? { kind: 'layerMean', layer } : { kind: 'head', layer, head: c };
  }

  private setFocusIndex(i: number, focus: boolean): void {
    this.cells[this.focusIndex]?.setAttribute('tabindex', '-1');
    this.focusIndex = i;
    const c = this.cells[i];
    c?.setAttribute('tabindex', '0');
    if (focus) c?.focus();
  }

  private onKey(e: KeyboardEvent): void {
    const cols = this.nHead + 1;
    const i = this.focusIndex;
    let l = Math.floor(i / cols);
    let c = i % cols;
    switch (e.key) {
      case 'ArrowUp':
        l = Math.max(0, l - 1);
        break;
      case 'ArrowDown':
        l = Math.min(this.nLayer - 1, l + 1);
        break;
      case 'ArrowLeft':
        c = Math.max(0, c - 1);
        break;
      case 'ArrowRight':
        c = Math.min(cols - 1, c + 1);
        break;
      case 'Home':
        c = 0;
        break;
      case 'End':
        c = cols - 1;
        break;
      case 'Enter':
      case ' ':
        e.preventDefault();
        this.events.open(this.sourceAt(i), true);
        return;
      default:
        return;
    }
    e.preventDefault();
    this.setFocusIndex(l * cols + c, true);
  }
}
