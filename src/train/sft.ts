// Supervised fine-tuning on {"prompt", "response"} pairs (JSON lines): the loss counts only the
// response tokens and the EOS appended after them (the prompt is context, never a target). Writes
// a new model folder with a card naming the base, the data, the steps and the losses.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '../engine/backend';
import { loadCheckpoint } from '../engine/checkpoint';
import { ByteLevelBPETokenizer } from '../engine/tokenizer';
import type { Tokenizer } from '../engine/types';
import { AdamW } from './adamw';
import { sequenceBatch, type WeightedSequence } from './data';
import { exportModel } from './export';
import { modelFromWeights } from './trainModels';
import { Rng, mixSeed } from './rng';
import { learningRate } from './schedule';

export interface SftOptions {
  base: string;
  data: string;
  out: string;
  steps?: number;
  lr?: number;
  batchSize?: number;
  seed?: number;
  log?: (s: string) => void;
}

export interface SftResult {
  steps: number;
  /** Mean loss per response token over all pairs, before and after (nats). */
  initialLoss: number;
  finalLoss: number;
  outDir: string;
}

export interface SftPair {
  prompt: string;
  response: string;
}

export function readPairs(file: string): SftPair[] {
  const pairs: SftPair[] = [];
  fs.readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch (e) {
      throw new Error(`${file}:${i + 1}: ${(e as Error).message}`);
    }
    const p = o as Partial<SftPair>;
    if (typeof p.prompt !== 'string' || typeof p.response !== 'string') throw new Error(`${file}:${i + 1}: expected {"prompt": string, "response": string}`);
    pairs.push({ prompt: p.prompt, response: p.response });
  });
  if (!pairs.length) throw new Error(`${file}: no pairs`);
  return pairs;
}

/** prompt ids + response ids + EOS; weight 1 on the response and EOS targets. Cut to the context from the left. */
export function pairSequence(tok: Tokenizer, p: SftPair, eos: number, context: number): WeightedSequence {
  const prompt = tok.encodeIds(p.prompt);
  const response = [...tok.encodeIds(p.response), eos];
  let ids = [...prompt, ...response];
  let promptLen = prompt.length;
  const over = ids.length - (context + 1);
  if (over > 0) {
    ids = ids.slice(over);
    promptLen = Math.max(0, promptLen - over);
  }
  const weights = ids.slice(1).map((_, j) => (j + 1 >= promptLen ? 1 : 0));
  return { ids, weights };
}

export async function runSft(o: SftOptions): Promise<SftResult> {
  const log = o.log ?? ((s: string) => console.log(s));
  await initBackend({ backend: 'wasm' });
  const { config, weights } = loadCheckpoint(o.base);
  const tok = ByteLevelBPETokenizer.fromModelDir(o.base);
  const eos = tok.eosTokenId ?? config.eosTokenId;
  if (eos === undefined) throw new Error(`${o.base}: the tokenizer has no EOS token to end responses with`);
  const seqs = readPairs(o.data).map((p) => pairSequence(tok, p, eos, config.nPositions));
  const B = Math.min(o.batchSize ?? 8, seqs.length);
  const steps = o.steps ?? Math.max(20, Math.ceil((3 * seqs.length) / B));
  const lr = o.lr ?? 3e-4;
  const seed = o.seed ?? 1;
  const model = modelFromWeights(config, weights);
  const adam = new AdamW(model.params.map((p) => p.length), model.specs.map((s) => s.decay), { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0 });
  const meanLoss = (): number => {
    let sum = 0;
    let n = 0;
    for (let i = 0; i < seqs.length; i += B) {
      const r = model.loss(sequenceBatch(seqs.slice(i, i + B), eos));
      sum += r.lossSum;
      n += r.weightSum;
    }
    return sum / n;
  };
  const initialLoss = meanLoss();
  log(`finetune: ${seqs.length} pairs, ${steps} steps of ${B}, lr ${lr}; loss on responses ${initialLoss.toFixed(4)}`);
  const t0 = Date.now();
  let epoch = 0;
  let order = new Rng(mixSeed(seed, 0)).permutation(seqs.length);
  let cursor = 0;
  let tokensSeen = 0;
  for (let step = 1; step <= steps; step++) {
    const pick: WeightedSequence[] = [];
    while (pick.length < B) {
      if (cursor >= order.length) {
        order = new Rng(mixSeed(seed, ++epoch)).permutation(seqs.length);
        cursor = 0;
      }
      pick.push(seqs[order[cursor++]]);
    }
    const batch = sequenceBatch(pick, eos);
    const r = model.lossAndGrads(batch);
    tokensSeen += r.weightSum;
    const rate = learningRate(step, { lr, minLr: lr / 10, warmupSteps: Math.ceil(steps / 10), totalSteps: steps });
    adam.step(model.params, r.grads, rate, 1 / Math.max(1, r.weightSum), 1);
    if (step % 10 === 0 || step === steps) log(`step ${step}/${steps} | loss ${(r.lossSum / r.weightSum).toFixed(4)} | lr ${rate.toExponential(2)}`);
  }
  const finalLoss = meanLoss();
  log(`finetune: loss on responses ${initialLoss.toFixed(4)} → ${finalLoss.toFixed(4)}`);
  const outDir = path.resolve(o.out);
  const name = `${config.name ?? path.basename(path.resolve(o.base))}-sft`;
  exportModel(outDir, {
    config: { ...config, name },
    weights: model.toWeightMap(),
    tokenizerDir: o.base,
    card: {
      name,
      kind: 'supervised fine-tune',
      gptConfig: config,
      parameters: model.parameterCount,
      base: o.base,
      data: [o.data],
      steps,
      tokensSeen,
      trainingTimeMs: Date.now() - t0,
      notes: [
        `Loss on the response tokens of the ${seqs.length} pairs (prompt masked, EOS appended): ` +
          `${initialLoss.toFixed(4)} nats/token before, ${finalLoss.toFixed(4)} after.`,
      ],
      trainingConfig: { base: o.base, data: o.data, steps, lr, batchSize: B, seed, schedule: 'warm-up 10%, cosine to lr/10', weightDecay: 0 },
    },
  });
  log(`exported ${outDir}`);
  return { steps, initialLoss, finalLoss, outDir };
}
