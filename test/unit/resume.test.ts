import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { initBackend } from '../../src/engine/backend';
import { loadCheckpoint } from '../../src/engine/checkpoint';
import { runTraining, STATE_FILE, type TrainSummary } from '../../src/train/trainer';
import { tempDir, tinyConfig } from './trainFixture';

const ROOT = path.resolve(__dirname, '../..');
const TRAIN_JS = path.join(ROOT, 'dist', 'train.js');

function lossesByStep(s: TrainSummary): Map<number, number> {
  return new Map(s.history.filter((h) => h.loss !== undefined).map((h) => [h.step, h.loss!]));
}

function assertSameRun(a: TrainSummary, b: TrainSummary): void {
  assert.equal(a.step, b.step);
  const la = lossesByStep(a);
  const lb = lossesByStep(b);
  for (const [step, loss] of lb) assert.equal(loss, la.get(step), `loss at step ${step}`);
  assert.equal(b.valLoss, a.valLoss, 'final validation loss');
  a.params.forEach((p, k) => assert.deepEqual(b.params[k], p, `parameter ${k}`));
}

/** Runs `node dist/train.js train --config FILE`, killing it with SIGKILL once `killWhen` matches a line. */
function runChild(config: string, killWhen?: RegExp): Promise<{ out: string; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [TRAIN_JS, 'train', '--config', config], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (killWhen && killWhen.test(out)) child.kill('SIGKILL');
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (_code, signal) => resolve({ out, signal }));
  });
}

describe('train: resume', function () {
  this.timeout(120_000);
  before(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('stopping after a checkpoint and resuming gives bitwise the same losses and weights as one uninterrupted run', async () => {
    const dir = tempDir('resume');
    try {
      const whole = await runTraining(tinyConfig(path.join(dir), { out: path.join(dir, 'a'), steps: 24, checkpointEvery: 8, evalEvery: 8 }), { log: () => {} });
      const cfg = tinyConfig(dir, { out: path.join(dir, 'b'), steps: 24, checkpointEvery: 8, evalEvery: 8 });
      const first = await runTraining(cfg, { log: () => {}, stopAfterStep: 10 }); // saved at 8; steps 9–10 are lost
      assert.equal(first.step, 10);
      const logs: string[] = [];
      const resumed = await runTraining(cfg, { log: (l) => logs.push(l) });
      assert.ok(logs.some((l) => /resuming .* at step 8/.test(l)), logs.join('\n'));
      assertSameRun(whole, resumed);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the same with the copy task, repeated windows and a schedule restart: the resumed run draws the same batches', async () => {
    const dir = tempDir('resume-copy');
    try {
      const extra = {
        steps: 20,
        checkpointEvery: 6,
        evalEvery: 10,
        repeatFraction: 0.3,
        scheduleStart: 4,
        copyTask: { rows: 2, length: 16, periodMin: 3, periodMax: 6, idsFrom: 0, idsTo: 40 },
      };
      const logs: string[] = [];
      const whole = await runTraining(tinyConfig(dir, { ...extra, out: path.join(dir, 'a') }), { log: (l) => logs.push(l) });
      assert.ok(logs.some((l) => /\| copy \d/.test(l)), 'the progress line shows the copy loss');
      const cfg = tinyConfig(dir, { ...extra, out: path.join(dir, 'b') });
      await runTraining(cfg, { log: () => {}, stopAfterStep: 9 }); // saved at 6
      const resumed = await runTraining(cfg, { log: () => {} });
      assertSameRun(whole, resumed);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a `node dist/train.js train` killed with SIGKILL mid-run resumes and ends where an uninterrupted run ends', async () => {
    await esbuild.build({
      entryPoints: { train: path.join(ROOT, 'src/train/cli.ts'), 'train-worker': path.join(ROOT, 'src/train/gradWorker.ts') },
      outdir: path.join(ROOT, 'dist'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: ['vscode'],
      sourcemap: true,
      logLevel: 'silent',
    });
    const dir = tempDir('kill');
    try {
      const opts = { steps: 30, checkpointEvery: 5, evalEvery: 10 };
      const whole = await runTraining(tinyConfig(dir, { ...opts, out: path.join(dir, 'a') }), { log: () => {} });
      const cfg = tinyConfig(dir, { ...opts, out: path.join(dir, 'b') });
      const killed = await runChild(cfg.file, /step 13\/30/);
      assert.equal(killed.signal, 'SIGKILL', killed.out);
      assert.ok(fs.existsSync(path.join(cfg.out, STATE_FILE)), 'a checkpoint survived the kill');
      const resumed = await runChild(cfg.file);
      assert.equal(resumed.signal, null, resumed.out);
      assert.match(resumed.out, /resuming from .* at step 1[05]/);
      assert.match(resumed.out, /exported /);
      const last = [...resumed.out.matchAll(/step 30\/30 \| loss ([0-9.]+)/g)].pop();
      assert.ok(last, resumed.out);
      const wholeLast = lossesByStep(whole).get(30)!;
      assert.equal(Number(last[1]), Number(wholeLast.toFixed(4)));
      // And the exported weights are exactly those of the uninterrupted run.
      const a = loadCheckpoint(path.join(dir, 'a', 'model')).weights;
      const b = loadCheckpoint(path.join(cfg.out, 'model')).weights;
      for (const [name, w] of a) assert.deepEqual(b.get(name)!.data, w.data, name);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
