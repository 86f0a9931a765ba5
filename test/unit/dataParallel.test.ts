import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { initBackend } from '../../src/engine/backend';
import type { GPTConfig } from '../../src/engine/types';
import { DataParallel } from '../../src/train/dataParallel';
import { GPTTrain, type TokenBatch } from '../../src/train/gptTrain';
import { runTraining, type TrainSummary } from '../../src/train/trainer';
import { tempDir, tinyConfig } from './trainFixture';
import '../helpers/sourceWorkers';

const ROOT = path.resolve(__dirname, '../..');

/** Bundles the CLI and its gradient worker into `dir` (with the wasm files), as the build does into dist/. */
async function bundleInto(dir: string): Promise<string> {
  await esbuild.build({
    entryPoints: { train: path.join(ROOT, 'src/train/cli.ts'), 'train-worker': path.join(ROOT, 'src/train/gradWorker.ts') },
    outdir: dir, bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'], logLevel: 'silent',
  });
  const wasm = path.join(ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
  for (const f of fs.readdirSync(wasm)) if (f.endsWith('.wasm')) fs.copyFileSync(path.join(wasm, f), path.join(dir, f));
  return path.join(dir, 'train.js');
}

/** Runs `node train.js train --config FILE`, killing it with SIGKILL once `killWhen` matches the output. */
function runCli(trainJs: string, config: string, killWhen?: RegExp): Promise<{ out: string; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [trainJs, 'train', '--config', config], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (killWhen && killWhen.test(out)) child.kill('SIGKILL');
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (_code, signal) => resolve({ out, signal }));
  });
}

/** Two threads sum the rows in another grouping than one: float rounding only. */
const LOSS_REL_TOL = 1e-5;
/** After a few AdamW steps (which divide by √v) rounding differences grow a little. */
const WEIGHT_ABS_TOL = 1e-4;

const cfg: GPTConfig = {
  modelType: 'gpt2', vocabSize: 29, nPositions: 8, nEmbd: 16, nLayer: 2, nHead: 2, nKvHead: 2, headDim: 8, nInner: 64, layerNormEps: 1e-5, activation: 'gelu_new',
};

function batchOf(B: number, T: number, weights = false): TokenBatch {
  const inputs = Int32Array.from({ length: B * T }, (_, i) => (i * 5 + 1) % cfg.vocabSize);
  const targets = Int32Array.from({ length: B * T }, (_, i) => (i * 3 + 2) % cfg.vocabSize);
  const b: TokenBatch = { B, T, inputs, targets };
  if (weights) b.weights = Float32Array.from({ length: B * T }, (_, i) => (i % 4 === 0 ? 0 : 1));
  return b;
}

function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(1e-12, Math.abs(a), Math.abs(b));
}

function maxAbsDiff(a: Float32Array[], b: Float32Array[]): { diff: number; at: string } {
  let diff = 0;
  let at = '';
  a.forEach((x, k) => {
    for (let i = 0; i < x.length; i++) {
      const d = Math.abs(x[i] - b[k][i]);
      if (!(d <= diff)) {
        diff = d;
        at = `param ${k}[${i}]`;
      }
    }
  });
  return { diff, at };
}

