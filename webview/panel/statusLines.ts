// The panel's two lines above the views: the notice (truncated or clipped text, generated tokens,
// a chat template, a stale run with its Re-run link) and the status (busy with a progress bar, or an
// error with its actions).
import { PanelMessageType, type AnalysisReadyMessage, type ErrorAction } from '../../src/shared/protocol';
import { el } from './dom';
import { t } from './text';
import { send } from './api';

export type StatusKind = 'busy' | 'error' | 'none';

export function renderNotice(n: HTMLElement, run: AnalysisReadyMessage | undefined, stale: boolean): void {
  const parts: HTMLElement[] = [];
  if (run?.truncated) parts.push(el('p', { text: t('truncated', run.totalTokens, run.model.contextLength, run.T) }));
  if (run?.clippedChars) parts.push(el('p', { text: t('clipped') }));
  if (run?.generated) parts.push(el('p', { class: 'generated-note', text: t('generatedNote', run.generated.start, run.generated.end - 1) }));
  if (run?.template) parts.push(el('p', { class: 'template-note', text: t('templateNote') }));
  if (stale) {
    const b = el('button', { type: 'button', class: 'link-button', text: t('rerun') });
    b.addEventListener('click', () => send({ type: PanelMessageType.Rerun }));
    parts.push(el('p', { class: 'stale-note' }, `${t('staleNote')} `, b));
  }
  n.replaceChildren(...parts);
  n.hidden = parts.length === 0;
  n.classList.toggle('warning', stale);
}

export function renderStatus(s: HTMLElement, text: string, kind: StatusKind, actions: ErrorAction[] = []): void {
  s.className = `status ${kind}`;
  if (kind === 'none') {
    s.replaceChildren();
    return;
  }
  const buttons = actions.map((a) => {
    const b = el('button', { type: 'button', class: a === 'openSettings' ? 'primary' : 'secondary', text: a === 'openSettings' ? t('openSettings') : t('tryAgain') });
    b.addEventListener('click', () => send(a === 'openSettings' ? { type: PanelMessageType.OpenSettings } : { type: PanelMessageType.Rerun }));
    return b;
  });
  s.replaceChildren(
    ...(kind === 'busy' ? [el('div', { class: 'progress', 'aria-hidden': 'true' })] : []),
    el('div', { class: 'status-body' }, el('span', { class: 'status-icon', 'aria-hidden': 'true', text: kind === 'error' ? '⚠' : '' }), el('span', { text })),
    ...(buttons.length ? [el('div', { class: 'status-actions' }, ...buttons)] : []),
  );
}
