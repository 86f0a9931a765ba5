// The training configuration file (configs/*.json): model dimensions, optimisation, data and output
// paths. Relative paths are resolved against the current working directory (the repo root when run
// through npm). The vocabulary size comes from the tokenizer folder, never from this file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { GPTConfig, Tokenizer } from '../engine/types';
import type { CopyTaskOptions } from './data';

/** The model's shape: GPT-2 (default) or Llama (RMSNorm, RoPE, SwiGLU, no biases, tied head). */
export interface ModelShape {
  family: 'gpt2' | 'llama';
  nLayer: number;
  nHead: number;
  nEmbd: number;
  /** Feed-forward width: GPT-2's MLP (default 4·nEmbd) or Llama's SwiGLU (default llamaInner(nEmbd)). */
  nInner?: number;
  /** Llama: RoPE's base θ (default 10000). */
  ropeTheta?: number;
  /** Llama: RMSNorm's epsilon (default 1e-5). */
  rmsNormEps?: number;
}

/** Llama's default SwiGLU width: 8/3·d (the parameters and FLOPs of a 4d GELU MLP) rounded up to a multiple of 32. */
export function llamaInner(d: number): number {
  return 32 * Math.ceil((8 * d) / 3 / 32);
}

export interface TrainConfig {
  /** Model name written into config.json and the card. */
  name: string;
  /** Folder with the tokenizer files (vocab.json + merges.txt or tokenizer.json). */
  tokenizer: string;
  data: { train: string; val: string; /** corpus manifest (JSON), quoted in the model card */ manifest?: string };
  model: ModelShape;
  /** Context length T: the model's n_positions and the length of every training window. */
  contextLength: number;
  /** Windows per micro-batch. */
  batchSize: number;
  /** Fraction of training windows built as "half a window, then the same half again" (0 = none). */
  repeatFraction: number;
  /**
   * A synthetic copy task added to every step as one more micro-batch (random spans repeated, loss
   * on the repeats), to grow induction heads; absent = none. See copyTaskBatch in data.ts.
   */
  copyTask?: CopyTaskOptions;
  /** Micro-batches per optimizer step. */
  gradAccum: number;
  steps: number;
  lr: number;
  minLr: number;
  warmupSteps: number;
  /**
   * The step the learning-rate schedule (warm-up, then cosine to minLr at `steps`) starts after;
   * default 0. Set to the last step of a finished run to continue it as a new stage with its own
   * warm-up and decay (e.g. with a copyTask added).
   */
  scheduleStart: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Global gradient-norm clip (0 = none). */
  gradClip: number;
  seed: number;
  evalEvery: number;
  /** Number of fixed validation batches. */
  evalBatches: number;
  checkpointEvery: number;
  logEvery: number;
  /** Threads computing each micro-batch's gradient (1, or 2: data-parallel, see dataParallel.ts). */
  workers: 1 | 2;
  /** Output folder: train-state.safetensors (resume), tokens/ (cache), model/ (the export), log.jsonl. */
  out: string;
}

const DEFAULTS = {
  name: 'attention-lens-gpt',
  gradAccum: 1,
  repeatFraction: 0,
  minLr: 0,
  warmupSteps: 100,
  scheduleStart: 0,
  weightDecay: 0.1,
  beta1: 0.9,
  beta2: 0.99,
  eps: 1e-8,
  gradClip: 1,
  seed: 1337,
  evalEvery: 250,
  evalBatches: 8,
  checkpointEvery: 100,
  logEvery: 10,
  workers: 1,
};

export function parseTrainConfig(json: unknown, file: string): TrainConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`${file}: expected a JSON object`);
  const c = { ...DEFAULTS, ...(json as Record<string, unknown>) } as Record<string, unknown>;
  const num = (k: string, int: boolean, min: number): number => {
    const v = c[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || (int && !Number.isInteger(v)) || v < min) {
      throw new Error(`${file}: "${k}" must be ${int ? 'an integer' : 'a number'} ≥ ${min}, got ${JSON.stringify(v)}`);
    }
    return v;
  };
  const str = (v: unknown, k: string): string => {
    if (typeof v !== 'string' || v === '') throw new Error(`${file}: "${k}" must be a non-empty string`);
    return v;
  };
  const data = c.data as Record<string, unknown> | undefined;
  const model = c.model as Record<string, unknown> | undefined;
  if (!data || typeof data !== 'object') throw new Error(`${file}: missing "data": { "train", "val" }`);
  if (!model || typeof model !== 'object') throw new Error(`${file}: missing "model": { "nLayer", "nHead", "nEmbd" }`);
  const m = (k: string): number => {
    const v = model[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new Error(`${file}: "model.${k}" must be a positive integer`);
    return v;
  };
  const cfg: TrainConfig = {
    name: str(c.name, 'name'),
    tokenizer: path.resolve(str(c.tokenizer, 'tokenizer')),
    data: {
      train: path.resolve(str(data.train, 'data.train')),
      val: path.resolve(str(data.val, 'data.val')),
      ...(data.manifest !== undefined ? { manifest: path.resolve(str(data.manifest, 'data.manifest')) } : {}),
    },
    model: parseModel(model, file, m),
    contextLength: num('contextLength', true, 2),
    batchSize: num('batchSize', true, 1),
    gradAccum: num('gradAccum', true, 1),
    repeatFraction: num('repeatFraction', false, 0),
    steps: num('steps', true, 1),
    lr: num('lr', false, 0),
    minLr: num('minLr', false, 0),
    warmupSteps: num('warmupSteps', true, 0),
    scheduleStart: num('scheduleStart', true, 0),
    weightDecay: num('weightDecay', false, 0),
    beta1: num('beta1', false, 0),
    beta2: num('beta2', false, 0),
    eps: num('eps', false, 0),
    gradClip: num('gradClip', false, 0),
    seed: num('seed', true, 0),
    evalEvery: num('evalEvery', true, 1),
    evalBatches: num('evalBatches', true, 1),
    checkpointEvery: num('checkpointEvery', true, 1),
    logEvery: num('logEvery', true, 1),
    workers: num('workers', true, 1) as 1 | 2,
    out: path.resolve(str(c.out, 'out')),
  };
  if (cfg.scheduleStart >= cfg.steps) throw new Error(`${file}: "scheduleStart" (${cfg.scheduleStart}) must be below "steps" (${cfg.steps})`);
  if (c.copyTask !== undefined) cfg.copyTask = parseCopyTask(c.copyTask, cfg.contextLength, file);
  if (cfg.workers > 2) throw new Error(`${file}: "workers" must be 1 or 2, got ${cfg.workers}`);
  if (cfg.model.nEmbd % cfg.model.nHead !== 0) throw new Error(`${file}: model.nEmbd must be divisible by model.nHead`);
  return cfg;
}

