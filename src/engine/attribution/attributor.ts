// The engine's attribution service (EngineSession.attribute delegates here): checks the request,
// picks the token explained, and runs the method on the tokens 0…position (later tokens cannot
// reach the prediction at `position`: causal attention). Occlusion runs the engine's own forward —
// on one thread or split over several, as the model was loaded. The gradient methods run the
// differentiable copy of the model (diffModel.ts) on this thread, built on first use and kept
// until the session goes; a split model gives the same numbers, since the copy is the whole
// checkpoint either way (test/unit/attribution.test.ts compares them).
import { logSumExp } from '../../analysis/topk';
import { ATTRIBUTION_METHODS, DEFAULT_IG_STEPS, MAX_IG_STEPS, type AttributionRequest, type AttributionResult } from '../../shared/attribution';
import type { Token } from '../../shared/token';
import { loadCheckpoint } from '../checkpoint';
import { EngineError } from '../errors';
import type { GPTModel } from '../model';
import type { Tokenizer } from '../types';
import { diffModelOf, type DiffModel } from './diffModel';
import { gradientTimesInput, integratedGradients, occlusion } from './methods';

function checkInt(name: string, v: unknown, min: number, max: number): asserts v is number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new EngineError('BAD_ARGUMENT', `${name} must be an integer from ${min} to ${max}, got ${String(v)}`);
  }
}

const yieldToEventLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

export class Attributor {
  private diff: DiffModel | undefined;

  constructor(
    /** The model folder (the gradient methods read the checkpoint again from it). */
    private readonly dir: string,
    private readonly model: GPTModel,
    private readonly tokenizer: Tokenizer,
  ) {}

  async attribute(tokens: Token[], req: AttributionRequest, isCancelled: () => boolean = () => false): Promise<AttributionResult> {
    const { nPositions, vocabSize: V } = this.model.config;
    if (!ATTRIBUTION_METHODS.includes(req.method)) throw new EngineError('BAD_ARGUMENT', `method must be one of ${ATTRIBUTION_METHODS.join(', ')}, got ${String(req.method)}`);
    checkInt('position', req.position, 0, Math.min(tokens.length, nPositions) - 1);
    if (req.target !== undefined) checkInt('target token id', req.target, 0, V - 1);
    const steps = req.steps ?? DEFAULT_IG_STEPS;
    checkInt('steps', steps, 1, MAX_IG_STEPS);
    const context = tokens.slice(0, req.position + 1);
    const ids = context.map((t) => t.id);
    const stopIfCancelled = (): void => {
      if (isCancelled()) throw new EngineError('CANCELLED', 'the attribution was cancelled');
    };
    const lastRow = async (x: number[]): Promise<Float32Array> => {
      stopIfCancelled();
      const { logits } = await this.model.forward(x, { attentions: false }, { shouldStop: isCancelled }); // [T × V]
      return logits.subarray((x.length - 1) * V, x.length * V); // [V]
    };
    const first = await lastRow(ids);
    const target = req.target ?? argmax(first);
    const text = (id: number): { id: number; text: string } => ({ id, text: this.tokenizer.decode([id]) });
    const base = { tokens: context, position: req.position, method: req.method, target: text(target) };
    if (req.method === 'occlusion') {
      const replacement = this.replacementId();
      const logProbOf = async (x: number[]): Promise<number> => {
        const z = x === ids ? first : await lastRow(x); // [V]
        return z[target] - logSumExp(z);
      };
      const r = await occlusion(logProbOf, ids, replacement);
      return { ...base, ...r, replacement: text(replacement) };
    }
    const m = this.diffModel();
    if (req.method === 'grad') return { ...base, ...gradientTimesInput(m, ids, target) };
    const between = async (): Promise<void> => {
      await yieldToEventLoop(); // lets a cancel message in
      stopIfCancelled();
    };
    return { ...base, ...(await integratedGradients(m, ids, target, steps, between)), steps };
  }

  /** The token occlusion puts in place of each token: the end-of-text token (else BOS, else id 0). */
  private replacementId(): number {
    const c = this.model.config;
    return this.tokenizer.eosTokenId ?? c.eosTokenId ?? this.tokenizer.bosTokenId ?? c.bosTokenId ?? 0;
  }

  private diffModel(): DiffModel {
    if (!this.diff) {
      const { config, weights } = loadCheckpoint(this.dir); // float32, the whole checkpoint
      this.diff = diffModelOf(config, weights, this.model.numParams);
    }
    return this.diff;
  }

  dispose(): void {
    this.diff?.dispose();
    this.diff = undefined;
  }
}

function argmax(z: Float32Array): number {
  let best = 0;
  for (let i = 1; i < z.length; i++) if (z[i] > z[best]) best = i;
  return best;
}
