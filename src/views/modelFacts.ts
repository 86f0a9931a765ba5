// The figures the stepper's "Model" section shows, from what the engine reports about the loaded
// model (its config, parameter count and model card). Pure: no vscode.
import type { ModelInfo } from '../engine/modelInfo';
import type { StepperModelFacts } from '../shared/stepperProtocol';

/** `bundledDir`: the extension's media/model folder (absolute), to tell the bundled model apart. */
export function modelFacts(info: ModelInfo, bundledDir?: string): StepperModelFacts {
  const c = info.config;
  const norm = (p: string): string => p.replace(/[\\/]+$/, '');
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
    bundled: bundledDir !== undefined && norm(info.dir) === norm(bundledDir),
  };
  if (info.card !== undefined) facts.card = info.card;
  return facts;
}
