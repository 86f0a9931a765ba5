// Spam and races through the real worker (dist/engine-worker.js), as the panel drives it: Show
// Attention 50 times in 5 s on changing selections (only the latest run counts, the others are
// cancelled in the worker, nothing is left behind), a cancel that must stop the worker between
// layers on a model split over two threads, and switching models while an analysis and a
// completion stream.
import * as assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gpt2Config, writeRandomCheckpoint } from '../../bench/randomCheckpoint';
import { EngineClient } from '../../src/engine/client';
import { EngineError } from '../../src/engine/errors';
import { LatestOnly } from '../../src/host/latestOnly';
import type { Token } from '../../src/shared/token';
import '../helpers/sourceWorkers';

const ROOT = join(__dirname, '..', '..');
const WORKER = join(ROOT, 'dist', 'engine-worker.js');
const TINY = join(ROOT, 'test', 'fixtures', 'tiny-model');
const WORDS = 'The progress of public credit is witnessed by a considerable rise in the funds of every nation'.split(' ');

/** A random GPT-2 with the tiny fixture's tokenizer: deep enough that an analysis takes a while. */
function writeDeepModel(dir: string, nLayer: number): void {
  writeRandomCheckpoint(dir, gpt2Config({ vocabSize: 557, nPositions: 256, nEmbd: 128, nLayer, nHead: 4, name: `deep-${nLayer}` }), { seed: 5 });
  for (const f of ['vocab.json', 'merges.txt', 'tokenizer.json']) copyFileSync(join(TINY, f), join(dir, f));
}

/** Selection `i`: a different text each time (a window of words, repeated to some 200 tokens). */
const selection = (i: number): string => `${WORDS.slice(i % 7).join(' ')} ${i} `.repeat(12);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('engine spam and races (real worker)', function () {
  this.timeout(300_000);
  let tmp: string;
  let deep: string;

  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'al-races-'));
    deep = join(tmp, 'deep');
    writeDeepModel(deep, 64); // deep enough that no analysis ends within the 100 ms before the next, even on a quiet machine
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('Show Attention 50 times in 5 s: only the last is shown, the others cancelled in the worker, nothing left behind', async () => {
    const client = EngineClient.start({ workerPath: WORKER });
    try {
      const info = await client.load(deep);
      const idle = await client.diagnostics();
      const latest = new LatestOnly();
      let shown: { i: number; tokens: Token[] } | undefined;
      const failures: unknown[] = [];
      let cancelled = 0;
      let answered = 0;
      const runs: Promise<void>[] = [];
      for (let i = 0; i < 50; i++) {
        const ticket = latest.start();
        // The panel's path: the first phase shows the tokens, the run is released when superseded.
        const run = client
          .analyze(selection(i), { truncate: true, topK: 5 }, ticket.signal, (early) => {
            if (latest.isCurrent(ticket)) shown = { i, tokens: early.summary.tokens };
          })
          .then(
            async (summary) => {
              answered++;
              if (!latest.isCurrent(ticket)) await client.release(summary.runId);
            },
            (err: unknown) => {
              if (err instanceof EngineError && err.code === 'CANCELLED') cancelled++;
              else failures.push(err);
            },
          );
        runs.push(run);
        await sleep(100);
      }
      await Promise.all(runs);
      assert.deepEqual(failures, [], 'no failure but CANCELLED');
      assert.equal(cancelled + answered, 50);
      assert.ok(cancelled >= 40, `only ${cancelled} of 49 superseded runs were cancelled`);
      assert.equal(shown?.i, 49, 'the panel ends showing the last selection');
      const last = (await client.tokenize(selection(49))).slice(0, info.contextLength); // the panel truncates to the context
      assert.deepEqual(
        shown.tokens.map((t) => t.id),
        last.map((t) => t.id),
      );
      const after = await client.diagnostics();
      const blocks = after.blocksRun - idle.blocksRun;
      // Cancelled runs stop between layers: on average well before their end (each ran ~100 ms
      // until the next selection superseded it), not computed to the end.
      const L = info.config.nLayer;
      assert.ok(blocks < answered * L + (cancelled * L) / 2, `the worker ran ${blocks} blocks for ${answered} answered and ${cancelled} cancelled analyses of ${L} layers`);
      assert.equal(after.numTensors, idle.numTensors, 'live tensors as before the spam');
      assert.ok(after.keptRuns <= 1, `${after.keptRuns} runs kept`);
    } finally {
      await client.dispose();
    }
  });

  it('on two threads, an analysis cancelled at its first layer stops there: the worker runs no block after it', async () => {
    const client = EngineClient.start({ workerPath: WORKER, threads: 2 });
    try {
      const info = await client.load(deep);
      assert.equal(info.threads, 2);
      const before = await client.diagnostics();
      const ac = new AbortController();
      const p = client.analyze(selection(1), { truncate: true }, ac.signal, (early) => {
        void early.layers.whenLayer(0).then(
          () => ac.abort(),
          () => undefined,
        );
      });
      await assert.rejects(p, (e: unknown) => e instanceof EngineError && e.code === 'CANCELLED');
      const after = await client.diagnostics(); // answered after the cancelled analysis has left the worker's queue
      const blocks = after.blocksRun - before.blocksRun;
      assert.ok(blocks < info.config.nLayer, `ran ${blocks} of ${info.config.nLayer} blocks after the cancel`);
      assert.equal(after.numTensors, before.numTensors);
      // Both threads still agree: a full analysis answers.
      assert.equal((await client.analyze(selection(2), { truncate: true })).nLayer, info.config.nLayer);
    } finally {
      await client.dispose();
    }
  });

  it('switching models while an analysis and a completion stream: both end cleanly, the new model answers, the old one is freed', async () => {
    const fresh = EngineClient.start({ workerPath: WORKER });
    const client = EngineClient.start({ workerPath: WORKER });
    try {
      await fresh.load(TINY);
      const tinyOnly = await fresh.diagnostics();
      await client.load(deep);
      let tokens = 0;
      const ac = new AbortController();
      const analysis = client.analyze(selection(3), { truncate: true }, ac.signal, () => ac.abort()).catch((e: unknown) => e);
      const gen = client.generate(selection(4), { maxNewTokens: 40, temperature: 0, stopAtEos: false }, () => tokens++);
      const loaded = client.load(TINY); // the user picks another model meanwhile
      gen.cancel();
      const [a, g, info] = await Promise.all([analysis, gen.result, loaded]);
      assert.ok(a instanceof EngineError && a.code === 'CANCELLED', `the analysis ended ${String(a)}`);
      assert.equal(g.stopReason, 'cancelled');
      assert.equal(info.name, 'attention-lens-tiny');
      const after = await client.diagnostics({ gc: true });
      assert.equal(after.numTensors, tinyOnly.numTensors, "the deep model's tensors are gone");
      assert.equal(after.gemmInstances, tinyOnly.gemmInstances, "the deep model's GEMM memory is gone");
      assert.equal(after.keptRuns, 0);
      const s = await client.analyze('The progress of public credit');
      assert.equal(s.nLayer, info.config.nLayer);
    } finally {
      await client.dispose();
      await fresh.dispose();
    }
  });
});
