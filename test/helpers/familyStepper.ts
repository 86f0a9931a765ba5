// A family fixture (test/fixtures/families/*) opened for the Layer Stepper's tests: the model run
// on the reference's ids (the fixtures have no tokenizer), a StepperRun over it whose captures
// are the engine's own (captureSlice, as the session gives them), the model facts, and an
// independent float64 inv_freq from config.json (Hugging Face's modeling_rope_utils formulas).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { topKSoftmax } from '../../src/analysis/topk';
import { initBackend } from '../../src/engine/backend';
import { captureSlice } from '../../src/engine/capture';
import { loadCheckpoint } from '../../src/engine/checkpoint';
import { GPTModel } from '../../src/engine/model';
import type { GPTConfig, WeightMap } from '../../src/engine/types';
import { STEPPER_TEXT } from '../../src/shared/explanations';
import type { CaptureSlice } from '../../src/shared/sessionTypes';
import type { StepperModelFacts } from '../../src/shared/stepperProtocol';
import type { Token } from '../../src/shared/token';
import { modelFacts } from '../../src/host/modelFacts';
import { StepperRun } from '../../src/views/stepperRun';
import type { StepInput } from '../../webview/stepper/steps';

export const FAMILY_CASES = path.resolve(__dirname, '../fixtures/families');

export interface FamilyStepper {
  name: string;
  config: GPTConfig;
  /** config.json as written. */
  raw: Record<string, unknown>;
  weights: WeightMap;
  model: GPTModel;
  facts: StepperModelFacts;
  ids: number[];
  tokens: Token[];
  logits: Float32Array; // [T × V]
  run: StepperRun;
  /** The step input at `layer`, `position`, `head` (captures cached). */
  input(layer: number, position: number, head?: number): Promise<StepInput>;
  dispose(): void;
}

export async function openFamily(name: string): Promise<FamilyStepper> {
  await initBackend();
  const dir = path.join(FAMILY_CASES, name);
  const ref = JSON.parse(fs.readFileSync(path.join(dir, 'reference.json'), 'utf8')) as { ids: number[] };
  const raw = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  const { config, weights: forModel, dtype } = loadCheckpoint(dir);
  const model = GPTModel.create(config, forModel);
  const { weights } = loadCheckpoint(dir); // a copy of our own, for the independent checks
  const ids = ref.ids;
  const V = config.vocabSize;
  const logits = (await model.forward(ids, { attentions: false })).logits;
  const decode = (id: number): string => `<${id}>`;
  const predictions = ids.map((_, t) => topKSoftmax(logits, V, t, 5, decode));
  const tokens: Token[] = ids.map((id, i) => ({ id, text: decode(id), start: 4 * i, end: 4 * i + 4 }));
  const engine = {
    capture: async (_run: number, layer: number, position: number): Promise<CaptureSlice> =>
      captureSlice(await model.forward(ids, { attentions: false, capture: { layer, position } }), position, config),
    logits: async () => logits,
    logitLens: () => Promise.reject(new Error('not used')),
  };
  const run = new StepperRun(engine, 1, tokens, { uri: 'file:///x', base: 0, length: 4 * ids.length, label: name }, V, predictions);
  const facts = modelFacts({ name, dir, config, numParams: model.numParams, vocabSize: V, contextLength: config.nPositions, threads: 1, weightsDtype: dtype });
  const captures = new Map<string, CaptureSlice>();
  return {
    name,
    config,
    raw,
    weights,
    model,
    facts,
    ids,
    tokens,
    logits,
    run,
    async input(layer, position, head = 0) {
      const key = `${layer}:${position}`;
      if (!captures.has(key)) captures.set(key, await run.capture(layer, position));
      const c = captures.get(key)!;
      return {
        model: facts,
        tokens,
        position,
        head,
        capture: c.capture,
        tokenEmbedding: c.tokenEmbedding,
        positionEmbedding: c.positionEmbedding,
        finalLn: c.finalLn,
        finalNormRms: c.finalNormRms,
        finalNormWeight: c.finalNormWeight,
        invFreq: c.invFreq,
        readout: await run.readout(position),
        strings: { ...STEPPER_TEXT },
      };
    },
    dispose: () => model.dispose(),
  };
}

/** inv_freq [rotaryDim / 2] from config.json alone, in float64 (default, linear, dynamic within the context, llama3). */
export function referenceInvFreq(c: Record<string, unknown>): number[] {
  const hidden = c.hidden_size as number;
  const headDim = (c.head_dim as number | undefined) ?? hidden / (c.num_attention_heads as number);
  const dim = Math.floor(headDim * ((c.partial_rotary_factor as number | undefined) ?? 1));
  const base = (c.rope_theta as number | undefined) ?? 10000;
  const f = Array.from({ length: dim / 2 }, (_, i) => 1 / Math.pow(base, (2 * i) / dim));
  const s = c.rope_scaling as Record<string, number | string> | null | undefined;
  const type = s ? (s.rope_type ?? s.type) : undefined;
  if (type === 'linear') return f.map((x) => x / (s!.factor as number));
  if (type !== 'llama3') return f; // default, and dynamic within max_position_embeddings
  const factor = s!.factor as number;
  const orig = s!.original_max_position_embeddings as number;
  const low = s!.low_freq_factor as number;
  const high = s!.high_freq_factor as number;
  return f.map((x) => {
    const wavelen = (2 * Math.PI) / x;
    if (wavelen < orig / high) return x;
    if (wavelen > orig / low) return x / factor;
    const smooth = (orig / wavelen - low) / (high - low);
    return ((1 - smooth) * x) / factor + smooth * x;
  });
}

/** HF's apply_rotary_pos_emb on one head vector at `pos`: the first 2·invFreq.length dims rotate (rotate_half), the rest pass. */
export function rotate(x: ArrayLike<number>, pos: number, invFreq: number[]): Float64Array {
  const half = invFreq.length;
  const out = Float64Array.from(x);
  for (let i = 0; i < half; i++) {
    const cos = Math.cos(pos * invFreq[i]);
    const sin = Math.sin(pos * invFreq[i]);
    out[i] = x[i] * cos - x[i + half] * sin;
    out[i + half] = x[i + half] * cos + x[i] * sin;
  }
  return out;
}
