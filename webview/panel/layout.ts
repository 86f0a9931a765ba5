// The panel's static structure. Components fill their own parts.
import { el } from './dom';
import { t } from './text';

export interface Segmented<T extends string> {
  node: HTMLElement;
  set(value: T): void;
}

/** A row of toggle buttons, one pressed at a time. */
export function segmented<T extends string>(label: string, options: { value: T; text: string; title?: string }[], onChange: (v: T) => void): Segmented<T> {
  const buttons = options.map((o) => {
    const b = el('button', { type: 'button', class: 'seg', 'data-value': o.value, 'aria-pressed': 'false', title: o.title, text: o.text });
    b.addEventListener('click', () => onChange(o.value));
    return b;
  });
  const node = el('div', { class: 'segmented', role: 'group', 'aria-label': label }, ...buttons);
  return {
    node,
    set(value: T) {
      for (const b of buttons) b.setAttribute('aria-pressed', String(b.dataset.value === value));
    },
  };
}

export interface Layout {
  app: HTMLElement;
  title: HTMLElement;
  meta: HTMLElement;
  toolbar: HTMLElement;
  status: HTMLElement;
  notice: HTMLElement;
  content: HTMLElement;
  tokensCard: HTMLElement;
  overviewCard: HTMLElement;
  detailCard: HTMLElement;
  detailHead: HTMLElement;
  detailTitle: HTMLElement;
  detailBody: HTMLElement;
  predictionsCard: HTMLElement;
  srSummary: HTMLElement;
}

export function buildLayout(root: HTMLElement): Layout {
  const title = el('h1', { id: 'title', text: 'Attention Lens' });
  const meta = el('div', { id: 'meta', class: 'meta' });
  const toolbar = el('div', { class: 'toolbar', role: 'toolbar', 'aria-label': t('displayOptions') });
  const status = el('div', { id: 'status', class: 'status', role: 'status', 'aria-live': 'polite' });
  const notice = el('div', { id: 'notice', class: 'notice', role: 'status', 'aria-live': 'polite', hidden: true });
  const tokensCard = el('section', { class: 'card tokens-card', 'aria-labelledby': 'tokens-h' }, el('h2', { id: 'tokens-h', text: t('tokensHeading') }));
  const overviewCard = el(
    'section',
    { class: 'card overview-card', 'aria-labelledby': 'overview-h' },
    el('h2', { id: 'overview-h' }, t('overviewHeading'), el('span', { class: 'h-sub', text: ` ${t('overviewSub')}` })),
  );
  const detailTitle = el('h2', { id: 'detail-title', text: t('headHeading') });
  const detailHead = el('div', { class: 'detail-head' }, detailTitle);
  const detailBody = el('div', { class: 'detail-body' });
  const detailCard = el('section', { class: 'card detail-card', 'aria-labelledby': 'detail-title' }, detailHead, detailBody);
  const predictionsCard = el('section', { class: 'card predictions-card', 'aria-labelledby': 'pred-h' }, el('h2', { id: 'pred-h', text: t('predictionsHeading') }));
  const srSummary = el('section', { id: 'sr-summary', class: 'sr-only', 'aria-live': 'polite', 'aria-label': t('srSummaryLabel') });
  const content = el(
    'main',
    { id: 'content', hidden: true },
    tokensCard,
    el('div', { class: 'columns' }, overviewCard, detailCard),
    predictionsCard,
    srSummary,
  );
  const header = el('header', { class: 'header' }, el('div', { class: 'title-block' }, title, meta), toolbar);
  root.replaceChildren(header, status, notice, content);
  root.removeAttribute('aria-busy');
  return { app: root, title, meta, toolbar, status, notice, content, tokensCard, overviewCard, detailCard, detailHead, detailTitle, detailBody, predictionsCard, srSummary };
}
