// `npm run bench:train` (node dist/train-bench.js [--config FILE] [--steps N] [--workers 1|2]
// [--vocab N] [--context T]; its own bundle, so the training CLI never imports bench code; default
// workers: the config's; vocab: the config's tokenizer's, or 4096 without one): tokens/s of one
// optimizer step (forward, backward, AdamW) of a training configuration's model (GPT-2 or Llama,
// `model.family`) on the tfjs wasm backend, and — where /usr/bin/python3 has torch — of the same
// model and batch in PyTorch (bench/torch_train.py, 2 threads), with the ratio. With --workers 2 the
// steps run data-parallel (dataParallel.ts) and an interleaved A/B compares 1 thread, this thread +
// 1 worker, and 2 workers. For a Llama config it also compares, interleaved, the CPU time of one
// micro-batch's gradients against the GPT-2 of the same size (nInner 4d).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../src/engine/backend';
import { ByteLevelBPETokenizer } from '../src/engine/tokenizer';
import { AdamW } from '../src/train/adamw';
import { DataParallel } from '../src/train/dataParallel';
import type { GPTConfig } from '../src/engine/types';
import type { Kernels, TokenBatch, TrainableModel } from '../src/train/trainable';
import { modelConfigFor, loadTrainConfig } from '../src/train/trainConfig';
import { initModel } from '../src/train/trainModels';

export async function runTrainBench(o: { config: string; steps?: number; workers?: number; vocab?: number; context?: number }): Promise<void> {
  await initBackend({ backend: 'wasm' });
  const cfg = loadTrainConfig(o.config);
  if (o.context) cfg.contextLength = o.context;
  const vocabSize = o.vocab ?? (fs.existsSync(cfg.tokenizer) ? ByteLevelBPETokenizer.fromModelDir(cfg.tokenizer).vocabSize : 4096);
  const gcfg = modelConfigFor(cfg, { vocabSize });
  const B = cfg.batchSize;
  const T = cfg.contextLength;
  const steps = o.steps ?? 5;
  // The batch both frameworks use: a fixed pseudo-random id pattern.
  const ids = Int32Array.from({ length: B * (T + 1) }, (_, i) => (i * 7919 + 13) % vocabSize);
  const inputs = new Int32Array(B * T);
  const targets = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    inputs.set(ids.subarray(b * (T + 1), b * (T + 1) + T), b * T);
    targets.set(ids.subarray(b * (T + 1) + 1, (b + 1) * (T + 1)), b * T);
  }
  const model = initModel(gcfg, 1);
  const adam = new AdamW(model.params.map((p) => p.length), model.specs.map((s) => s.decay), cfg);
  const workers = o.workers ?? cfg.workers;
  const sizes = model.params.map((p) => p.length);
  const dp = workers > 1 ? await DataParallel.start(gcfg, sizes, { threads: workers }) : undefined;
  const step = async (): Promise<number> => {
    const batch = { B, T, inputs, targets };
    const r = dp ? await dp.lossAndGrads(model, batch) : model.lossAndGrads(batch);
    adam.step(model.params, r.grads, 1e-3, 1 / r.weightSum, 1);
    return r.lossSum / r.weightSum;
  };
  console.log(`model: ${gcfg.modelType}, ${gcfg.nLayer} layers, ${gcfg.nHead} heads, d=${gcfg.nEmbd}, context ${T}, vocab ${vocabSize}, ${model.parameterCount} parameters; batch ${B}×${T} = ${B * T} tokens`);
  await step(); // warm-up (kernel set-up)
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < steps; i++) await step();
  const cpu = process.cpuUsage(c0);
  await dp?.close();
  const msTf = (performance.now() - t0) / steps;
  const tfTps = (B * T * 1000) / msTf;
  console.log(`tfjs wasm (${workers} thread${workers > 1 ? 's' : ''}): ${msTf.toFixed(0)} ms/step, ${((cpu.user + cpu.system) / 1000 / steps).toFixed(0)} cpu-ms/step, ${tfTps.toFixed(0)} tokens/s`);
  if (workers > 1) await abWorkers(gcfg, model, { B, T, inputs, targets }, Math.max(3, Math.min(steps, 5)));
  else abKernels(model, { B, T, inputs, targets }, Math.max(3, Math.min(steps, 5)));
  if (gcfg.modelType === 'llama') {
    const gpt2 = initModel(modelConfigFor({ ...cfg, model: { family: 'gpt2', nLayer: cfg.model.nLayer, nHead: cfg.model.nHead, nEmbd: cfg.model.nEmbd } }, { vocabSize }), 1);
    abModels([['Llama', model], ['GPT-2', gpt2]], { B, T, inputs, targets }, Math.max(3, Math.min(steps, 5)));
  }

  const py = '/usr/bin/python3';
  const script = path.resolve(__dirname, '..', 'bench', 'torch_train.py');
  const probe = fs.existsSync(py) ? spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' }) : undefined;
  if (!probe || probe.status !== 0 || !fs.existsSync(script)) {
    console.log('PyTorch: not available (/usr/bin/python3 -c "import torch" fails); no comparison');
    return;
  }
  const args = [script, '--layers', gcfg.nLayer, '--heads', gcfg.nHead, '--embd', gcfg.nEmbd, '--ctx', T, '--vocab', vocabSize, '--batch', B, '--steps', steps]
    .concat(gcfg.modelType === 'llama' ? ['--family', 'llama', '--inner', gcfg.nInner, '--theta', gcfg.rope!.theta, '--eps', gcfg.layerNormEps] : [])
    .map(String);
  const r = spawnSync(py, args, { encoding: 'utf8' });
  if (r.status !== 0) {
    console.log(`PyTorch bench failed: ${r.stderr.trim().split('\n').pop()}`);
    return;
  }
  const m = /tokens\/s ([0-9.]+)/.exec(r.stdout);
  console.log(r.stdout.trim());
  if (m) console.log(`ratio tfjs / PyTorch: ${(tfTps / Number(m[1])).toFixed(2)}`);
}

