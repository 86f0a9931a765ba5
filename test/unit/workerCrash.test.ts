// A worker that dies (a fatal throw, process.exit, or its V8 heap exhausted) through the real worker
// (dist/engine-worker.js): every call out rejects with one code, the crash is reported once
// (onDidCrash), and the next call starts a new worker with the model loaded again, which answers.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { EngineClient } from '../../src/engine/client';
import { EngineError } from '../../src/engine/errors';
import type { CrashKind } from '../../src/engine/workerProtocol';
import '../helpers/sourceWorkers';

const ROOT = join(__dirname, '..', '..');
const WORKER = join(ROOT, 'dist', 'engine-worker.js');
const TINY = join(ROOT, 'test', 'fixtures', 'tiny-model');
const TEXT = 'The progress of public credit is witnessed by a considerable rise.';

const cases: [CrashKind, string][] = [
  ['throw', 'WORKER_DIED'],
  ['exit', 'WORKER_DIED'],
  ['oom', 'OUT_OF_MEMORY'],
];

describe('a crashed engine worker (real worker)', function () {
  this.timeout(180_000);

  for (const [how, code] of cases) {
    it(`${how}: the calls out reject ${code}, one report, the next call works on a new worker with the model reloaded`, async () => {
      // A small heap, so that running it out takes a moment (the tiny model fits well within it).
      const client = EngineClient.start({ workerPath: WORKER, resourceLimits: { maxOldGenerationSizeMb: 96, maxYoungGenerationSizeMb: 16 } });
      try {
        await client.load(TINY);
        const expected = await client.analyze(TEXT);
        const crashes: EngineError[] = [];
        client.onDidCrash = (e) => crashes.push(e);
        // Three kinds of call out at once: a generation streaming, an analysis and a tokenize queued behind it.
        const gen = client.generate(TEXT, { maxNewTokens: 100_000, temperature: 0, stopAtEos: false }, (_t, i) => {
          if (i === 0) client.crashForTesting(how);
        });
        const analysis = client.analyze(TEXT);
        const tokens = client.tokenize(TEXT);
        const settled = await Promise.allSettled([gen.result, analysis, tokens]);
        for (const s of settled) {
          assert.equal(s.status, 'rejected');
          const e = (s as PromiseRejectedResult).reason as unknown;
          assert.ok(e instanceof EngineError && e.code === code, `rejected with ${String(e)}`);
        }
        assert.equal(crashes.length, 1, 'reported once');
        assert.equal(crashes[0].code, code);
        for (const s of settled) assert.equal((s as PromiseRejectedResult).reason, crashes[0], 'the calls rejected with the error reported (so a caller can tell it was reported)');
        assert.match(crashes[0].message, /restarts on the next request/);
        // The next call starts a new worker, which loads the model again before it.
        const after = await client.analyze(TEXT);
        assert.deepEqual(after.predictions, expected.predictions);
        assert.equal((await client.diagnostics()).keptRuns, 1);
        assert.equal(crashes.length, 1, 'no second report');
      } finally {
        await client.dispose();
      }
    });
  }
});
