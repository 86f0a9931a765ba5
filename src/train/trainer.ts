// Pre-training: the loop (warm-up + cosine lr, gradient accumulation, global-norm clipping,
// AdamW), fixed validation batches, atomic resumable checkpoints and the final export.
// A run whose output folder already holds train-state.safetensors resumes from it (unless
// `fresh`); with the same config it reaches exactly the losses of an uninterrupted run.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '../engine/backend';
import { ByteLevelBPETokenizer } from '../engine/tokenizer';
import type { GPTConfig } from '../engine/types';
import { AdamW } from './adamw';
import { DataParallel } from './dataParallel';
import { ShuffledBatches, TokenWindows, copyTaskBatch, fixedBatches, tokenizeFile } from './data';
import { exportModel } from './export';
import type { LossResult, TokenBatch, TrainableModel } from './trainable';
import { initModel } from './trainModels';
import { Rng } from './rng';
import { learningRate } from './schedule';
import { modelConfigFor, type TrainConfig } from './trainConfig';
import { loadTrainState, saveTrainState, type TrainMeta } from './trainState';

export interface RunOptions {
  /** Ignore an existing checkpoint and start again. */
  fresh?: boolean;
  /** Stop (as if killed) right after this step, without the final eval and export. */
  stopAfterStep?: number;
  log?: (line: string) => void;
}

export interface TrainSummary {
  step: number;
  history: TrainMeta['history'];
  trainLoss?: number;
  valLoss?: number;
  tokensSeen: number;
  elapsedMs: number;
  /** Tokens per second of this session's optimizer steps. */
  tokensPerSecond: number;
  modelDir?: string;
  /** The final parameters (for tests). */
  params: Float32Array[];
}

export const STATE_FILE = 'train-state.safetensors';

export { modelConfigFor } from './trainConfig';

/** Mean loss (nats/token) over fixed batches. */
export function evaluate(model: TrainableModel, batches: TokenBatch[]): number {
  let sum = 0;
  let n = 0;
  for (const b of batches) {
    const r = model.loss(b);
    sum += r.lossSum;
    n += r.weightSum;
  }
  return sum / n;
}

function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
}

