// The logit lens: a layer × position grid of what the model would predict at each position if it
// stopped after each layer. Top token per cell, shaded by its probability, top 5 on hover; a click
// picks that position as the query.
import { formatText, type StepperStrings } from '../../src/shared/explanations';
import type { LensCell, StepperModelFacts } from '../../src/shared/stepperProtocol';
import { el, fixed } from './dom';
import { lensCaption } from './familyText';
import { shownPrediction, shownToken, tokenDetail } from './tokenText';
import type { Token } from '../../src/shared/token';

export function renderLens(
  cells: LensCell[][],
  tokens: Token[],
  s: StepperStrings,
  query: number,
  onPick: (position: number) => void,
  model?: StepperModelFacts,
): HTMLElement {
  const box = el('div', 'lens');
  box.append(el('p', 'explain caption', lensCaption(model, s)));
  const scroll = el('div', 'table-scroll');
  const t = el('table', 'lens-grid');
  const head = el('tr');
  head.append(el('th', 'corner', `${s.layer} \\ ${s.position}`));
  tokens.forEach((_, j) => {
    const detail = tokenDetail(tokens, j, s);
    head.append(el('th', j === query ? 'query' : '', `${j} ${shownToken(tokens, j)}`, { 'data-position': String(j), ...(detail.length ? { title: detail.join('\n') } : {}) }));
  });
  t.append(head);
  // Last row first would hide the point; rows go down the stack: embeddings, then each layer.
  cells.forEach((row, layer) => {
    const tr = el('tr', '', undefined, { 'data-layer': String(layer) });
    tr.append(el('th', '', layer === 0 ? s.lensEmbeddings : formatText(s.lensAfterLayer, layer - 1)));
    row.forEach((c, j) => {
      const shown = c.ids.slice(0, 5).map((_, i) => shownPrediction(tokens, j, c.texts[i] ?? '', c.bytes?.[i], s));
      const tip = shown.map((p, i) => [`${p.text}  (${c.ids[i]})  ${fixed(c.probs[i] ?? NaN)}`, ...p.detail.map((d) => `    ${d}`)].join('\n')).join('\n');
      const td = el('td', j === query ? 'query' : '', shown[0]?.text ?? '', { title: tip, 'data-position': String(j), 'data-id': String(c.ids[0] ?? '') });
      td.style.setProperty('--w', String(c.probs[0] ?? 0));
      td.addEventListener('click', () => onPick(j));
      tr.append(td);
    });
    t.append(tr);
  });
  scroll.append(t);
  box.append(scroll);
  return box;
}
