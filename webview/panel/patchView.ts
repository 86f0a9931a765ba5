// The Heads tab's activation patching (issue 15; TransformerLens's clean vs corrupted experiment):
// a clean text (the analysed one to start with), a corrupted one of the same token length, a
// target and a contrast token; "Patch" has the host put each clean activation into the corrupted
// run, and two heatmaps show the recovered fraction of the logit difference: layer × position
// (the residual stream after each block) and layer × head (each head's output). Cells are table
// cells, each with its value in its tooltip (and for screen readers): blue toward 1 (clean), red
// below 0. While it runs, "Cancel" asks the host to stop it (PatchCancel).
import { PanelMessageType, type PatchReadyMessage } from '../../src/shared/protocol';
import { send } from './api';
import { el, quote, visibleText } from './dom';
import { t } from './text';

const fmt = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : '–');

/** A recovered fraction's cell colour: blue up to 1, red below 0. */
function colour(x: number): string {
  const a = Math.min(1, Math.abs(x));
  return x >= 0 ? `rgba(60, 120, 220, ${a.toFixed(3)})` : `rgba(220, 60, 60, ${a.toFixed(3)})`;
}

export class PatchView {
  readonly node: HTMLElement;
  private readonly clean: HTMLTextAreaElement;
  private readonly corrupt: HTMLTextAreaElement;
  private readonly target: HTMLInputElement;
  private readonly contrast: HTMLInputElement;
  private readonly button: HTMLButtonElement;
  private readonly cancel: HTMLButtonElement;
  private readonly status: HTMLElement;
  private readonly results: HTMLElement;
  private runId = -1;

  constructor() {
    this.clean = el('textarea', { id: 'patch-clean', rows: 2, 'aria-label': t('patchClean') });
    this.corrupt = el('textarea', { id: 'patch-corrupt', rows: 2, 'aria-label': t('patchCorrupt') });
    this.target = el('input', { id: 'patch-target', type: 'text', size: 10, 'aria-label': t('patchTarget') });
    this.contrast = el('input', { id: 'patch-contrast', type: 'text', size: 10, 'aria-label': t('patchContrast') });
    this.button = el('button', { type: 'button', id: 'patch-run', title: t('patchButtonTitle'), text: t('patchButton') });
    this.button.addEventListener('click', () => this.patch());
    this.cancel = el('button', { type: 'button', id: 'patch-cancel', class: 'secondary', title: t('patchCancelTitle'), text: t('patchCancel') });
    this.cancel.hidden = true;
    this.cancel.addEventListener('click', () => {
      this.cancel.disabled = true;
      send({ type: PanelMessageType.PatchCancel, runId: this.runId });
    });
    this.status = el('span', { id: 'patch-status', class: 'heads-status muted', role: 'status', 'aria-live': 'polite' });
    this.results = el('div', { id: 'patch-results' });
    const field = (label: string, input: HTMLElement): HTMLElement => el('label', { class: 'patch-field' }, el('span', { text: label }), input);
    this.node = el(
      'div',
      { class: 'patching', role: 'region', 'aria-label': t('patchHeading') },
      el('div', { class: 'heads-bar' }, el('strong', { text: t('patchHeading') })),
      field(t('patchClean'), this.clean),
      field(t('patchCorrupt'), this.corrupt),
      el('div', { class: 'heads-bar' }, field(t('patchTarget'), this.target), field(t('patchContrast'), this.contrast), this.button, this.cancel, this.status),
      this.results,
    );
  }

  /** A new run: its text becomes the clean (and, to edit, the corrupted) text. */
  reset(runId: number, text: string): void {
    const fresh = runId !== this.runId;
    this.runId = runId;
    if (!fresh) return;
    this.clean.value = text;
    this.corrupt.value = text;
    this.results.replaceChildren();
    this.status.textContent = '';
    this.running(false);
  }

  /** The Patch button while idle, Cancel while patching runs. */
  private running(on: boolean): void {
    this.button.disabled = on;
    this.cancel.hidden = !on;
    this.cancel.disabled = false;
  }

  show(m: PatchReadyMessage): void {
    if (m.runId !== this.runId) return;
    this.running(false);
    this.status.classList.toggle('error', m.error !== undefined);
    if (m.cancelled) {
      this.status.textContent = t('patchCancelled');
      return;
    }
    if (m.error) {
      this.status.textContent = m.error;
      return;
    }
    this.status.textContent = '';
    const summary = el('div', { id: 'patch-summary', text: t('patchSummary', quote(m.target), quote(m.contrast), fmt(m.cleanDiff), fmt(m.corruptDiff)) });
    const tokens = m.tokens.map((s) => visibleText(s));
    const layers = this.heatmap('patch-layers', t('patchLayersCaption'), tokens, m.layers, (l, i) => t('patchCellPosition', l, i, quote(tokens[i] ?? '')));
    const heads = this.heatmap('patch-heads', t('patchHeadsCaption'), (m.heads[0] ?? []).map((_, h) => String(h)), m.heads, (l, h) => t('labelHead', l, h));
    this.results.replaceChildren(summary, layers, heads);
  }

  private patch(): void {
    const [clean, corrupt, target, contrast] = [this.clean.value, this.corrupt.value, this.target.value, this.contrast.value];
    if (this.runId < 0 || !clean || !corrupt || !target || !contrast) {
      this.status.textContent = t('patchMissing');
      this.status.classList.add('error');
      return;
    }
    this.running(true);
    this.status.classList.remove('error');
    this.status.textContent = t('patchRunning');
    send({ type: PanelMessageType.PatchTexts, runId: this.runId, clean, corrupt, target, contrast });
  }

  /** Rows = layers, columns = `columns`; each cell coloured by its value, which its tooltip gives. */
  private heatmap(id: string, caption: string, columns: string[], values: number[][], name: (layer: number, col: number) => string): HTMLElement {
    const head = el('tr', {}, el('th', { scope: 'col', text: t('patchLayer') }), ...columns.map((c) => el('th', { scope: 'col', class: 'patch-col', text: c })));
    const body = el(
      'tbody',
      {},
      ...values.map((row, l) =>
        el(
          'tr',
          {},
          el('th', { scope: 'row', text: String(l) }),
          ...row.map((v, i) => {
            const td = el('td', { class: 'patch-cell', 'data-value': v.toFixed(4), title: `${name(l, i)}: ${fmt(v)}`, 'aria-label': `${name(l, i)}: ${fmt(v)}` });
            td.style.backgroundColor = colour(v);
            return td;
          }),
        ),
      ),
    );
    return el('div', { class: 'patch-map' }, el('table', { id, class: 'patch-table' }, el('caption', { text: caption }), el('thead', {}, head), body));
  }
}
