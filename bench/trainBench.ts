// `npm run bench:train` (node dist/train.js bench [--config FILE] [--steps N]): tokens/s of one
// optimizer step (forward, backward, AdamW) of a training configuration's model on the tfjs wasm
// backend, and — where /usr/bin/python3 has torch — of the same model and batch in PyTorch
// (bench/torch_train.py, 2 threads), with the ratio.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '../src/engine/backend';
import { ByteLevelBPETokenizer } from '../src/engine/tokenizer';
import { AdamW } from '../src/train/adamw';
import { GPTTrain, type Kernels, type TokenBatch } from '../src/train/gptTrain';
import { loadTrainConfig } from '../src/train/trainConfig';
import { modelConfigFor } from '../src/train/trainer';

export async function runTrainBench(o: { config: string; steps?: number }): Promise<void> {
  await initBackend({ backend: 'wasm' });
  const cfg = loadTrainConfig(o.config);
  const vocabSize = fs.existsSync(cfg.tokenizer) ? ByteLevelBPETokenizer.fromModelDir(cfg.tokenizer).vocabSize : 4096;
  const gcfg = modelConfigFor(cfg, { vocabSize } as ByteLevelBPETokenizer);
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
  const model = GPTTrain.init(gcfg, 1);
  const adam = new AdamW(model.params.map((p) => p.length), model.specs.map((s) => s.decay), cfg);
  const step = (): number => {
    const r = model.lossAndGrads({ B, T, inputs, targets });
    adam.step(model.params, r.grads, 1e-3, 1 / r.weightSum, 1);
    return r.lossSum / r.weightSum;
  };
  console.log(`model: ${gcfg.nLayer} layers, ${gcfg.nHead} heads, d=${gcfg.nEmbd}, context ${T}, vocab ${vocabSize}, ${model.parameterCount} parameters; batch ${B}×${T} = ${B * T} tokens`);
  step(); // warm-up (kernel set-up)
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) step();
  const msTf = (performance.now() - t0) / steps;
  const tfTps = (B * T * 1000) / msTf;
  console.log(`tfjs wasm: ${msTf.toFixed(0)} ms/step, ${tfTps.toFixed(0)} tokens/s`);
  abKernels(model, { B, T, inputs, targets }, Math.max(3, Math.min(steps, 5)));

  const py = '/usr/bin/python3';
  const script = path.resolve(__dirname, '..', 'bench', 'torch_train.py');
  const probe = fs.existsSync(py) ? spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' }) : undefined;
  if (!probe || probe.status !== 0 || !fs.existsSync(script)) {
    console.log('PyTorch: not available (/usr/bin/python3 -c "import torch" fails); no comparison');
    return;
  }
  const args = [script, '--layers', gcfg.nLayer, '--heads', gcfg.nHead, '--embd', gcfg.nEmbd, '--ctx', T, '--vocab', vocabSize, '--batch', B, '--steps', steps].map(String);
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
function abKernels(model: GPTTrain, batch: TokenBatch, rounds: number): void {
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
