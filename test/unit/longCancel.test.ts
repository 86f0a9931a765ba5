// Show Attention on a long selection (T ≥ 1,024, past the bundled model's 256 positions) through the
// real worker, as the panel drives it: cancelled as soon as the run starts, the worker leaves its
// layer loop between layers (fewer blocks run than the model has), keeps nothing, and the next long
// analysis answers whole.
import * as assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gpt2Config, writeRandomCheckpoint } from '../../bench/randomCheckpoint';
import { EngineClient } from '../../src/engine/client';
import { EngineError } from '../../src/engine/errors';
import { LONG_T } from '../../src/shared/protocol';
import '../helpers/sourceWorkers';

const ROOT = join(__dirname, '..', '..');
const WORKER = join(ROOT, 'dist', 'engine-worker.js');
const TINY = join(ROOT, 'test', 'fixtures', 'tiny-model');
const TEXT = 'The progress of public credit is witnessed by a considerable rise in the funds of every nation. '.repeat(70);

describe('a long analysis cancelled between layers (real worker)', function () {
  this.timeout(300_000);
  let tmp: string;
  let client: EngineClient;

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'al-long-cancel-'));
    const dir = join(tmp, 'long');
    writeRandomCheckpoint(dir, gpt2Config({ vocabSize: 557, nPositions: 2048, nEmbd: 64, nLayer: 16, nHead: 2, name: 'long-16' }), { seed: 3 });
    for (const f of ['vocab.json', 'merges.txt', 'tokenizer.json']) copyFileSync(join(TINY, f), join(dir, f));
    client = EngineClient.start({ workerPath: WORKER });
    await client.load(dir);
  });
  after(async () => {
    await client?.dispose();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('stops at a layer boundary, leaves nothing behind, and the next long run answers', async () => {
    const before = await client.diagnostics();
    const ac = new AbortController();
    let T = 0;
    const p = client.analyze(TEXT, { truncate: true }, ac.signal, (early) => {
      T = early.summary.T;
      ac.abort();
    });
    await assert.rejects(p, (e: unknown) => e instanceof EngineError && e.code === 'CANCELLED');
    assert.ok(T >= LONG_T, `a long run: T = ${T}`);
    const after = await client.diagnostics(); // answered once the cancelled analysis has left the worker's queue
    const blocks = after.blocksRun - before.blocksRun;
    assert.ok(blocks < 16, `ran ${blocks} of 16 blocks after the cancel`);
    assert.equal(after.numTensors, before.numTensors, 'no tensor left behind');
    assert.equal(after.keptRuns, before.keptRuns, 'the cancelled run is not kept');
    const whole = await client.analyze(TEXT, { truncate: true });
    assert.equal(whole.T, T);
    assert.equal(whole.nLayer, 16);
    await client.release(whole.runId);
  });
});