function parseModel(model: Record<string, unknown>, file: string, m: (k: string) => number): ModelShape {
  const family = model.family ?? 'gpt2';
  if (family !== 'gpt2' && family !== 'llama') throw new Error(`${file}: "model.family" must be "gpt2" or "llama", got ${JSON.stringify(family)}`);
  const shape: ModelShape = { family, nLayer: m('nLayer'), nHead: m('nHead'), nEmbd: m('nEmbd'), ...(model.nInner !== undefined ? { nInner: m('nInner') } : {}) };
  for (const k of ['ropeTheta', 'rmsNormEps'] as const) {
    const v = model[k];
    if (v === undefined) continue;
    if (family !== 'llama') throw new Error(`${file}: "model.${k}" applies to "family": "llama" only`);
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || (k === 'rmsNormEps' && v >= 1)) throw new Error(`${file}: "model.${k}" must be a positive number${k === 'rmsNormEps' ? ' below 1' : ''}, got ${JSON.stringify(v)}`);
    shape[k] = v;
  }
  if (family === 'llama' && (shape.nEmbd / shape.nHead) % 2 !== 0) throw new Error(`${file}: a Llama head (nEmbd / nHead = ${shape.nEmbd / shape.nHead}) must have an even width for RoPE`);
  return shape;
}

/** The engine's config of the model a training config describes, with the tokenizer's vocabulary and special ids. */
export function modelConfigFor(cfg: TrainConfig, tok: Pick<Tokenizer, 'vocabSize' | 'eosTokenId' | 'bosTokenId'>): GPTConfig {
  const m = cfg.model;
  const headDim = m.nEmbd / m.nHead;
  const common = { vocabSize: tok.vocabSize, nPositions: cfg.contextLength, nEmbd: m.nEmbd, nLayer: m.nLayer, nHead: m.nHead, nKvHead: m.nHead, headDim, name: cfg.name };
  const c: GPTConfig =
    m.family === 'llama'
      ? {
          ...common,
          modelType: 'llama',
          nInner: m.nInner ?? llamaInner(m.nEmbd),
          layerNormEps: m.rmsNormEps ?? 1e-5,
          activation: 'silu',
          norm: 'rmsnorm',
          rope: { theta: m.ropeTheta ?? 10000, rotaryDim: headDim },
          tieWordEmbeddings: true,
          attentionBias: { qkv: false, o: false },
          mlpBias: false,
          qkNorm: false,
        }
      : { ...common, modelType: 'gpt2', nInner: m.nInner ?? 4 * m.nEmbd, layerNormEps: 1e-5, activation: 'gelu_new' };
  if (tok.eosTokenId !== undefined) c.eosTokenId = tok.eosTokenId;
  if (tok.bosTokenId !== undefined) c.bosTokenId = tok.bosTokenId;
  return c;
}

function parseCopyTask(x: unknown, contextLength: number, file: string): CopyTaskOptions {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new Error(`${file}: "copyTask" must be an object`);
  const o = x as Record<string, unknown>;
  const int = (k: string, min: number, max = Infinity): number => {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new Error(`${file}: "copyTask.${k}" must be an integer in [${min}, ${max === Infinity ? '∞' : max}], got ${JSON.stringify(v)}`);
    }
    return v;
  };
  const length = int('length', 2, contextLength);
  const periodMin = int('periodMin', 1, length - 1);
  const periodMax = int('periodMax', periodMin, length - 1);
  const idsFrom = int('idsFrom', 0);
  const idsTo = int('idsTo', idsFrom + 2);
  return { rows: int('rows', 1), length, periodMin, periodMax, idsFrom, idsTo };
}

export function loadTrainConfig(file: string): TrainConfig {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
  return parseTrainConfig(json, file);
}
