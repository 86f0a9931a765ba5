// The "Model" section: how a decoder-only model is built and trained, with this model's figures
// and its model card (corpus, loss) when the folder has one.
import { formatText, type StepperStrings } from '../../src/shared/explanations';
import type { StepperModelFacts } from '../../src/shared/stepperProtocol';
import { el } from './dom';

function figure(label: string, value: string): HTMLElement {
  const tr = el('tr');
  tr.append(el('th', '', label), el('td', 'num', value));
  return tr;
}

export function renderModel(m: StepperModelFacts | undefined, s: StepperStrings, language: string): HTMLElement {
  const box = el('div', 'model');
  const n = (x: number): string => x.toLocaleString(language);
  if (m) {
    box.append(el('h2', '', `${s.modelFigures}: ${m.name}`));
    const t = el('table', 'figures');
    t.append(
      figure(s.figFamily, m.family),
      figure(s.figLayers, n(m.nLayer)),
      figure(s.figHeads, n(m.nHead)),
      figure(s.figKvHeads, n(m.nKvHead)),
      figure(s.figWidth, n(m.nEmbd)),
      figure(s.figHeadWidth, n(m.headDim)),
      figure(s.figInner, n(m.nInner)),
      figure(s.figVocab, n(m.vocabSize)),
      figure(s.figContext, n(m.contextLength)),
      figure(s.figParams, n(m.numParams)),
      figure(s.figActivation, m.mlp === 'swiglu' ? `SwiGLU (${m.activation})` : m.activation),
      figure(s.figNorm, `${m.norm === 'rmsnorm' ? 'RMSNorm' : 'LayerNorm'}, ε = ${m.layerNormEps}`),
      figure(s.figPositions, m.rope ? formatText(s.figRope, m.rope.theta, m.rope.rotaryDim, m.headDim) : s.figLearnedPositions),
    );
    if (m.rope?.scaling) t.append(figure(s.figRopeScaling, `${m.rope.scaling.type} × ${m.rope.scaling.factor}`));
    if (m.slidingWindow) t.append(figure(s.figSlidingWindow, n(m.slidingWindow.size)));
    box.append(t);
    if (m.bundled) box.append(el('p', '', s.bundledModel));
  }
  box.append(
    el('h3', '', s.modelBuiltTitle),
    el('p', 'explain', s.modelBuilt),
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