describe('train: data parallel (two threads per micro-batch)', function () {
  this.timeout(180_000);
  before(async () => {
    await initBackend({ backend: 'wasm' });
  });

  for (const mainComputes of [true, false]) {
    it(`gives the one-thread loss and gradients (${mainComputes ? 'this thread + 1 worker' : '2 workers'}, loss weights, odd B)`, async () => {
      const model = GPTTrain.init(cfg, 5);
      const dp = await DataParallel.start(cfg, model.params.map((p) => p.length), { mainComputes });
      try {
        for (const batch of [batchOf(4, 8, true), batchOf(3, 6)]) {
          const one = model.lossAndGrads(batch);
          const two = await dp.lossAndGrads(model, batch);
          assert.ok(relErr(one.lossSum, two.lossSum) < LOSS_REL_TOL, `loss ${one.lossSum} vs ${two.lossSum}`);
          assert.equal(two.weightSum, one.weightSum);
          const scale = Math.max(...one.grads.map((g) => g.reduce((m, x) => Math.max(m, Math.abs(x)), 0)));
          const { diff, at } = maxAbsDiff(one.grads, two.grads);
          assert.ok(diff < LOSS_REL_TOL * scale * 10, `gradient differs by ${diff} at ${at} (largest gradient ${scale})`);
        }
        // The workers see parameter updates made on this thread (shared memory, no re-send).
        model.params[2][0] += 0.5;
        const b = batchOf(2, 8);
        const after = await dp.lossAndGrads(model, b);
        assert.ok(relErr(model.lossAndGrads(b).lossSum, after.lossSum) < LOSS_REL_TOL);
      } finally {
        await dp.close();
      }
    });
  }

  it('a failing worker rejects with a message naming it, and the pool closes', async () => {
    const model = GPTTrain.init(cfg, 5);
    const dp = await DataParallel.start(cfg, model.params.map((p) => p.length));
    try {
      const bad = batchOf(2, 8);
      bad.inputs = bad.inputs.slice(0, 13); // the second half (the worker's) is 3 ids short
      bad.targets = bad.targets.slice(0, 13);
      await assert.rejects(dp.lossAndGrads(model, bad), /gradient worker 1 failed: batch holds 5 ids, expected 8/);
      // It still serves good batches afterwards (the error was the batch's, not the worker's).
      const ok = await dp.lossAndGrads(model, batchOf(2, 8));
      assert.ok(Number.isFinite(ok.lossSum));
    } finally {
      await dp.close();
    }
  });

  it('a worker that dies is reported by number with its error (start fails, nothing left running)', async () => {
    const dir = tempDir('dp-crash');
    try {
      const script = path.join(dir, 'crash.js');
      fs.writeFileSync(script, "throw new Error('no wasm here');\n");
      const model = GPTTrain.init(cfg, 5);
      await assert.rejects(DataParallel.start(cfg, model.params.map((p) => p.length), { workerScript: script }), /gradient worker 1 crashed: no wasm here/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('training with workers 2 matches workers 1 (losses within 1e-5, weights within 1e-4), with gradient accumulation', async () => {
    const dir = tempDir('dp');
    try {
      const opts = { steps: 6, gradAccum: 2, evalEvery: 3, checkpointEvery: 3 };
      const one = await runTraining(tinyConfig(dir, { ...opts, out: path.join(dir, 'one') }), { log: () => {} });
      const two = await runTraining(tinyConfig(dir, { ...opts, out: path.join(dir, 'two'), workers: 2 }), { log: () => {} });
      const losses = (s: TrainSummary): number[] => s.history.filter((h) => h.loss !== undefined).map((h) => h.loss!);
      assert.equal(losses(two).length, 6);
      losses(one).forEach((l, i) => assert.ok(relErr(l, losses(two)[i]) < LOSS_REL_TOL, `step ${i + 1}: ${l} vs ${losses(two)[i]}`));
      const { diff, at } = maxAbsDiff(one.params, two.params);
      assert.ok(diff < WEIGHT_ABS_TOL, `weights differ by ${diff} at ${at}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a workers-2 run stopped after a checkpoint and resumed is bitwise the uninterrupted workers-2 run', async () => {
    const dir = tempDir('dp-resume');
    try {
      const opts = { steps: 8, checkpointEvery: 4, evalEvery: 4, workers: 2 };
      const whole = await runTraining(tinyConfig(dir, { ...opts, out: path.join(dir, 'a') }), { log: () => {} });
      const cfgB = tinyConfig(dir, { ...opts, out: path.join(dir, 'b') });
      const first = await runTraining(cfgB, { log: () => {}, stopAfterStep: 6 }); // saved at 4; 5–6 lost
      assert.equal(first.step, 6);
      const logs: string[] = [];
      const resumed = await runTraining(cfgB, { log: (l) => logs.push(l) });
      assert.ok(logs.some((l) => /resuming .* at step 4/.test(l)), logs.join('\n'));
      const byStep = (s: TrainSummary): Map<number, number> => new Map(s.history.filter((h) => h.loss !== undefined).map((h) => [h.step, h.loss!]));
      for (const [step, loss] of byStep(resumed)) assert.equal(loss, byStep(whole).get(step), `loss at step ${step}`);
      assert.equal(resumed.valLoss, whole.valLoss);
      whole.params.forEach((p, k) => assert.deepEqual(resumed.params[k], p, `parameter ${k}`));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the bundled CLI with workers 2 (train-worker.js beside train.js), killed with SIGKILL, resumes to the uninterrupted run', async () => {
    const dir = tempDir('dp-kill');
    try {
      const trainJs = await bundleInto(path.join(dir, 'bin'));
      const opts = { steps: 12, checkpointEvery: 4, evalEvery: 6, workers: 2 };
      const whole = await runCli(trainJs, tinyConfig(dir, { ...opts, out: path.join(dir, 'a') }).file);
      assert.equal(whole.signal, null, whole.out);
      const cfgB = tinyConfig(dir, { ...opts, out: path.join(dir, 'b') });
      const killed = await runCli(trainJs, cfgB.file, /step 6\/12/);
      assert.equal(killed.signal, 'SIGKILL', killed.out);
      const resumed = await runCli(trainJs, cfgB.file);
      assert.match(resumed.out, /resuming from .* at step [48]/);
      const last = (out: string): string | undefined => [...out.matchAll(/step 12\/12 \| loss ([0-9.]+)/g)].pop()?.[1];
      assert.ok(last(whole.out), whole.out);
      assert.equal(last(resumed.out), last(whole.out));
      const a = fs.readFileSync(path.join(dir, 'a', 'model', 'model.safetensors'));
      const b = fs.readFileSync(path.join(dir, 'b', 'model', 'model.safetensors'));
      assert.ok(a.equals(b), 'exported weights differ');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
