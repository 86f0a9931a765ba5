// The session's experiments on heads (issue 15), built on the forward's interventions
// (interventions.ts): ablation (chosen heads' outputs zeroed or replaced by their mean over the text's
// positions, before the output projection) and activation patching (TransformerLens's clean vs
// corrupted experiment: each layer's residual stream at each position, and each head's output,
// put from the clean run into the corrupted one; how much of the logit difference comes back).
import { logSumExp, topKSoftmax } from '../analysis/topk';
import { EngineError } from './errors';
import type { HeadEdit } from './interventionTypes';
import type { GPTModel } from './model';
import type { Run } from './runStore';
import { predictionsWithBytes } from './tokenBytes';
import type { Tokenizer } from './types';
import type { TopPredictions } from '../shared/sessionTypes';
import type { AblationRequest, AblationResult, PatchProgress, PatchRequest, PatchResult } from '../shared/interventionTypes';
import type { Token } from '../shared/token';

export interface InterventionHooks {
  isCancelled?: () => boolean;
  onProgress?: (p: PatchProgress) => void;
}

/** Per token t: −ln softmax(logits[t − 1])[ids[t]] in nats (entry 0: NaN), and their mean over t ≥ 1. */
export function nextTokenLosses(logits: Float32Array, V: number, ids: readonly number[]): { losses: number[]; mean: number } {
  const losses = [NaN];
  let sum = 0;
  for (let t = 1; t < ids.length; t++) {
    const loss = logSumExp(logits, (t - 1) * V, V) - logits[(t - 1) * V + ids[t]];
    losses.push(loss);
    sum += loss;
  }
  return { losses, mean: ids.length > 1 ? sum / (ids.length - 1) : NaN };
}

function cancelled(): EngineError {
  return new EngineError('CANCELLED', 'the experiment was cancelled');
}

export class InterventionService {
  constructor(
    private readonly model: GPTModel,
    private readonly tokenizer: Tokenizer,
    /** Keeps a run like an analysis (its attentions can be sliced by the id returned). */
    private readonly keep: (run: Run) => number,
  ) {}

  /** The forward without and with the heads ablated; the ablated run is kept with its attention maps. */
  async ablate(tokens: Token[], req: AblationRequest, hooks: InterventionHooks = {}): Promise<AblationResult> {
    const { nLayer, nHead, vocabSize: V } = this.model.config;
    const k = req.topK ?? 10;
    if (!Number.isInteger(k) || k < 1 || k > V) throw new EngineError('BAD_ARGUMENT', `topK must be an integer from 1 to ${V}, got ${k}`);
    if (req.mode !== 'zero' && req.mode !== 'mean') throw new EngineError('BAD_ARGUMENT', `ablation mode must be zero or mean, got ${String(req.mode)}`);
    if (req.heads.length === 0) throw new EngineError('BAD_ARGUMENT', 'choose at least one head to ablate');
    for (const { layer, head } of req.heads) {
      if (!Number.isInteger(layer) || layer < 0 || layer >= nLayer || !Number.isInteger(head) || head < 0 || head >= nHead) {
        throw new EngineError('BAD_ARGUMENT', `there is no head ${layer}.${head}: the model has ${nLayer} layers of ${nHead} heads`);
      }
    }
    const ids = this.checkTokens(tokens, 'the text');
    const base = await this.model.forward(ids, { attentions: false });
    if (hooks.isCancelled?.()) throw cancelled();
    const heads: HeadEdit[] = req.heads.map(({ layer, head }) => ({ layer, head, mode: req.mode }));
    const ablated = await this.model.forward(ids, { attentions: true, intervention: { heads } });
    if (hooks.isCancelled?.()) throw cancelled();
    const attentions = ablated.attentions ?? [];
    const runId = this.keep({ ids, logits: ablated.logits, attentions, bytes: ablated.logits.byteLength + attentions.reduce((s, a) => s + a.byteLength, 0) });
    const b = nextTokenLosses(base.logits, V, ids);
    const a = nextTokenLosses(ablated.logits, V, ids);
    return {
      runId,
      tokens,
      heads: req.heads.map(({ layer, head }) => ({ layer, head })),
      mode: req.mode,
      baseLoss: b.mean,
      ablatedLoss: a.mean,
      baseLosses: b.losses,
      ablatedLosses: a.losses,
      basePredictions: this.predictions(base.logits, ids.length, k),
      ablatedPredictions: this.predictions(ablated.logits, ids.length, k),
    };
  }

