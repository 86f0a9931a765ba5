// The Model tab's table of figures: this model's own numbers and settings as [label, value] rows,
// the family-specific ones (key/value heads, RoPE, q/k norm, sliding window, the head, the
// checkpoint's dtype) only where the model has them. Pure: no DOM.
import { formatText, type StepperStrings } from '../../src/shared/explanations';
import type { StepperModelFacts } from '../../src/shared/stepperProtocol';

const DTYPE_NAMES = { F32: 'float32 (F32)', F16: 'float16 (F16)', BF16: 'bfloat16 (BF16)' } as const;

export function modelFigures(m: StepperModelFacts, s: StepperStrings, language: string): [label: string, value: string][] {
  const n = (x: number): string => x.toLocaleString(language);
  const rows: [string, string][] = [
    [s.figFamily, m.family],
    [s.figLayers, n(m.nLayer)],
    [s.figHeads, n(m.nHead)],
    [s.figKvHeads, n(m.nKvHead)],
    [s.figWidth, n(m.nEmbd)],
    [s.figHeadWidth, n(m.headDim)],
    [s.figInner, n(m.nInner)],
    [s.figVocab, n(m.vocabSize)],
    [s.figContext, n(m.contextLength)],
    [s.figParams, n(m.numParams)],
    [s.figActivation, m.mlp === 'swiglu' ? `SwiGLU (${m.activation})` : m.activation],
    [s.figNorm, `${m.norm === 'rmsnorm' ? 'RMSNorm' : 'LayerNorm'}, ε = ${m.layerNormEps}, ${m.normPlacement === 'post' ? s.figNormPost : s.figNormPre}`],
  ];
  if (m.qkNorm) rows.push([s.figQkNorm, s.figQkNormValue]);
  rows.push([s.figPositions, m.rope ? formatText(s.figRope, m.rope.theta, m.rope.rotaryDim, m.headDim) : s.figLearnedPositions]);
  if (m.rope?.scaling) rows.push([s.figRopeScaling, `${m.rope.scaling.type} × ${m.rope.scaling.factor}`]);
  const w = m.slidingWindow;
  if (w && w.fromLayer < m.nLayer) rows.push([s.figSlidingWindow, formatText(s.figWindowValue, n(w.size), w.fromLayer, m.nLayer - 1)]);
  rows.push([s.figHead, m.tiedHead ? s.figHeadTied : s.figHeadUntied]);
  if (m.weightsDtype) rows.push([s.figWeightsDtype, m.weightsDtype === 'mixed' ? s.dtypeMixed : DTYPE_NAMES[m.weightsDtype]]);
  return rows;
}
