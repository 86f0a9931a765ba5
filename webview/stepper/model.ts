// The "Model" section: how a decoder-only model is built (for this model's family) and trained,
// with this model's figures and its model card (corpus, loss) when the folder has one.
import type { StepperStrings } from '../../src/shared/explanations';
import type { StepperModelFacts } from '../../src/shared/stepperProtocol';
import { el } from './dom';
import { modelBuiltText } from './familyText';
import { modelFigures } from './modelFigures';

function figure(label: string, value: string): HTMLElement {
  const tr = el('tr');
  tr.append(el('th', '', label), el('td', 'num', value));
  return tr;
}

export function renderModel(m: StepperModelFacts | undefined, s: StepperStrings, language: string): HTMLElement {
  const box = el('div', 'model');
  if (m) {
    box.append(el('h2', '', `${s.modelFigures}: ${m.name}`));
    const t = el('table', 'figures');
    t.append(...modelFigures(m, s, language).map(([label, value]) => figure(label, value)));
    box.append(t);
    if (m.bundled) box.append(el('p', '', s.bundledModel));
  }
  box.append(
    el('h3', '', s.modelBuiltTitle),
    ...modelBuiltText(m, s).map((text) => el('p', 'explain built', text)),
    el('h3', '', s.modelTrainedTitle),
    el('p', 'explain', s.modelPretraining),
    el('p', 'explain', s.modelFinetuning),
  );
  if (m) {
    box.append(el('h3', '', s.modelCard));
    if (m.card) box.append(el('pre', 'card', m.card));
    else box.append(el('p', 'muted', s.noCard));
  }
  return box;
}