  /**
   * Patches the clean run into the corrupted one: the residual after each block at each position
   * (L × T forwards), then each head's output at every position (L × H forwards).
   */
  async patch(req: PatchRequest, hooks: InterventionHooks = {}): Promise<PatchResult> {
    const { nLayer: L, nHead: H, headDim: hd, nEmbd: d, vocabSize: V } = this.model.config;
    const clean = this.checkTokens(this.tokenizer.encode(req.clean), 'the clean text');
    const corruptTokens = this.tokenizer.encode(req.corrupt);
    const corrupt = this.checkTokens(corruptTokens, 'the corrupted text');
    if (clean.length !== corrupt.length) {
      throw new EngineError(
        'BAD_ARGUMENT',
        `patching needs two texts of the same token length: the clean text has ${clean.length} tokens, the corrupted text ${corrupt.length}`,
      );
    }
    const target = this.oneToken(req.target, 'target');
    const contrast = this.oneToken(req.contrast, 'contrast');
    if (target.id === contrast.id) throw new EngineError('BAD_ARGUMENT', `the target and contrast tokens are the same token (${JSON.stringify(target.text)})`);
    const T = clean.length;
    const diff = (logits: Float32Array): number => logits[(T - 1) * V + target.id] - logits[(T - 1) * V + contrast.id];

    const recordHeads = Array.from({ length: L }, () => this.model.sharedArray(H * T * hd)); // L × [H × T × hd]
    const cleanRun = await this.model.forward(clean, { attentions: false, residuals: true, intervention: { recordHeads } });
    const residuals = cleanRun.residuals!; // (L + 1) × [T × d]: embeddings, then after each block
    const cleanDiff = diff(cleanRun.logits);
    const corruptDiff = diff((await this.model.forward(corrupt, { attentions: false })).logits);
    if (Math.abs(cleanDiff - corruptDiff) < 1e-6) {
      throw new EngineError(
        'BAD_ARGUMENT',
        `the clean and corrupted texts give the same logit difference between ${JSON.stringify(target.text)} and ${JSON.stringify(contrast.text)} (${cleanDiff.toFixed(4)}): there is nothing to recover`,
      );
    }
    const recovered = (logits: Float32Array): number => (diff(logits) - corruptDiff) / (cleanDiff - corruptDiff);
    const total = L * T + L * H;
    let done = 0;
    const step = async (opts: Parameters<GPTModel['forward']>[1]): Promise<number> => {
      if (hooks.isCancelled?.()) throw cancelled();
      const out = await this.model.forward(corrupt, opts);
      hooks.onProgress?.({ done: ++done, total });
      return recovered(out.logits);
    };
    const layers: number[][] = [];
    for (let l = 0; l < L; l++) {
      const row: number[] = [];
      for (let t = 0; t < T; t++) {
        const values = residuals[l + 1].slice(t * d, (t + 1) * d); // [d]
        row.push(await step({ attentions: false, intervention: { residual: [{ layer: l, positions: [t], values }] } }));
      }
      layers.push(row);
    }
    const heads: number[][] = [];
    for (let l = 0; l < L; l++) {
      const row: number[] = [];
      for (let h = 0; h < H; h++) {
        const values = recordHeads[l].slice(h * T * hd, (h + 1) * T * hd); // [T × hd]
        row.push(await step({ attentions: false, intervention: { heads: [{ layer: l, head: h, mode: 'replace', values }] } }));
      }
      heads.push(row);
    }
    return { T, tokens: corruptTokens, target, contrast, cleanDiff, corruptDiff, layers, heads };
  }

  private predictions(logits: Float32Array, T: number, k: number): TopPredictions[] {
    const V = this.model.config.vocabSize;
    const decode = (id: number): string => this.tokenizer.decode([id]);
    return Array.from({ length: T }, (_, t) => predictionsWithBytes(this.tokenizer, topKSoftmax(logits, V, t, k, decode)));
  }

  private checkTokens(tokens: readonly Token[], what: string): number[] {
    const { nPositions, vocabSize } = this.model.config;
    if (tokens.length === 0) throw new EngineError('BAD_ARGUMENT', `${what} has no tokens`);
    if (tokens.length > nPositions) {
      throw new EngineError('CONTEXT_TOO_LONG', `${what} is ${tokens.length} tokens long but the model's context is ${nPositions} tokens`);
    }
    for (const t of tokens) {
      if (!Number.isInteger(t.id) || t.id < 0 || t.id >= vocabSize) throw new EngineError('BAD_ARGUMENT', `token id ${t.id} in ${what} is not in [0, ${vocabSize})`);
    }
    return tokens.map((t) => t.id);
  }

  /** `text` as exactly one token of the vocabulary (no BOS added). */
  private oneToken(text: string, what: string): { id: number; text: string } {
    const tokens = this.tokenizer.encode(text, { addSpecialTokens: false });
    if (tokens.length !== 1) {
      const got = tokens.map((t) => JSON.stringify(t.text)).join(' ');
      throw new EngineError('BAD_ARGUMENT', `the ${what} ${JSON.stringify(text)} must be one token; it is ${tokens.length} (${got || 'none'})`);
    }
    return { id: tokens[0].id, text: tokens[0].text };
  }
}
