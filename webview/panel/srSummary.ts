// The screen-reader summary of the selected query: the five tokens it attends to most (or that
// its row is loading), in a visually hidden region the panel keeps up to date.
import { el, fmt3, quote } from './dom';
import { t } from './text';
import type { TokenLabel } from '../../src/shared/tokenLabels';

/** Fills `node` for query `query` of `labels`, `row` its weights (undefined while loading); `shown`: the matrix's label. */
export function renderSrSummary(node: HTMLElement, labels: readonly TokenLabel[], query: number, row: Float32Array | undefined, shown: string): void {
  const q = labels[query];
  if (!row || !q) {
    node.replaceChildren(el('p', { text: t('srLoading', quote(q?.text ?? ''), query, shown) }));
    return;
  }
  const top = Array.from(row.subarray(0, query + 1), (w, j) => ({ w, j }))
    .sort((a, b) => b.w - a.w)
    .slice(0, 5);
  node.replaceChildren(
    el('p', { text: t('srTop', quote(q.text), query, shown) }),
    el('ol', {}, ...top.map((x) => el('li', { text: `${quote(labels[x.j].text)} #${x.j}: ${fmt3(x.w)}` }))),
  );
}
