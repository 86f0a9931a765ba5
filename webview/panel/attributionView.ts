// "Attribute prediction": for the query selected in the panel, asks the host (RunAttribution) how
// much each earlier token contributed to a prediction there (the top one, or the one picked in the
// "Prediction" list or by clicking a row of the predictions), by the method picked
// (gradient × input, integrated gradients, occlusion), and shows the scores as a strip of the
// tokens 0…position — green raised log p, red lowered it — with the attention rollout's row at the
// same position as a second strip under it, so that where attention and attribution disagree shows.
import type { AttributionMethod } from '../../src/shared/attribution';
import { PanelMessageType, type AttributionReadyMessage } from '../../src/shared/protocol';
import type { PredictionChoice } from './predictions';
import type { TokenLabel } from '../../src/shared/tokenLabels';
import { send } from './api';
import { el, visibleText } from './dom';
import { t } from './text';

export interface AttributionContext {
  /** The panel's run (undefined before the first) and whether its text changed since. */
  runId(): number | undefined;
  /** The selected query position. */
  query(): number;
  labels(): readonly TokenLabel[];
}

const METHODS: { value: AttributionMethod; name: Parameters<typeof t>[0]; definition: Parameters<typeof t>[0] }[] = [
  { value: 'grad', name: 'attributionGrad', definition: 'attributionGradTitle' },
  { value: 'ig', name: 'attributionIg', definition: 'attributionIgTitle' },
  { value: 'occlusion', name: 'attributionOcclusion', definition: 'attributionOcclusionTitle' },
];

export class AttributionView {
  readonly node: HTMLElement;
  private readonly method: HTMLSelectElement;
  /** The prediction to explain at `choicesAt` (option i = rank i; the top one first). */
  private readonly target: HTMLSelectElement;
  private choicesAt = -1;
  private readonly button: HTMLButtonElement;
  private readonly status: HTMLElement;
  private readonly strips: HTMLElement;

  constructor(private readonly ctx: AttributionContext) {
    this.method = el('select', { id: 'attribution-method', 'aria-label': t('attributionMethod') });
    for (const m of METHODS) this.method.append(el('option', { value: m.value, title: t(m.definition), text: t(m.name) }));
    this.target = el('select', { id: 'attribution-target', title: t('attributionTargetTitle'), 'aria-label': t('attributionTarget') });
    this.target.hidden = true;
    this.button = el('button', { type: 'button', id: 'attribute-prediction', class: 'secondary', title: t('attributeTitle'), text: t('attribute') });
    this.button.addEventListener('click', () => this.request());
    this.status = el('p', { class: 'attribution-status', role: 'status' });
    this.strips = el('div', { class: 'attribution-strips' });
    this.node = el(
      'div',
      { class: 'attribution' },
      el('h3', { text: t('attributionHeading') }),
      el('div', { class: 'attribution-bar' }, el('label', { for: 'attribution-method', text: t('attributionMethod') }), this.method, this.target, this.button),
      this.status,
      this.strips,
    );
  }

  /** A new run: the last attribution no longer applies. */
  reset(): void {
    this.status.textContent = '';
    this.status.classList.remove('error');
    this.strips.replaceChildren();
    this.button.disabled = false;
    this.choicesAt = -1; // a new run's predictions start at the top
  }

  /** The selected position's predictions: the same position keeps the one picked, another starts at the top. */
  setChoices(position: number, choices: readonly PredictionChoice[]): void {
    const keep = position === this.choicesAt ? this.target.value : '';
    this.choicesAt = position;
    this.target.replaceChildren(...choices.map((c) => el('option', { value: String(c.id), text: c.text })));
    this.target.hidden = choices.length === 0;
    if (keep && choices.some((c) => String(c.id) === keep)) this.target.value = keep;
  }

  /** Picks the prediction of this rank at the selected position (a click on its row). */
  pick(rank: number): void {
    if (rank < this.target.options.length) this.target.selectedIndex = rank;
  }

  private request(): void {
    const runId = this.ctx.runId();
    if (runId === undefined) return;
    const position = this.ctx.query();
    this.button.disabled = true;
    this.status.classList.remove('error');
    this.status.textContent = t('attributing', position);
    const picked = !this.target.hidden && this.choicesAt === position && this.target.selectedIndex > 0;
    const target = picked ? Number(this.target.value) : undefined; // absent: the top prediction
    send({ type: PanelMessageType.RunAttribution, runId, position, method: this.method.value as AttributionMethod, ...(target !== undefined ? { target } : {}) });
  }

  set(m: AttributionReadyMessage): void {
    this.button.disabled = false;
    if (m.error) {
      this.status.textContent = m.error;
      this.status.classList.add('error');
      return;
    }
    this.status.textContent = t('attributionFor', visibleText(m.target), m.position, m.logProb.toFixed(3), t(METHODS.find((x) => x.value === m.method)!.name));
    const labels = this.ctx.labels();
    const maxScore = m.scores.reduce((a, s) => Math.max(a, Math.abs(s)), 0) || 1;
    const maxRollout = m.rollout.reduce((a, s) => Math.max(a, s), 0) || 1;
    const strip = (which: 'scores' | 'rollout', name: Parameters<typeof t>[0], values: number[], colour: (v: number) => string): HTMLElement =>
      el(
        'div',
        { class: `attribution-strip ${which}`, 'data-strip': which },
        el('span', { class: 'attribution-row-name', text: t(name) }),
        ...values.map((v, i) =>
          el('span', {
            class: 'attribution-token',
            'data-index': i,
            'data-score': v.toFixed(6),
            style: `background: ${colour(v)}`,
            title: `${visibleText(labels[i]?.text ?? '')}: ${v.toFixed(4)}`,
            text: visibleText(labels[i]?.text ?? String(i)),
          }),
        ),
      );
    this.strips.replaceChildren(
      strip('scores', 'attributionRow', m.scores, (v) => `rgba(${v >= 0 ? '63, 185, 80' : '248, 81, 73'}, ${(0.1 + (0.8 * Math.abs(v)) / maxScore).toFixed(3)})`),
      strip('rollout', 'rolloutRow', m.rollout, (v) => `rgba(86, 156, 214, ${(0.1 + (0.8 * v) / maxRollout).toFixed(3)})`),
    );
  }
}
