// The panel's Compare section: both runs' progress (each with Cancel), then the token groups as
// aligned (inserted and deleted tokens marked), the heads ranked by how much their map changed,
// the selected head pair's maps of A and B and the difference B − A with its legend, per-group
// surprisal of both and the difference, and both models' predictions after the selected group.
// Hooks for the e2e tests: #compare, #compare-progress .compare-side[data-side][data-stage],
// button[data-cancel], #compare-close, #compare-notes, #compare-heads tr[data-layer-a][data-head-a],
// #compare-map-a, #compare-map-b, #compare-diff, #compare-legend, #compare-pair,
// #compare-tokens .cmp-token[data-group][data-kind], #compare-surprisal, #compare-predictions.
import {
  PanelMessageType as M,
  type CompareMapsMessage,
  type CompareProgressMessage,
  type CompareReadyMessage,
  type CompareStartedMessage,
  type Handlers,
  type Prediction,
  type ToWebviewMessage,
} from '../../src/shared/protocol';
import { labelTokens, tokenBytesOf } from '../../src/shared/tokenLabels';
import type { Token } from '../../src/shared/token';
import { send } from './api';
import { drawDivergingLegend, drawMap, drawSurprisal, mapFigure } from './compareCharts';
import { el, visibleText } from './dom';
import type { Layout } from './layout';
import { onThemeChange, readTheme, type Theme } from './theme';
import { t } from './text';

type CompareTypes = M.CompareStarted | M.CompareProgress | M.CompareReady | M.CompareMaps;

const decoder = new TextDecoder();

/** The characters a range of tokens holds (byte tokens joined back into their characters), else their labels. */
function rangeText(tokens: readonly Token[], labels: readonly string[], [from, to]: [number, number]): string {
  const parts = tokens.slice(from, to).map(tokenBytesOf);
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) bytes.set(p, (o += p.length) - p.length);
  const s = decoder.decode(bytes);
  return s.includes('\uFFFD') ? labels.slice(from, to).join('') : s;
}

const sumOf = (xs: readonly (number | null)[], [from, to]: [number, number]): number => {
  let s = 0;
  for (let k = from; k < to; k++) s += xs[k] ?? NaN;
  return to > from ? s : NaN;
};
const fmt = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(3));

export class CompareView {
  readonly node: HTMLElement;
  private readonly title = el('span', { id: 'compare-title', class: 'h-sub' });
  private readonly progress = el('div', { id: 'compare-progress', class: 'compare-progress' });
  private readonly notes = el('div', { id: 'compare-notes', class: 'compare-notes' });
  private readonly heads = el('table', { id: 'compare-heads', class: 'compare-heads' });
  private readonly pair = el('div', { id: 'compare-pair', class: 'compare-pair' });
  private readonly maps = [mapFigure('compare-map-a', t('compareMapA')), mapFigure('compare-map-b', t('compareMapB')), mapFigure('compare-diff', t('compareMapDiff'))];
  private readonly legend = el('canvas', { id: 'compare-legend', role: 'img' });
  private readonly tokens = el('div', { id: 'compare-tokens', class: 'compare-tokens' });
  private readonly surprisal = el('canvas', { id: 'compare-surprisal', role: 'img', 'aria-label': t('compareSurprisalAria') });
  private readonly predictions = el('div', { id: 'compare-predictions', class: 'compare-predictions' });
  private readonly body: HTMLElement;
  private id = 0;
  private ready: CompareReadyMessage | undefined;
  private shown: CompareMapsMessage | undefined;
  private labels: { a: string[]; b: string[] } = { a: [], b: [] };
  /** The selected token group (index into ready.groups). */
  private group = 0;

  constructor() {
    const close = el('button', { type: 'button', id: 'compare-close', title: t('compareCloseTitle'), text: t('compareClose') });
    close.addEventListener('click', () => {
      send({ type: M.CompareClose, compareId: this.id });
      this.node.hidden = true;
    });
    const maps = el('div', { class: 'compare-maps' }, ...this.maps.map((m) => m.node));
    this.body = el(
      'div',
      { class: 'compare-body', hidden: true },
      this.notes,
      el('div', { class: 'compare-grid' }, el('div', { class: 'compare-heads-wrap' }, el('h3', { text: t('compareHeadsTable') }), this.heads), el('div', {}, this.pair, maps, this.legend)),
      el('h3', { text: t('tokensHeading') }),
      this.tokens,
      el('h3', { text: t('compareSurprisal') }),
      this.surprisal,
      this.predictions,
    );
    this.node = el(
      'section',
      { id: 'compare', class: 'card compare-card', 'aria-labelledby': 'compare-h', hidden: true },
      el('div', { class: 'detail-head' }, el('h2', { id: 'compare-h' }, t('compareHeading'), ' ', this.title), close),
      this.progress,
      this.body,
    );
    for (const m of this.maps) m.canvas.addEventListener('mousemove', (e) => this.hover(m.canvas, e));
  }

