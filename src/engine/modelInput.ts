// What the decoder (model.ts) checks of its input before running: token ids within the vocabulary
// and the context, a capture's layer and position within the model and the text.
import { EngineError } from './errors';
import type { CaptureRequest, GPTConfig } from './types';

export function checkIds(config: GPTConfig, ids: number[], pos0: number): void {
  const { vocabSize: V, nPositions: P } = config;
  if (!Array.isArray(ids) || ids.length === 0) {
    throw new EngineError('BAD_ARGUMENT', 'the model needs at least one token id');
  }
  if (pos0 + ids.length > P) {
    throw new EngineError(
      'CONTEXT_TOO_LONG',
      pos0 === 0
        ? `${ids.length} tokens exceed the model's context length of ${P} (n_positions)`
        : `${pos0} cached + ${ids.length} new tokens exceed the model's context length of ${P} (n_positions)`,
    );
  }
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!Number.isInteger(id) || id < 0 || id >= V) {
      throw new EngineError('BAD_ARGUMENT', `token id ${id} at index ${i} is not an integer in [0, ${V}) (vocab_size ${V})`);
    }
  }
}

export function checkCapture(config: GPTConfig, cap: CaptureRequest, T: number): void {
  const { nLayer } = config;
  if (!Number.isInteger(cap.layer) || cap.layer < 0 || cap.layer >= nLayer) {
    throw new EngineError('BAD_ARGUMENT', `capture layer ${cap.layer} is not in [0, ${nLayer})`);
  }
  if (!Number.isInteger(cap.position) || cap.position < 0 || cap.position >= T) {
    throw new EngineError('BAD_ARGUMENT', `capture position ${cap.position} is not in [0, ${T})`);
  }
}

/** What the decoder needs of a config that its parser may not have checked (GPT-2's head split, kv groups). */
export function checkConfig(config: GPTConfig): void {
  if (config.modelType === 'gpt2' && config.nEmbd !== config.nHead * config.headDim) {
    throw new EngineError('BAD_CONFIG', `n_embd (${config.nEmbd}) must be divisible by n_head (${config.nHead})`);
  }
  if (config.nHead % config.nKvHead !== 0) {
    throw new EngineError('BAD_CONFIG', `the key/value heads (${config.nKvHead}) must divide the heads (${config.nHead})`);
  }
}
