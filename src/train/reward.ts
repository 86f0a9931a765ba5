// Reward fine-tuning with REINFORCE and a baseline. For each step: pick a prompt, sample several
// continuations from the current model, score each with the user's reward function, and follow
// the gradient of −Σᵢ (Rᵢ − b)·Σₜ log p(tokenₜ) (b = the mean reward of the step's samples, or a
// moving average when there is one sample). With `kl` > 0 each reward is reduced by
// kl·(log p_model − log p_base) of its continuation, which keeps the model near its base.
//
// The reward module is plain JavaScript: `export default function reward(prompt, completion): number`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { initBackend } from '../engine/backend';
import { loadCheckpoint } from '../engine/checkpoint';
import { ByteLevelBPETokenizer } from '../engine/tokenizer';
import { AdamW } from './adamw';
import { sequenceBatch, type WeightedSequence } from './data';
import { exportModel } from './export';
import type { TrainableModel } from './trainable';
import { modelFromWeights } from './trainModels';
import { Rng } from './rng';

export type RewardFn = (prompt: string, completion: string) => number;

export interface RewardOptions {
  base: string;
  /** Path of an ES module (.mjs) whose default export is the reward function. */
  rewardModule: string;
  /** Text file, one prompt per line. */
  prompts: string;
  out: string;
  steps?: number;
  lr?: number;
  /** Continuations sampled per step (all from the same prompt). */
  samples?: number;
  maxNewTokens?: number;
  kl?: number;
  seed?: number;
  log?: (s: string) => void;
}

export interface RewardResult {
  /** Mean reward of each step's samples (before the KL term). */
  meanRewards: number[];
  outDir: string;
}

// A real dynamic import, which bundlers would otherwise rewrite into require() (that cannot load .mjs).
const importModule = new Function('u', 'return import(u)') as (url: string) => Promise<{ default?: unknown }>;

export async function loadRewardFn(file: string): Promise<RewardFn> {
  const mod = await importModule(pathToFileURL(path.resolve(file)).href);
  if (typeof mod.default !== 'function') throw new Error(`${file}: the module must export a default function reward(prompt, completion): number`);
  const fn = mod.default as RewardFn;
  return (p, c) => {
    const r = Number(fn(p, c));
    if (!Number.isFinite(r)) throw new Error(`${file}: reward returned ${r} (a finite number is required)`);
    return r;
  };
}

/** Samples `n` continuations of `prompt` at temperature 1; each stops after EOS. */
export function sampleContinuations(model: TrainableModel, prompt: number[], n: number, maxNew: number, eos: number | undefined, rng: Rng): number[][] {
  const V = model.config.vocabSize;
  const rows = Array.from({ length: n }, () => prompt.slice());
  const done = new Array<boolean>(n).fill(false);
  const outs: number[][] = Array.from({ length: n }, () => []);
  for (let t = 0; t < maxNew && done.some((d) => !d); t++) {
    const T = rows[0].length;
    const logits = model.logits(Int32Array.from(rows.flat()), n, T); // [n*T*V]
    for (let r = 0; r < n; r++) {
      const row = logits.subarray((r * T + T - 1) * V, (r * T + T) * V);
      let max = -Infinity;
      for (let i = 0; i < V; i++) if (row[i] > max) max = row[i];
      let z = 0;
      for (let i = 0; i < V; i++) z += Math.exp(row[i] - max);
      let u = rng.next() * z;
      let id = V - 1;
      for (let i = 0; i < V; i++) {
        u -= Math.exp(row[i] - max);
        if (u <= 0) {
          id = i;
          break;
        }
      }
      rows[r].push(id); // rows keep one length; finished rows' extra tokens are ignored
      if (!done[r]) {
        outs[r].push(id);
        if (id === eos) done[r] = true;
      }
    }
  }
  return outs;
}

/** Σ log p(completion) of one sequence under `model`. */
function logProb(model: TrainableModel, prompt: number[], completion: number[], pad: number): number {
  const ids = [...prompt, ...completion];
  const weights = ids.slice(1).map((_, j) => (j + 1 >= prompt.length ? 1 : 0));
  return -model.loss(sequenceBatch([{ ids, weights }], pad)).lossSum;
}