export async function runTraining(cfg: TrainConfig, opts: RunOptions = {}): Promise<TrainSummary> {
  const log = opts.log ?? ((s: string) => console.log(s));
  await initBackend({ backend: 'wasm' });
  const tok = ByteLevelBPETokenizer.fromModelDir(cfg.tokenizer);
  const gcfg = modelConfigFor(cfg, tok);
  fs.mkdirSync(cfg.out, { recursive: true });
  const cacheDir = path.join(cfg.out, 'tokens');
  const trainTokens = tokenizeFile(cfg.data.train, tok, cacheDir, log);
  const valTokens = tokenizeFile(cfg.data.val, tok, cacheDir, log);
  const T = cfg.contextLength;
  const trainWin = new TokenWindows(trainTokens, T);
  const valBatches = fixedBatches(new TokenWindows(valTokens, T), cfg.batchSize, cfg.evalBatches);
  const valTokensPerByte = valTokens.length / fs.statSync(cfg.data.val).size;

  const stateFile = path.join(cfg.out, STATE_FILE);
  const rng = new Rng(cfg.seed);
  const model = initModel(gcfg, rng.next() * 2 ** 32);
  const sizes = model.params.map((p) => p.length);
  const adam = new AdamW(sizes, model.specs.map((s) => s.decay), cfg);
  let meta: TrainMeta = { version: 1, step: 0, adamT: 0, cursor: { epoch: 0, index: 0 }, rngState: rng.state, tokensSeen: 0, elapsedMs: 0, history: [] };
  if (!opts.fresh && fs.existsSync(stateFile)) {
    const s = loadTrainState(stateFile, model.specs);
    s.params.forEach((p, i) => model.params[i].set(p));
    s.m.forEach((m, i) => adam.m[i].set(m));
    s.v.forEach((v, i) => adam.v[i].set(v));
    meta = s.meta;
    adam.t = meta.adamT;
    rng.state = meta.rngState;
    log(`resuming from ${stateFile} at step ${meta.step}`);
  }
  if (cfg.copyTask && cfg.copyTask.idsTo > gcfg.vocabSize) throw new Error(`copyTask.idsTo (${cfg.copyTask.idsTo}) is past the vocabulary (${gcfg.vocabSize})`);
  const batches = new ShuffledBatches(trainWin, cfg.batchSize, cfg.seed, meta.cursor, cfg.repeatFraction);
  const tokensPerStep = cfg.batchSize * cfg.gradAccum * T;
  log(
    `model: ${gcfg.modelType}, ${gcfg.nLayer} layers, ${gcfg.nHead} heads, d=${gcfg.nEmbd}, context ${T}, vocab ${gcfg.vocabSize}: ` +
      `${model.parameterCount.toLocaleString('en-US')} parameters; ${trainTokens.length} train tokens (${trainWin.count} windows), ` +
      `${tokensPerStep} tokens/step, ${cfg.steps} steps`,
  );

  const save = (): void => {
    meta.cursor = { ...batches.cursor };
    meta.adamT = adam.t;
    meta.rngState = rng.state;
    saveTrainState(stateFile, model.specs, { meta, params: model.params, m: adam.m, v: adam.v });
  };
  const schedule = { lr: cfg.lr, minLr: cfg.minLr, warmupSteps: cfg.warmupSteps, totalSteps: cfg.steps, startStep: cfg.scheduleStart };
  const sessionStart = Date.now();
  let sessionTokens = 0;
  let sessionStepMs = 0;
  let lastLoss = NaN;
  // workers: 2 — both cores compute each micro-batch (this thread one half, a worker the other).
  const dp = cfg.workers > 1 ? await DataParallel.start(gcfg, sizes, { threads: cfg.workers }) : undefined;
  let lastSaved = meta.step;
  try {
    while (meta.step < cfg.steps) {
      const step = meta.step + 1;
      const t0 = Date.now();
      let lossSum = 0;
      let weightSum = 0;
      let grads: Float32Array[] | undefined;
      /** One micro-batch's loss; its gradient is added to the step's. */
      const accumulate = async (batch: TokenBatch): Promise<LossResult> => {
        const r = dp ? await dp.lossAndGrads(model, batch) : model.lossAndGrads(batch);
        if (!grads) grads = r.grads;
        else for (let k = 0; k < grads.length; k++) for (let i = 0; i < grads[k].length; i++) grads[k][i] += r.grads[k][i];
        return r;
      };
      for (let a = 0; a < cfg.gradAccum; a++) {
        const r = await accumulate(batches.next());
        lossSum += r.lossSum;
        weightSum += r.weightSum;
      }
      lastLoss = lossSum / weightSum;
      let copyLoss = NaN;
      if (cfg.copyTask) {
        // One more micro-batch: the synthetic copy task, weighted by its share of the targets.
        const r = await accumulate(copyTaskBatch(cfg.copyTask, cfg.seed, step));
        copyLoss = r.lossSum / r.weightSum;
        weightSum += r.weightSum;
      }
      const lr = learningRate(step, schedule);
      const gnorm = adam.step(model.params, grads!, lr, 1 / weightSum, cfg.gradClip);
      const ms = Date.now() - t0;
      sessionStepMs += ms;
      sessionTokens += tokensPerStep;
      meta.step = step;
      meta.tokensSeen += tokensPerStep;
      meta.elapsedMs += ms;
      const point: TrainMeta['history'][number] = { step };
      if (step % cfg.logEvery === 0 || step === cfg.steps) {
        point.loss = lastLoss;
        const tps = (sessionTokens / sessionStepMs) * 1000;
        const eta = ((cfg.steps - step) * sessionStepMs) / (sessionTokens / tokensPerStep) / 1000;
        const copy = cfg.copyTask ? ` | copy ${copyLoss.toFixed(3)}` : '';
        log(`step ${step}/${cfg.steps} | loss ${lastLoss.toFixed(4)}${copy} | lr ${lr.toExponential(2)} | gnorm ${gnorm.toFixed(2)} | ${tps.toFixed(0)} tok/s | ETA ${fmtTime(eta)}`);
      }
      if (step % cfg.evalEvery === 0 || step === cfg.steps) {
        const te = Date.now();
        point.valLoss = evaluate(model, valBatches);
        meta.elapsedMs += Date.now() - te;
        log(`step ${step} | val loss ${point.valLoss.toFixed(4)} (${(point.valLoss / Math.LN2).toFixed(3)} bits/token, ${((point.valLoss / Math.LN2) * valTokensPerByte).toFixed(3)} bits/byte)`);
      }
      if (point.loss !== undefined || point.valLoss !== undefined) meta.history.push(point);
      if (step % cfg.checkpointEvery === 0 || step === cfg.steps) {
        save();
        lastSaved = step;
        log(`checkpoint saved at step ${step}`);
      }
      if (opts.stopAfterStep !== undefined && step >= opts.stopAfterStep && step < cfg.steps) {
        return { step, history: meta.history, tokensSeen: meta.tokensSeen, elapsedMs: meta.elapsedMs, tokensPerSecond: (sessionTokens / sessionStepMs) * 1000, params: model.params };
      }
    }
  } catch (e) {
    const saved = fs.existsSync(stateFile) ? `the checkpoint of step ${lastSaved} in ${stateFile} is intact; run again to resume` : 'no checkpoint was written';
    throw new Error(`training stopped at step ${meta.step + 1}: ${e instanceof Error ? e.message : String(e)} (${saved})`);
  } finally {
    await dp?.close();
  }

  const summary = finalSummary(meta, cfg, valTokensPerByte);
  summary.tokensPerSecond = sessionStepMs ? (sessionTokens / sessionStepMs) * 1000 : 0;
  summary.params = model.params;
  summary.modelDir = path.join(cfg.out, 'model');
  exportRun(cfg, gcfg, model, meta, valTokensPerByte, summary.modelDir);
  log(`exported ${summary.modelDir} (${((Date.now() - sessionStart) / 1000).toFixed(0)} s this session)`);
  return summary;
}