  /** Puts the section above the analysis and the Compare… button in the toolbar; redraws on theme changes and resizes. */
  mount(ui: Pick<Layout, 'app' | 'content' | 'toolbar'>): void {
    ui.app.insertBefore(this.node, ui.content);
    const open = el('button', { type: 'button', id: 'compare-open', class: 'toggle', title: t('compareButtonTitle'), text: t('compareButton') });
    open.addEventListener('click', () => send({ type: M.CompareOpen }));
    ui.toolbar.append(open);
    onThemeChange(() => this.redraw());
    new ResizeObserver(() => this.redraw()).observe(this.node);
  }

  readonly handlers: Pick<Handlers<ToWebviewMessage>, CompareTypes> = {
    [M.CompareStarted]: (m) => this.started(m),
    [M.CompareProgress]: (m) => this.onProgress(m),
    [M.CompareReady]: (m) => this.onReady(m),
    [M.CompareMaps]: (m) => {
      if (m.compareId !== this.id) return;
      this.shown = m;
      this.drawMaps(readTheme());
      this.markHead();
    },
  };

  /** Redraws the canvases (theme change, resize). */
  redraw(): void {
    if (this.node.hidden || !this.ready) return;
    const theme = readTheme();
    this.drawMaps(theme);
    this.drawSurprisal(theme);
  }

  private started(m: CompareStartedMessage): void {
    this.id = m.compareId;
    this.ready = undefined;
    this.shown = undefined;
    this.group = 0;
    this.node.hidden = false;
    this.body.hidden = true;
    this.title.textContent = m.mode === 'models' ? t('compareModels', m.labelA, m.labelB) : t('compareTexts', m.labelA, m.labelB);
    this.progress.replaceChildren(...(['a', 'b'] as const).map((side) => this.sideLine(side)));
    this.node.scrollIntoView?.({ block: 'nearest' });
  }

  private sideLine(side: 'a' | 'b'): HTMLElement {
    const cancel = el('button', { type: 'button', 'data-cancel': side, text: t('compareCancel', side.toUpperCase()) });
    cancel.addEventListener('click', () => send({ type: M.CompareCancel, compareId: this.id, side }));
    return el('div', { class: 'compare-side', 'data-side': side, 'data-stage': 'model' }, el('span', { class: 'compare-side-text', text: t('compareSideModel', side.toUpperCase()) }), cancel);
  }

  private onProgress(m: CompareProgressMessage): void {
    if (m.compareId !== this.id) return;
    const line = this.progress.querySelector<HTMLElement>(`.compare-side[data-side="${m.side}"]`);
    if (!line) return;
    const name = m.side.toUpperCase();
    line.dataset.stage = m.stage;
    const text = line.querySelector('.compare-side-text');
    if (text)
      text.textContent =
        m.stage === 'model'
          ? t('compareSideModel', name)
          : m.stage === 'analysis'
            ? t('compareSideLayers', name, m.layers, m.nLayer)
            : m.stage === 'done'
              ? t('compareSideDone', name)
              : m.stage === 'cancelled'
                ? t('compareSideCancelled', name)
                : t('compareSideFailed', name, m.message ?? '');
    const cancel = line.querySelector<HTMLButtonElement>('button[data-cancel]');
    if (cancel) cancel.hidden = m.stage === 'done' || m.stage === 'cancelled' || m.stage === 'failed';
    if (m.stage === 'done' && [...this.progress.querySelectorAll<HTMLElement>('.compare-side')].every((l) => l.dataset.stage === 'done')) {
      this.progress.dataset.ranking = 'true';
      this.progress.title = t('compareRanking');
    }
  }

  private onReady(m: CompareReadyMessage): void {
    if (m.compareId !== this.id) return;
    this.ready = m;
    if (m.mode === 'models') this.title.textContent = t('compareModels', m.a.name, m.b.name); // the names as the engines loaded them
    this.labels = { a: labelTokens(m.a.tokens).map((l) => l.text), b: labelTokens(m.b.tokens).map((l) => l.text) };
    this.body.hidden = false;
    const notes: string[] = [];
    const count = (k: string): number => m.groups.filter((g) => g.kind === k).length;
    if (m.alignment === 'identical') notes.push(t('compareAlignIdentical'));
    else if (m.alignment === 'spans') notes.push(t('compareAlignSpans', m.compared.length));
    else notes.push(t('compareAlignDiff', m.compared.length, count('onlyA'), count('onlyB')));
    if (m.layersRelative) notes.push(t('compareLayersRelative', m.a.nLayer, m.b.nLayer));
    if (m.headsRelative) notes.push(t('compareHeadsRelative', m.a.nHead, m.b.nHead));
    this.notes.replaceChildren(...notes.map((n) => el('p', { text: n })));
    this.fillHeads(m);
    this.fillTokens(m);
    this.group = m.compared[m.compared.length - 1] ?? 0;
    this.selectGroup(this.group);
    const top = m.heads[0];
    if (top) send({ type: M.CompareSelectHead, compareId: m.compareId, layerA: top.layerA, headA: top.headA });
  }

