// The texts of the logit lens and the Model tab that depend on how the model is built: GPT-2's
// final layer norm and learned positions, the Llama family's RoPE, RMSNorm, SwiGLU, grouped-query
// attention and final RMSNorm (before a tied or untied head), GPT-1's post-norm blocks with no final
// norm. Chosen from the model's settings, not its name, so a new family with the same build reads
// right. Pure: strings in, strings out.
import { formatText, type StepperStrings } from '../../src/shared/explanations';
import type { StepperModelFacts } from '../../src/shared/stepperProtocol';

export type TextFacts = Pick<
  StepperModelFacts,
  'nHead' | 'nKvHead' | 'norm' | 'normPlacement' | 'finalNorm' | 'rope' | 'mlp' | 'qkNorm' | 'slidingWindow' | 'tiedHead' | 'nLayer'
>;

/** The output head: the token-embedding table transposed (tied) or lm_head of its own. */
export function headText(m: TextFacts, s: StepperStrings): string {
  return m.tiedHead ? s.headTied : s.headUntied;
}

/** The logit lens' caption: what is applied to each layer's residual stream to read it. */
export function lensCaption(m: TextFacts | undefined, s: StepperStrings): string {
  if (!m) return s.lensCaption;
  if (!m.finalNorm) return formatText(s.lensCaptionNoFinalNorm, headText(m, s));
  if (m.norm === 'rmsnorm') return formatText(s.lensCaptionRms, headText(m, s));
  return s.lensCaption;
}

/** The attention of a Llama-family block: multi-head, grouped-query or multi-query. */
function attentionText(m: TextFacts, s: StepperStrings): string {
  if (m.nKvHead >= m.nHead) return s.attnMultiHead;
  if (m.nKvHead === 1) return formatText(s.attnMultiQuery, m.nHead);
  return formatText(s.attnGrouped, m.nHead, m.nKvHead, m.nHead / m.nKvHead);
}

/** "How a decoder-only model is built", as paragraphs, for this model's build. */
export function modelBuiltText(m: TextFacts | undefined, s: StepperStrings): string[] {
  if (!m) return [s.modelBuilt];
  if (m.normPlacement === 'post') return [s.modelBuiltGpt1];
  if (!m.rope) return [s.modelBuilt];
  const first = formatText(s.modelBuiltLlama, attentionText(m, s), headText(m, s));
  const more: string[] = [];
  if (m.qkNorm) more.push(s.modelBuiltQkNorm);
  const w = m.slidingWindow;
  if (w && w.fromLayer < m.nLayer) {
    more.push(w.fromLayer === 0 ? formatText(s.modelBuiltWindowAll, w.size) : formatText(s.modelBuiltWindowFrom, w.fromLayer, w.size));
  }
  return more.length > 0 ? [first, more.join(' ')] : [first];
}