export async function runReward(o: RewardOptions): Promise<RewardResult> {
  const log = o.log ?? ((s: string) => console.log(s));
  await initBackend({ backend: 'wasm' });
  const reward = await loadRewardFn(o.rewardModule);
  const { config, weights } = loadCheckpoint(o.base);
  const tok = ByteLevelBPETokenizer.fromModelDir(o.base);
  const prompts = fs.readFileSync(o.prompts, 'utf8').split('\n').map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
  if (!prompts.length) throw new Error(`${o.prompts}: no prompts (one per line)`);
  const steps = o.steps ?? 50;
  const lr = o.lr ?? 5e-4;
  const n = o.samples ?? 8;
  const maxNew = o.maxNewTokens ?? 16;
  const kl = o.kl ?? 0;
  const rng = new Rng(o.seed ?? 1);
  const eos = tok.eosTokenId ?? config.eosTokenId;
  const pad = eos ?? 0;
  const model = modelFromWeights(config, weights);
  const base = kl > 0 ? modelFromWeights(config, weights) : undefined;
  const adam = new AdamW(model.params.map((p) => p.length), model.specs.map((s) => s.decay), { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0 });
  const meanRewards: number[] = [];
  let movingAvg: number | undefined;
  const t0 = Date.now();
  let tokensSeen = 0;
  log(`reward: ${prompts.length} prompts, ${steps} steps × ${n} samples of ≤ ${maxNew} tokens, lr ${lr}, kl ${kl}`);
  for (let step = 1; step <= steps; step++) {
    const promptText = prompts[rng.int(prompts.length)];
    const promptIds = tok.encodeIds(promptText).slice(-(config.nPositions - maxNew));
    const completions = sampleContinuations(model, promptIds, n, maxNew, eos, rng);
    const raw = completions.map((c) => reward(promptText, tok.decode(c.filter((id) => id !== eos))));
    const shaped = raw.map((r, i) => (base ? r - kl * (logProb(model, promptIds, completions[i], pad) - logProb(base, promptIds, completions[i], pad)) : r));
    const mean = raw.reduce((a, b) => a + b, 0) / n;
    meanRewards.push(mean);
    const b = n > 1 ? shaped.reduce((a, x) => a + x, 0) / n : (movingAvg ?? shaped[0]);
    movingAvg = movingAvg === undefined ? mean : 0.9 * movingAvg + 0.1 * mean;
    const seqs: WeightedSequence[] = completions
      .map((c, i) => ({ ids: [...promptIds, ...c], adv: shaped[i] - b }))
      .filter((s) => s.ids.length > promptIds.length && s.adv !== 0)
      .map((s) => ({ ids: s.ids, weights: s.ids.slice(1).map((_, j) => (j + 1 >= promptIds.length ? s.adv : 0)) }));
    if (seqs.length) {
      const r = model.lossAndGrads(sequenceBatch(seqs, pad)); // ∇ Σ adv·(−log p)
      adam.step(model.params, r.grads, lr, 1 / n, 1);
      tokensSeen += seqs.reduce((s, q) => s + q.ids.length - promptIds.length, 0);
    }
    if (step % 5 === 0 || step === steps) log(`step ${step}/${steps} | mean reward ${mean.toFixed(3)} | moving average ${movingAvg.toFixed(3)}`);
  }
  const outDir = path.resolve(o.out);
  const name = `${config.name ?? path.basename(path.resolve(o.base))}-reward`;
  const k = Math.max(1, Math.min(10, Math.floor(steps / 3)));
  const avg = (a: number[]): number => a.reduce((s, x) => s + x, 0) / a.length;
  exportModel(outDir, {
    config: { ...config, name },
    weights: model.toWeightMap(),
    tokenizerDir: o.base,
    card: {
      name,
      kind: 'reward fine-tune (REINFORCE)',
      gptConfig: config,
      parameters: model.parameterCount,
      base: o.base,
      data: [o.prompts, o.rewardModule],
      steps,
      tokensSeen,
      trainingTimeMs: Date.now() - t0,
      notes: [`Mean reward: ${avg(meanRewards.slice(0, k)).toFixed(3)} over the first ${k} steps, ${avg(meanRewards.slice(-k)).toFixed(3)} over the last ${k}.`],
      trainingConfig: { base: o.base, reward: o.rewardModule, prompts: o.prompts, steps, lr, samples: n, maxNewTokens: maxNew, kl, seed: o.seed ?? 1, baseline: n > 1 ? 'per-step mean' : 'moving average' },
    },
  });
  log(`exported ${outDir}`);
  return { meanRewards, outDir };
}
