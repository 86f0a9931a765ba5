// Next-token predictions: the top k after the selected position, and always the model's
// prediction after the last token. Each row: the token, a bar, its probability. A predicted token
// that holds part of a character is labelled after the context (labelPrediction): the character it
// finishes, or its bytes. A row of the selected position's list, clicked (or Enter on it), picks
// that prediction for "Attribute prediction" (hooks.pick; hooks.choices hears the list each render).
import type { ActualToken, Prediction } from '../../src/shared/protocol';
import { appendLabel, el, pct, quote } from './dom';
import { labelWords, t } from './text';
import type { Token } from '../../src/shared/token';
import { contextTail, describeLabel, labelPrediction, type TokenLabel } from '../../src/shared/tokenLabels';

/** A prediction the attribution can explain: its token id and its label as shown. */
export interface PredictionChoice {
  id: number;
  text: string;
}

export interface PredictionHooks {
  /** The selected position's predictions (empty when the host sent no token ids). */
  choices(position: number, choices: PredictionChoice[]): void;
  /** The user picked the prediction of this rank (0 = top) at the selected position. */
  pick(rank: number): void;
}

export class PredictionsView {
  readonly node: HTMLElement;
  private readonly selectedCard: HTMLElement;
  private readonly lastCard: HTMLElement;

  constructor(private readonly hooks?: PredictionHooks) {
    this.selectedCard = el('div', { class: 'pred-card', role: 'region', 'aria-label': t('predSelectedAria') });
    this.lastCard = el('div', { class: 'pred-card', role: 'region', 'aria-label': t('predLastAria') });
    this.node = el('div', { class: 'predictions' }, this.selectedCard, this.lastCard);
  }

  /** `labels`: the tokens' labels (labelTokens). */
  render(tokens: readonly Token[], labels: readonly TokenLabel[], predictions: readonly Prediction[], actual: readonly ActualToken[], query: number): void {
    const T = tokens.length;
    const last = T - 1;
    const q = Math.max(0, Math.min(query, last));
    const next = q < last && actual[q + 1] ? { token: tokens[q + 1], label: labels[q + 1], stats: actual[q + 1] } : undefined; // none yet while pending
    const choices = this.fill(this.selectedCard, t('predAfter', quote(labels[q]?.text ?? ''), q), predictions[q], contextTail(tokens, q), next, this.hooks !== undefined);
    this.lastCard.hidden = q === last;
    if (q !== last) this.fill(this.lastCard, t('predAfterLast', quote(labels[last]?.text ?? '')), predictions[last], contextTail(tokens, last), undefined, false);
    this.hooks?.choices(q, choices);
  }

  private fill(
    card: HTMLElement,
    title: string,
    p: Prediction | undefined,
    before: Uint8Array,
    next: { token: Token; label: TokenLabel; stats: ActualToken } | undefined,
    pickable: boolean,
  ): PredictionChoice[] {
    const rows: HTMLElement[] = [];
    const choices: PredictionChoice[] = [];
    const max = p?.probs[0] ?? 1;
    p?.texts.forEach((text, r) => {
      const prob = p.probs[r];
      const bytes = p.bytes?.[r] || undefined;
      const label = labelPrediction({ text, bytes }, before);
      const tok = el('span', { class: 'pred-token' });
      appendLabel(tok, label);
      const detail = describeLabel(label, labelWords());
      if (detail.length) tok.title = detail.join('\n');
      const bar = el('span', { class: 'pred-bar' });
      bar.style.width = `${Math.max(1, (prob / max) * 100)}%`;
      const isActual = next !== undefined && text === next.token.text && bytes === next.token.bytes;
      const shown = quote(label.text);
      const row = el(
        'li',
        { class: isActual ? 'pred-row actual' : 'pred-row', 'aria-label': isActual ? t('predRowActual', r + 1, shown, pct(prob)) : `${r + 1}. ${shown} ${pct(prob)}` },
        el('span', { class: 'pred-rank', text: String(r + 1) }),
        tok,
        el('span', { class: 'pred-bar-track' }, bar),
        el('span', { class: 'pred-prob', text: pct(prob) }),
      );
      const id = p.ids?.[r];
      if (pickable && id !== undefined) {
        choices.push({ id, text: `${r + 1}. ${shown} ${pct(prob)}` });
        row.tabIndex = 0;
        row.title = t('predPickTitle');
        row.classList.add('pickable');
        row.addEventListener('click', () => this.hooks?.pick(r));
        row.addEventListener('keydown', (e) => {
          if (e.key !== 'Enter') return;
          e.preventDefault();
          this.hooks?.pick(r);
        });
      }
      rows.push(row);
    });
    const children: HTMLElement[] = [el('h3', { text: title }), el('ol', { class: 'pred-list' }, ...rows)];
    if (next && Number.isFinite(next.stats.rank))
      children.push(
        el('p', {
          class: 'pred-actual muted',
          text: t('actualNext', quote(next.label.text), next.stats.rank, pct(next.stats.prob), next.stats.surprisal.toFixed(2)),
        }),
      );
    card.replaceChildren(...children);
    return choices;
  }
}
