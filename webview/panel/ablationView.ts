// The Heads tab's ablation (issue 15): the heads ticked in the table, zero or mean, "Ablate heads";
// then the change of each token's next-token loss as a diverging strip (red: the token became
// harder to predict, blue: easier), the top predictions at the selected position before and after,
// and a later layer's head opened beside the original: both maps drawn side by side (the ablated
// run's maps are asked for by its own runId).
import type { AblationMode, HeadRef } from '../../src/shared/interventionTypes';
import { PanelMessageType, type AblationReadyMessage, type Prediction } from '../../src/shared/protocol';
import type { MatrixSource } from '../../src/shared/matrixSource';
import { dequantize, reviveQuantized } from '../../src/shared/quantize';
import type { TokenLabel } from '../../src/shared/tokenLabels';
import { host, send } from './api';
import { el, pct, quote, sizeCanvas } from './dom';
import { segmented, type Segmented } from './layout';
import { t } from './text';

const fmt = (x: number | null): string => (x === null || !Number.isFinite(x) ? '–' : x.toFixed(2));
const signed = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(2)}`;
/** Side of each map of the comparison, in CSS pixels. */
const MAP_SIZE = 220;

export class AblationView {
  readonly node: HTMLElement;
  private readonly modeToggle: Segmented<AblationMode>;
  private readonly button: HTMLButtonElement;
  private readonly status: HTMLElement;
  private readonly summary: HTMLElement;
  private readonly strip: HTMLElement;
  private readonly before: HTMLElement;
  private readonly after: HTMLElement;
  private readonly compareBar: HTMLElement;
  private readonly layerSelect: HTMLSelectElement;
  private readonly headSelect: HTMLSelectElement;
  private readonly maps: HTMLElement;
  private mode: AblationMode = 'zero';
  private chosen: HeadRef[] = [];
  private runId = -1;
  private shape = { nLayer: 0, nHead: 0 };
  private labels: readonly TokenLabel[] = [];
  private result: AblationReadyMessage | undefined;
  private query = 0;
  private compareAsk: AbortController | undefined;

  constructor(private readonly selectQuery: (i: number) => void) {
    this.modeToggle = segmented<AblationMode>(
      t('ablateMode'),
      [
        { value: 'zero', text: t('ablateZero'), title: t('ablateZeroTitle') },
        { value: 'mean', text: t('ablateMean'), title: t('ablateMeanTitle') },
      ],
      (m) => {
        this.mode = m;
        this.modeToggle.set(m);
      },
    );
    this.modeToggle.set(this.mode);
    this.button = el('button', { type: 'button', id: 'ablate-heads', title: t('ablateButtonTitle'), text: t('ablateButton', 0) });
    this.button.addEventListener('click', () => this.ablate());
    this.status = el('span', { id: 'ablate-status', class: 'heads-status muted', role: 'status', 'aria-live': 'polite' });
    this.summary = el('div', { id: 'ablate-summary', class: 'ablate-summary' });
    this.strip = el('div', { id: 'ablate-strip', class: 'ablate-strip', role: 'list', 'aria-label': t('ablateStripAria') });
    this.strip.addEventListener('click', (e) => {
      const cell = (e.target as HTMLElement).closest<HTMLElement>('[data-index]');
      if (cell) this.selectQuery(Number(cell.dataset.index));
    });
    this.before = el('div', { class: 'ablate-preds', id: 'ablate-before' });
    this.after = el('div', { class: 'ablate-preds', id: 'ablate-after' });
    this.layerSelect = el('select', { id: 'ablate-layer', 'aria-label': t('ablateCompareLayer') });
    this.headSelect = el('select', { id: 'ablate-head', 'aria-label': t('ablateCompareHead') });
    const open = el('button', { type: 'button', id: 'ablate-open', class: 'secondary', text: t('ablateOpen') });
    open.addEventListener('click', () => this.compare());
    this.compareBar = el('div', { class: 'heads-bar' }, el('span', { text: t('ablateCompareLayer') }), this.layerSelect, el('span', { text: t('ablateCompareHead') }), this.headSelect, open);
    this.maps = el('div', { class: 'ablate-maps', id: 'ablate-maps' });
    this.node = el(
      'div',
      { class: 'ablation', role: 'region', 'aria-label': t('ablateHeading') },
      el('div', { class: 'heads-bar' }, el('strong', { text: t('ablateHeading') }), this.modeToggle.node, this.button, this.status),
      this.summary,
      this.strip,
      el('div', { class: 'ablate-pred-pair' }, this.before, this.after),
      this.compareBar,
      this.maps,
    );
    this.reset(-1, 0, 0, []);
  }

  /** A new run: nothing chosen, nothing shown. */
  reset(runId: number, nLayer: number, nHead: number, labels: readonly TokenLabel[]): void {
    this.runId = runId;
    this.shape = { nLayer, nHead };
    this.labels = labels;
    this.result = undefined;
    this.compareAsk?.abort();
    this.summary.replaceChildren();
    this.strip.replaceChildren();
    this.before.replaceChildren();
    this.after.replaceChildren();
    this.maps.replaceChildren();
    this.compareBar.hidden = true;
    this.setStatus(t('ablateNone'));
    this.syncButton();
  }

  /** The heads ticked in the table. */
  setChosen(heads: HeadRef[]): void {
    this.chosen = heads;
    this.syncButton();
    if (!this.result) this.setStatus(heads.length ? '' : t('ablateNone'));
  }

  /** The selected position: its predictions before and after. */
  setQuery(i: number): void {
    this.query = i;
    this.renderPredictions();
    for (const c of this.strip.children) (c as HTMLElement).classList.toggle('selected', Number((c as HTMLElement).dataset.index) === i);
  }

  show(m: AblationReadyMessage): void {
    if (m.runId !== this.runId) return;
    this.button.disabled = false;
    if (m.error) {
      this.setStatus(m.error, true);
      return;
    }
    this.result = m;
    this.setStatus('');
    const names = m.heads.map((h) => `L${h.layer}H${h.head}`).join(', ');
    this.summary.textContent = t('ablateSummary', names, m.mode === 'zero' ? t('ablateZero') : t('ablateMean'), fmt(m.baseLoss), fmt(m.ablatedLoss), signed(m.ablatedLoss - m.baseLoss));
    this.renderStrip(m);
    this.renderPredictions();
    this.fillCompare(m);
  }

  private ablate(): void {
    if (this.runId < 0 || this.chosen.length === 0) return;
    this.button.disabled = true;
    this.setStatus(t('ablateRunning'));
    send({ type: PanelMessageType.AblateHeads, runId: this.runId, heads: this.chosen, mode: this.mode });
  }

  private syncButton(): void {
    this.button.textContent = t('ablateButton', this.chosen.length);
    this.button.disabled = this.runId < 0 || this.chosen.length === 0;
  }

  private setStatus(text: string, error = false): void {
    this.status.textContent = text;
    this.status.classList.toggle('error', error);
  }

  /** One cell per token: red where the ablation raised its loss, blue where it lowered it, scaled to the largest change. */
  private renderStrip(m: AblationReadyMessage): void {
    const deltas = m.ablatedLosses.map((a, i) => (a === null || m.baseLosses[i] === null ? null : a - (m.baseLosses[i] as number)));
    const most = Math.max(1e-6, ...deltas.map((d) => (d === null ? 0 : Math.abs(d))));
    const cells = deltas.map((d, i) => {
      const label = this.labels[i]?.text ?? '';
      const title = d === null ? t('ablateTokenFirst', quote(label)) : t('ablateTokenTitle', quote(label), fmt(m.baseLosses[i]), fmt(m.ablatedLosses[i]), signed(d));
      const cell = el('span', { class: 'ablate-cell', role: 'listitem', 'data-index': i, 'data-delta': d === null ? '' : d.toFixed(4), title, text: label });
      if (d !== null) cell.style.backgroundColor = d >= 0 ? `rgba(220, 60, 60, ${(Math.abs(d) / most).toFixed(3)})` : `rgba(60, 120, 220, ${(Math.abs(d) / most).toFixed(3)})`;
      return cell;
    });
    this.strip.replaceChildren(...cells);
    this.setQuery(this.query);
  }

  private renderPredictions(): void {
    const m = this.result;
    if (!m) return;
    const q = Math.max(0, Math.min(this.query, m.basePredictions.length - 1));
    const at = quote(this.labels[q]?.text ?? '');
    this.list(this.before, t('ablateBefore', at), m.basePredictions[q]);
    this.list(this.after, t('ablateAfter', at), m.ablatedPredictions[q]);
  }

  private list(card: HTMLElement, title: string, p: Prediction | undefined): void {
    const rows = (p?.texts ?? []).map((text, i) => el('li', {}, el('span', { class: 'ablate-pred-token', text: quote(text) }), ` ${pct(p!.probs[i])}`));
    card.replaceChildren(el('div', { class: 'ablate-pred-title', text: title }), el('ol', {}, ...rows));
  }

  /** The layers after the first ablated one: the maps up to it cannot change (ablation acts after attention). */
  private fillCompare(m: AblationReadyMessage): void {
    const first = Math.min(...m.heads.map((h) => h.layer));
    const layers = Array.from({ length: this.shape.nLayer - first - 1 }, (_, i) => first + 1 + i);
    this.layerSelect.replaceChildren(...layers.map((l) => el('option', { value: l, text: String(l) })));
    this.headSelect.replaceChildren(...Array.from({ length: this.shape.nHead }, (_, h) => el('option', { value: h, text: String(h) })));
    this.compareBar.hidden = layers.length === 0;
    this.maps.replaceChildren(...(layers.length === 0 ? [el('p', { class: 'muted', text: t('ablateNoLater', first) })] : []));
  }

  /** The chosen head's map in the original run and in the ablated one, side by side. */
  private compare(): void {
    const m = this.result;
    if (!m) return;
    this.compareAsk?.abort();
    const ask = new AbortController();
    this.compareAsk = ask;
    const source: MatrixSource = { kind: 'head', layer: Number(this.layerSelect.value), head: Number(this.headSelect.value) };
    const get = (runId: number): Promise<Float32Array> =>
      host.request('matrix', { runId, source }, { signal: ask.signal }).then((r) => dequantize(reviveQuantized(r.matrix)));
    Promise.all([get(m.runId), get(m.ablatedRunId)]).then(
      ([a, b]) => {
        if (ask.signal.aborted || this.result !== m) return;
        const label = `L${source.layer}H${source.kind === 'head' ? source.head : ''}`;
        this.maps.replaceChildren(this.map(t('ablateOriginal', label), a, 'ablate-map-original'), this.map(t('ablateAblated', label), b, 'ablate-map-ablated'));
      },
      () => undefined, // cancelled, or the host shows its failure
    );
  }

  private map(title: string, m: Float32Array, id: string): HTMLElement {
    const T = Math.round(Math.sqrt(m.length));
    const canvas = el('canvas', { id, role: 'img', 'aria-label': title });
    const ctx = sizeCanvas(canvas, MAP_SIZE, MAP_SIZE);
    const cell = MAP_SIZE / T;
    const colour = getComputedStyle(document.body).getPropertyValue('--vscode-charts-blue').trim() || '#3794ff';
    ctx.fillStyle = colour;
    for (let q = 0; q < T; q++) {
      for (let k = 0; k <= q; k++) {
        ctx.globalAlpha = Math.min(1, m[q * T + k]);
        ctx.fillRect(k * cell, q * cell, Math.ceil(cell), Math.ceil(cell));
      }
    }
    return el('figure', { class: 'ablate-map' }, canvas, el('figcaption', { text: title }));
  }
}
