// The figures the stepper's "Model" section (and the exported report) shows, and the family settings its step list depends
// on, from what the engine reports about the loaded model (its config, parameter count and model
// card). Pure: no vscode.
import type { ModelInfo } from '../engine/modelInfo';
import type { StepperModelFacts } from '../shared/stepperProtocol';

/** `bundledDir`: the extension's media/model folder (absolute), to tell the bundled model apart. */
export function modelFacts(info: ModelInfo, bundledDir?: string): StepperModelFacts {
  const c = info.config;
  const norm = (p: string): string => p.replace(/[\\/]+$/, '');
  const gpt1 = c.modelType === 'openai-gpt';
  const llamaFamily = c.modelType === 'llama' || c.modelType === 'mistral' || c.modelType === 'qwen2' || c.modelType === 'qwen3';
  const facts: StepperModelFacts = {
    name: info.name,
    nLayer: c.nLayer,
    nHead: c.nHead,
    nEmbd: c.nEmbd,
    nInner: c.nInner,
    vocabSize: info.vocabSize,
    contextLength: info.contextLength,
    numParams: info.numParams,
    activation: c.activation,
    layerNormEps: c.layerNormEps,
    family: c.modelType,
    nKvHead: c.nKvHead,
    headDim: c.headDim,
    norm: c.norm ?? 'layernorm',
    normPlacement: gpt1 ? 'post' : 'pre',
    finalNorm: !gpt1,
    qkNorm: c.qkNorm ?? false,
    qkvBias: llamaFamily ? (c.attentionBias?.qkv ?? false) : true,
    mlp: llamaFamily ? 'swiglu' : 'mlp',
    tiedHead: c.tieWordEmbeddings !== false,
    bundled: bundledDir !== undefined && norm(info.dir) === norm(bundledDir),
  };
  if (c.rope) {
    const s = c.rope.scaling;
    facts.rope = { theta: c.rope.theta, rotaryDim: c.rope.rotaryDim, ...(s ? { scaling: { type: s.type, factor: s.factor } } : {}) };
  }
  if (c.slidingWindow) facts.slidingWindow = { ...c.slidingWindow };
  if (info.weightsDtype) facts.weightsDtype = info.weightsDtype;
  if (info.card !== undefined) facts.card = info.card;
  return facts;
}