  private fillHeads(m: CompareReadyMessage): void {
    const rows = m.heads.map((h) => {
      const b = el('button', { type: 'button', class: 'link', text: t('compareHeadPair', h.layerA, h.headA, h.layerB, h.headB) });
      b.addEventListener('click', () => send({ type: M.CompareSelectHead, compareId: m.compareId, layerA: h.layerA, headA: h.headA }));
      return el('tr', { 'data-layer-a': h.layerA, 'data-head-a': h.headA }, el('td', {}, b), el('td', { class: 'num', text: fmt(h.meanAbsDiff) }));
    });
    this.heads.replaceChildren(el('thead', {}, el('tr', {}, el('th', { text: '' }), el('th', { text: t('compareMeanAbs') }))), el('tbody', {}, ...rows));
  }

  private fillTokens(m: CompareReadyMessage): void {
    const chips = m.groups.map((g, i) => {
      const side = g.kind === 'onlyB' ? 'b' : 'a';
      const text = rangeText(m[side].tokens, this.labels[side], g[side]);
      const sa = sumOf(m.a.surprisal, g.a);
      const sb = sumOf(m.b.surprisal, g.b);
      const chip = el('button', {
        type: 'button',
        class: `cmp-token ${g.kind}`,
        'data-group': i,
        'data-kind': g.kind,
        title: t('compareTokenTitle', text, fmt(sa), fmt(sb), fmt(sb - sa)),
        text: visibleText(text) || '∅',
      });
      chip.addEventListener('click', () => this.selectGroup(i));
      return chip;
    });
    this.tokens.replaceChildren(...chips);
  }

  private selectGroup(i: number): void {
    const m = this.ready;
    if (!m) return;
    this.group = i;
    for (const c of this.tokens.querySelectorAll<HTMLElement>('.cmp-token')) c.setAttribute('aria-pressed', String(Number(c.dataset.group) === i));
    const g = m.groups[i];
    const column = (side: 'a' | 'b', name: string): HTMLElement | undefined => {
      const [from, to] = g[side];
      if (to <= from) return undefined;
      const p: Prediction | undefined = m[side].predictions[to - 1];
      const rows = (p?.texts ?? []).slice(0, 5).map((text, r) => el('li', { text: `${visibleText(text)}  ${(p!.probs[r] * 100).toFixed(1)}%` }));
      return el('div', { class: 'pred-card' }, el('h3', { text: `${name}: ${t('comparePredictions', visibleText(rangeText(m[side].tokens, this.labels[side], g[side])))}` }), el('ol', { class: 'pred-list' }, ...rows));
    };
    this.predictions.replaceChildren(...[column('a', `A · ${m.a.name}`), column('b', `B · ${m.b.name}`)].filter((x): x is HTMLElement => x !== undefined));
    this.drawSurprisal(readTheme());
  }

  private drawSurprisal(theme: Theme): void {
    const m = this.ready;
    if (!m) return;
    const a = m.compared.map((gi) => sumOf(m.a.surprisal, m.groups[gi].a));
    const b = m.compared.map((gi) => sumOf(m.b.surprisal, m.groups[gi].b));
    drawSurprisal(this.surprisal, theme, a, b, m.compared.indexOf(this.group), Math.max(200, this.node.clientWidth - 32));
  }

  private drawMaps(theme: Theme): void {
    const s = this.shown;
    if (!s) return;
    let top = 0;
    let dmax = 0;
    for (let i = 0; i < s.a.length; i++) top = Math.max(top, s.a[i], s.b[i]);
    for (const d of s.diff) dmax = Math.max(dmax, Math.abs(d));
    const size = Math.max(120, Math.min(280, (this.node.clientWidth - 280) / 3));
    drawMap(this.maps[0].canvas, theme, s.G, s.a, 'seq', top, size);
    drawMap(this.maps[1].canvas, theme, s.G, s.b, 'seq', top, size);
    drawMap(this.maps[2].canvas, theme, s.G, s.diff, 'div', dmax, size);
    drawDivergingLegend(this.legend, theme, dmax, size * 3);
    this.pair.textContent = t('compareHeadPair', s.layerA, s.headA, s.layerB, s.headB);
  }

  private markHead(): void {
    const s = this.shown;
    for (const tr of this.heads.querySelectorAll<HTMLElement>('tbody tr')) {
      tr.setAttribute('aria-selected', String(s !== undefined && Number(tr.dataset.layerA) === s.layerA && Number(tr.dataset.headA) === s.headA));
    }
  }

  /** The cell under the mouse, as the canvas's title: its query and key groups and the three values. */
  private hover(canvas: HTMLCanvasElement, e: MouseEvent): void {
    const s = this.shown;
    const m = this.ready;
    if (!s || !m || s.G === 0) return;
    const r = canvas.getBoundingClientRect();
    const q = Math.floor(((e.clientY - r.top) / r.height) * s.G);
    const k = Math.floor(((e.clientX - r.left) / r.width) * s.G);
    if (q < 0 || k < 0 || q >= s.G || k >= s.G) return;
    const name = (g: number): string => rangeText(m.a.tokens, this.labels.a, m.groups[m.compared[g]].a);
    const i = q * s.G + k;
    canvas.title = t('compareCellTitle', visibleText(name(q)), visibleText(name(k)), fmt(s.a[i]), fmt(s.b[i]), fmt(s.diff[i]));
  }
}