/**
 * The fast training ops against the reference graph, interleaved in this process (the machine is
 * shared, so absolute times drift): CPU ms of lossAndGrads per step for each, and the ratio.
 */
function abKernels(model: TrainableModel, batch: TokenBatch, rounds: number): void {
  const cpuMs = (k: Kernels): number => {
    model.kernels = k;
    const c = process.cpuUsage();
    model.lossAndGrads(batch);
    const u = process.cpuUsage(c);
    return (u.user + u.system) / 1000;
  };
  cpuMs('reference');
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const ref = cpuMs('reference');
    const fast = cpuMs('fast');
    ratios.push(ref / fast);
    console.log(`  A/B round ${r + 1}: reference ${ref.toFixed(0)} cpu-ms, fast ${fast.toFixed(0)} cpu-ms, ×${(ref / fast).toFixed(2)}`);
  }
  model.kernels = 'fast';
  ratios.sort((a, b) => a - b);
  console.log(`fast ops vs reference graph (lossAndGrads, CPU time): median ×${ratios[ratios.length >> 1].toFixed(2)}`);
}

/** Models of the same size, interleaved: CPU ms of lossAndGrads per model and the ratio to the last. */
function abModels(models: [string, TrainableModel][], batch: TokenBatch, rounds: number): void {
  const cpu = models.map(() => [] as number[]);
  for (const [, m] of models) m.lossAndGrads(batch); // warm-up
  for (let r = 0; r < rounds; r++) {
    models.forEach(([, m], i) => {
      const c = process.cpuUsage();
      m.lossAndGrads(batch);
      const u = process.cpuUsage(c);
      cpu[i].push((u.user + u.system) / 1000);
    });
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const base = median(cpu[cpu.length - 1]);
  const line = models.map(([name, m], i) => `${name} (${m.parameterCount} parameters) ${median(cpu[i]).toFixed(0)} cpu-ms (×${(median(cpu[i]) / base).toFixed(2)})`);
  console.log(`lossAndGrads, 1 thread, median of ${rounds} interleaved: ${line.join(', ')}`);
}

/**
 * One thread against data-parallel gradients, interleaved (same machine load for each): wall ms and
 * CPU ms (all threads of the process) of one micro-batch's loss and gradients, per mode.
 */
async function abWorkers(gcfg: GPTConfig, model: TrainableModel, batch: TokenBatch, rounds: number): Promise<void> {
  const sizes = model.params.map((p) => p.length);
  const mainPlusOne = await DataParallel.start(gcfg, sizes, { threads: 2, mainComputes: true });
  const twoWorkers = await DataParallel.start(gcfg, sizes, { threads: 2, mainComputes: false });
  const modes: [string, () => Promise<unknown>][] = [
    ['1 thread', async () => model.lossAndGrads(batch)],
    ['this thread + 1 worker', () => mainPlusOne.lossAndGrads(model, batch)],
    ['2 workers', () => twoWorkers.lossAndGrads(model, batch)],
  ];
  const wall = modes.map(() => [] as number[]);
  const cpu = modes.map(() => [] as number[]);
  try {
    for (const [, f] of modes) await f(); // warm-up
    for (let r = 0; r < rounds; r++) {
      for (let m = 0; m < modes.length; m++) {
        const c = process.cpuUsage();
        const t = performance.now();
        await modes[m][1]();
        wall[m].push(performance.now() - t);
        const u = process.cpuUsage(c);
        cpu[m].push((u.user + u.system) / 1000);
      }
      console.log(`  A/B round ${r + 1}: ` + modes.map(([name], m) => `${name} ${wall[m][r].toFixed(0)} ms (${cpu[m][r].toFixed(0)} cpu-ms)`).join(', '));
    }
  } finally {
    await mainPlusOne.close();
    await twoWorkers.close();
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const base = median(wall[0]);
  for (let m = 0; m < modes.length; m++) {
    const w = median(wall[m]);
    console.log(`${modes[m][0]}: median ${w.toFixed(0)} ms, ${median(cpu[m]).toFixed(0)} cpu-ms, ${((batch.B * batch.T * 1000) / w).toFixed(0)} tokens/s (×${(base / w).toFixed(2)})`);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      config: { type: 'string', default: 'configs/bundled.json' },
      steps: { type: 'string' },
      workers: { type: 'string' },
      vocab: { type: 'string' },
      context: { type: 'string' },
    },
    strict: true,
  });
  const num = (k: 'steps' | 'workers' | 'vocab' | 'context'): number | undefined => {
    const v = values[k];
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`--${k} must be a number`);
    return n;
  };
  await runTrainBench({ config: values.config!, steps: num('steps'), workers: num('workers'), vocab: num('vocab'), context: num('context') });
}

main().catch((err: unknown) => {
  console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