/** Writes the model folder (weights, config, tokenizer, card) for the run's current state. */
function exportRun(cfg: TrainConfig, gcfg: GPTConfig, model: TrainableModel, meta: TrainMeta, valTokensPerByte: number, dir: string): void {
  const summary = finalSummary(meta, cfg, valTokensPerByte);
  const rel = (p: string): string => path.relative(process.cwd(), p) || p;
  exportModel(dir, {
    config: gcfg,
    weights: model.toWeightMap(),
    tokenizerDir: cfg.tokenizer,
    card: {
      name: cfg.name,
      kind: 'pre-trained',
      gptConfig: gcfg,
      parameters: model.parameterCount,
      data: [rel(cfg.data.train), rel(cfg.data.val)],
      corpusManifest: cfg.data.manifest && fs.existsSync(cfg.data.manifest) ? JSON.parse(fs.readFileSync(cfg.data.manifest, 'utf8')) : undefined,
      steps: meta.step,
      tokensSeen: meta.tokensSeen,
      trainLoss: summary.trainLoss,
      valLoss: summary.valLoss,
      valTokensPerByte,
      trainingTimeMs: meta.elapsedMs,
      trainingConfig: {
        ...cfg,
        tokenizer: rel(cfg.tokenizer),
        data: { ...cfg.data, train: rel(cfg.data.train), val: rel(cfg.data.val), ...(cfg.data.manifest ? { manifest: rel(cfg.data.manifest) } : {}) },
        out: rel(cfg.out),
      },
    },
  });
}

/** `train.js export`: the model folder for the latest checkpoint of a run (also mid-run). */
export function exportFromState(cfg: TrainConfig, dir: string): void {
  const tok = ByteLevelBPETokenizer.fromModelDir(cfg.tokenizer);
  const gcfg = modelConfigFor(cfg, tok);
  const model = initModel(gcfg, 0);
  const stateFile = path.join(cfg.out, STATE_FILE);
  if (!fs.existsSync(stateFile)) throw new Error(`${stateFile}: no checkpoint yet`);
  const s = loadTrainState(stateFile, model.specs);
  s.params.forEach((p, i) => model.params[i].set(p));
  const valTokens = tokenizeFile(cfg.data.val, tok, path.join(cfg.out, 'tokens'));
  exportRun(cfg, gcfg, model, s.meta, valTokens.length / fs.statSync(cfg.data.val).size, dir);
}

/** Final numbers from the history: mean training loss over the last 10% of logged steps, last val loss. */
export function finalSummary(meta: TrainMeta, cfg: TrainConfig, valTokensPerByte: number): TrainSummary & { valTokensPerByte: number } {
  const logged = meta.history.filter((h) => h.loss !== undefined);
  const tail = logged.filter((h) => h.step > cfg.steps * 0.9);
  const use = tail.length ? tail : logged.slice(-1);
  const trainLoss = use.length ? use.reduce((s, h) => s + h.loss!, 0) / use.length : undefined;
  const vals = meta.history.filter((h) => h.valLoss !== undefined);
  return {
    step: meta.step,
    history: meta.history,
    trainLoss,
    valLoss: vals.length ? vals[vals.length - 1].valLoss : undefined,
    tokensSeen: meta.tokensSeen,
    elapsedMs: meta.elapsedMs,
    tokensPerSecond: 0,
    params: [],
    valTokensPerByte,
  };
}
