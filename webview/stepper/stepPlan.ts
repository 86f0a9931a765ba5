// Which steps come where, per model family: the embedding, the steps of each layer, then the
// output. GPT-2 (pre-LN, learned positions) has 4 + 12 per layer + 2. The Llama family has no
// position-embedding step (positions enter through RoPE) and adds RMSNorm, q/k norm (Qwen3),
// RoPE, the key/value group (grouped-query attention) and SwiGLU. GPT-1 is post-LN: the norms
// come after each residual add, and no final norm precedes the head. No DOM here.
import type { StepperModelFacts } from '../../src/shared/stepperProtocol';

export const EMBED_STEPS = ['tokens', 'tokenEmbedding', 'positionEmbedding', 'input'] as const;
export const LAYER_STEPS = [
  'ln1',
  'qkv',
  'scores',
  'scale',
  'mask',
  'softmax',
  'weightedSum',
  'projection',
  'residual1',
  'ln2',
  'ffn',
  'residual2',
] as const;
export const OUTPUT_STEPS = ['finalLn', 'softmaxOut'] as const;

/** Steps only some families have. */
export const FAMILY_STEPS = [
  'embedInput',
  'rmsNorm1',
  'qkNorm',
  'rope',
  'kvGroup',
  'rmsNorm2',
  'swiglu',
  'postLn1',
  'postLn2',
  'finalRmsNorm',
  'headOnly',
] as const;

export type StepKind =
  | (typeof EMBED_STEPS)[number]
  | (typeof LAYER_STEPS)[number]
  | (typeof OUTPUT_STEPS)[number]
  | (typeof FAMILY_STEPS)[number];
export type Stage = 'embedding' | 'layer' | 'output';

/** The steps of one model: embedding, each layer's (the same for every layer), output. */
export interface StepPlan {
  embed: readonly StepKind[];
  layer: readonly StepKind[];
  output: readonly StepKind[];
}

export const GPT2_PLAN: StepPlan = { embed: EMBED_STEPS, layer: LAYER_STEPS, output: OUTPUT_STEPS };

export type PlanFacts = Pick<StepperModelFacts, 'nHead' | 'nKvHead' | 'rope' | 'qkNorm' | 'normPlacement' | 'norm' | 'mlp' | 'finalNorm'>;

/** The steps of a model with these settings. */
export function stepPlan(m: PlanFacts | undefined): StepPlan {
  if (!m) return GPT2_PLAN;
  if (m.normPlacement === 'post') {
    // GPT-1: attention → residual → ln_1 → MLP → residual → ln_2, straight into the head.
    return {
      embed: EMBED_STEPS,
      layer: ['qkv', 'scores', 'scale', 'mask', 'softmax', 'weightedSum', 'projection', 'residual1', 'postLn1', 'ffn', 'residual2', 'postLn2'],
      output: [m.finalNorm ? 'finalLn' : 'headOnly', 'softmaxOut'],
    };
  }
  if (!m.rope && m.norm === 'layernorm' && m.mlp === 'mlp') return GPT2_PLAN;
  const rms = m.norm === 'rmsnorm';
  const layer: StepKind[] = [rms ? 'rmsNorm1' : 'ln1', 'qkv'];
  if (m.qkNorm) layer.push('qkNorm');
  if (m.rope) layer.push('rope');
  if (m.nKvHead < m.nHead) layer.push('kvGroup');
  layer.push('scores', 'scale', 'mask', 'softmax', 'weightedSum', 'projection', 'residual1', rms ? 'rmsNorm2' : 'ln2', m.mlp === 'swiglu' ? 'swiglu' : 'ffn', 'residual2');
  return {
    embed: m.rope ? ['tokens', 'tokenEmbedding', 'embedInput'] : EMBED_STEPS,
    layer,
    output: [m.finalNorm ? (rms ? 'finalRmsNorm' : 'finalLn') : 'headOnly', 'softmaxOut'],
  };
}

/** Where a step sits; `layer` is the layer whose capture it shows (−1: none needed). */
export interface StepRef {
  index: number;
  kind: StepKind;
  stage: Stage;
  layer: number;
}

export function stepCount(nLayer: number, plan: StepPlan = GPT2_PLAN): number {
  return plan.embed.length + nLayer * plan.layer.length + plan.output.length;
}

/** The step at a flat index (clamped into range). */
export function stepAt(index: number, nLayer: number, plan: StepPlan = GPT2_PLAN): StepRef {
  const i = Math.max(0, Math.min(stepCount(nLayer, plan) - 1, Math.floor(index)));
  const E = plan.embed.length;
  const P = plan.layer.length;
  if (i < E) return { index: i, kind: plan.embed[i], stage: 'embedding', layer: 0 };
  const j = i - E;
  if (j < nLayer * P) return { index: i, kind: plan.layer[j % P], stage: 'layer', layer: Math.floor(j / P) };
  return { index: i, kind: plan.output[j - nLayer * P], stage: 'output', layer: nLayer - 1 };
}

/** Flat index of the first step of a layer. */
export function layerStart(layer: number, plan: StepPlan = GPT2_PLAN): number {
  return plan.embed.length + layer * plan.layer.length;
}

/** Flat index of step `kind` of `layer` (−1 when the model's layers have no such step). */
export function layerStep(layer: number, kind: StepKind, plan: StepPlan = GPT2_PLAN): number {
  const k = plan.layer.indexOf(kind);
  return k < 0 ? -1 : layerStart(layer, plan) + k;
}

/**
 * PageUp / PageDown: the same step one layer up or down; from the embedding, layer 0's first step;
 * from the output, the last layer's first step. Stays inside 0..stepCount−1.
 */
export function moveLayer(index: number, delta: number, nLayer: number, plan: StepPlan = GPT2_PLAN): number {
  const s = stepAt(index, nLayer, plan);
  if (s.stage === 'layer') {
    const layer = s.layer + delta;
    if (layer < 0) return 0;
    if (layer >= nLayer) return layerStart(nLayer - 1, plan) + plan.layer.length; // the output
    return layerStart(layer, plan) + plan.layer.indexOf(s.kind);
  }
  if (s.stage === 'embedding') return delta > 0 ? layerStart(0, plan) : 0;
  return delta < 0 ? layerStart(nLayer - 1, plan) : s.index;
}

/** What a step needs from the host before it can be shown. */
export function stepNeeds(ref: StepRef): { capture?: number; readout?: boolean } {
  if (ref.kind === 'tokens') return {};
  if (ref.kind === 'softmaxOut') return { readout: true };
  if (ref.kind === 'finalLn' || ref.kind === 'finalRmsNorm' || ref.kind === 'headOnly') return { capture: ref.layer, readout: true };
  return { capture: ref.layer };
}
