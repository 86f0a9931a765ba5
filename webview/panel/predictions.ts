// Next-token predictions: the top k after the selected position, and always the model's
// prediction after the last token. Each row: the token, a bar, its probability.
import type { ActualToken, Prediction } from '../../src/shared/protocol';
import { appendTokenText, el, pct, quote } from './dom';
import { t } from './text';
import type { Token } from '../../src/shared/token';

export class PredictionsView {
  readonly node: HTMLElement;
  private readonly selectedCard: HTMLElement;
  private readonly lastCard: HTMLElement;

  constructor() {
    this.selectedCard = el('div', { class: 'pred-card', role: 'region', 'aria-label': t('predSelectedAria') });
    this.lastCard = el('div', { class: 'pred-card', role: 'region', 'aria-label': t('predLastAria') });
    this.node = el('div', { class: 'predictions' }, this.selectedCard, this.lastCard);
  }

  render(tokens: readonly Token[], predictions: readonly Prediction[], actual: readonly ActualToken[], query: number): void {
    const T = tokens.length;
    const last = T - 1;
    const q = Math.max(0, Math.min(query, last));
    const next = q < last && actual[q + 1] ? { token: tokens[q + 1], stats: actual[q + 1] } : undefined; // none yet while pending
    this.fill(this.selectedCard, t('predAfter', quote(tokens[q]?.text ?? ''), q), predictions[q], next);
    this.lastCard.hidden = q === last;
    if (q !== last) this.fill(this.lastCard, t('predAfterLast', quote(tokens[last]?.text ?? '')), predictions[last], undefined);
  }

  private fill(card: HTMLElement, title: string, p: Prediction | undefined, next: { token: Token; stats: ActualToken } | undefined): void {
    const rows: HTMLElement[] = [];
    const max = p?.probs[0] ?? 1;
    p?.texts.forEach((text, r) => {
      const prob = p.probs[r];
      const tok = el('span', { class: 'pred-token' });
      appendTokenText(tok, text);
      const bar = el('span', { class: 'pred-bar' });
      bar.style.width = `${Math.max(1, (prob / max) * 100)}%`;
      const isActual = next !== undefined && text === next.token.text;
      rows.push(
        el(
          'li',
          { class: isActual ? 'pred-row actual' : 'pred-row', 'aria-label': isActual ? t('predRowActual', r + 1, quote(text), pct(prob)) : `${r + 1}. ${quote(text)} ${pct(prob)}` },
          el('span', { class: 'pred-rank', text: String(r + 1) }),
          tok,
          el('span', { class: 'pred-bar-track' }, bar),
          el('span', { class: 'pred-prob', text: pct(prob) }),
        ),
      );
    });
    const children: HTMLElement[] = [el('h3', { text: title }), el('ol', { class: 'pred-list' }, ...rows)];
    if (next && Number.isFinite(next.stats.rank))
      children.push(
        el('p', {
          class: 'pred-actual muted',
          text: t('actualNext', quote(next.token.text), next.stats.rank, pct(next.stats.prob), next.stats.surprisal.toFixed(2)),
        }),
      );
    card.replaceChildren(...children);
  }
}
