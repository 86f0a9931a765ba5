// Token attribution end to end (EngineSession.attribute, the worker, the CLI) on the bundled model,
// and on a Llama-family fixture split over two threads: occlusion equals the differences of
// forwards computed independently (separate analyses of the edited tokens); every method gives
// the same numbers on one thread and on two (gradients run on a whole copy of the model on the
// engine's thread, occlusion through the split forward); the CLI prints the contract's fields.
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logSumExp } from '../../src/analysis/topk';
import { Attributor } from '../../src/engine/attribution/attributor';
import { initBackend } from '../../src/engine/backend';
import { loadCheckpoint } from '../../src/engine/checkpoint';
import { EngineClient } from '../../src/engine/client';
import { GPTModel } from '../../src/engine/model';
import { EngineSession } from '../../src/engine/session';
import type { Tokenizer } from '../../src/engine/types';
import type { AttributionMethod, AttributionResult } from '../../src/shared/attribution';
import type { Token } from '../../src/shared/token';
import '../helpers/sourceWorkers';
import { randomIds } from '../helpers/randomModel';
import { cli, ensureBuilt, assertOneLineFailure } from './cliRun';

const ROOT = join(__dirname, '..', '..');
const MODEL = join(ROOT, 'media', 'model');
const WORKER = join(ROOT, 'dist', 'engine-worker.js');
const TEXT = 'The cat sat on the mat. The cat sat on the';
/** Two forwards of the same tokens: our GEMM splits its sums over threads differently. */
const THREADS_TOL = 2e-4;
/** The same float32 forwards, subtracted in the same order. */
const OCCLUSION_TOL = 1e-6;
const METHODS: AttributionMethod[] = ['grad', 'ig', 'occlusion'];

function assertScoresClose(a: AttributionResult, b: AttributionResult, tol: number, what: string): void {
  assert.equal(a.target.id, b.target.id, `${what}: target`);
  assert.equal(a.scores.length, b.scores.length);
  a.scores.forEach((s, i) => assert.ok(Math.abs(s - b.scores[i]) <= tol, `${what}: token ${i}: ${s} vs ${b.scores[i]}`));
}

describe('attribution on the bundled model', function () {
  this.timeout(300_000);
  let one: EngineSession;
  let two: EngineSession;
  const P = 11; // " sat" → " on", the repeat of tokens 3–4
  const results = new Map<AttributionMethod, AttributionResult>();

  before(async () => {
    one = await EngineSession.load(MODEL, { threads: 1 });
    two = await EngineSession.load(MODEL, { threads: 2 });
    for (const method of METHODS) results.set(method, await one.attribute(TEXT, { position: P, method }));
  });
  after(() => {
    one?.dispose();
    two?.dispose();
  });

  it('explains the top prediction by default; scores tokens 0…position', async () => {
    const summary = await one.analyze(TEXT, { topK: 1 });
    one.release(summary.runId);
    for (const r of results.values()) {
      assert.equal(r.target.id, summary.predictions[P].ids[0]);
      assert.equal(r.scores.length, P + 1);
      assert.deepEqual(r.tokens, summary.tokens.slice(0, P + 1));
      assert.ok(Math.abs(r.logProb - Math.log(summary.predictions[P].probs[0])) < 1e-4, `log p ${r.logProb}`);
    }
  });

  it('occlusion equals log p(target) minus that of the text with each token replaced, by separate analyses', async () => {
    const r = results.get('occlusion')!;
    const V = one.info.config.vocabSize;
    const logProbOf = async (tokens: Token[]): Promise<number> => {
      const s = await one.analyze(tokens, { topK: 1, attentions: false });
      const z = one.logits(s.runId).subarray(P * V, (P + 1) * V); // [V]
      one.release(s.runId);
      return z[r.target.id] - logSumExp(z);
    };
    const base = await logProbOf(r.tokens);
    assert.ok(Math.abs(base - r.logProb) <= OCCLUSION_TOL);
    for (let i = 0; i <= P; i++) {
      const edited = r.tokens.map((t, j) => (j === i ? { ...t, id: r.replacement!.id } : t));
      const want = base - (await logProbOf(edited));
      assert.ok(Math.abs(r.scores[i] - want) <= OCCLUSION_TOL, `token ${i}: ${r.scores[i]} vs ${want}`);
    }
    // the repeated " sat" (token 11) and " on" (token 4) carry the induction: they matter most
    const top2 = r.scores.map((s, i) => [s, i]).sort((a, b) => b[0] - a[0]).slice(0, 2).map((x) => x[1]).sort((a, b) => a - b);
    assert.deepEqual(top2, [4, 11]);
  });

  it('a given target is explained instead of the top prediction', async () => {
    const r = await one.attribute(TEXT, { position: P, method: 'grad', target: 7 });
    assert.equal(r.target.id, 7);
    assert.notDeepEqual(r.scores, results.get('grad')!.scores);
  });

  for (const method of METHODS) {
    it(`${method}: the same scores on two threads`, async () => {
      assert.equal(two.info.threads, 2);
      assertScoresClose(await two.attribute(TEXT, { position: P, method }), results.get(method)!, THREADS_TOL, method);
    });
  }

  it('refuses a position past the text, a bad method, a target outside the vocabulary, 0 steps', async () => {
    await assert.rejects(one.attribute(TEXT, { position: 99, method: 'grad' }), /position must be an integer from 0 to 13, got 99/);
    await assert.rejects(one.attribute(TEXT, { position: 1, method: 'saliency' as AttributionMethod }), /method must be one of grad, ig, occlusion/);
    await assert.rejects(one.attribute(TEXT, { position: 1, method: 'grad', target: 4096 }), /target token id must be an integer from 0 to 4095/);
    await assert.rejects(one.attribute(TEXT, { position: 1, method: 'ig', steps: 0 }), /steps must be an integer from 1 to 512/);
  });

  it('runs in the engine worker with the same numbers', async () => {
    if (!existsSync(WORKER)) execFileSync(process.execPath, ['esbuild.config.mjs'], { cwd: ROOT, stdio: 'ignore' });
    const client = EngineClient.start({ workerPath: WORKER });
    try {
      await client.load(MODEL);
      for (const method of METHODS) assertScoresClose(await client.attribute(TEXT, { position: P, method }), results.get(method)!, 1e-9, method);
    } finally {
      await client.dispose();
    }
  });

  describe('CLI attribute', () => {
    let dir: string;
    before(() => {
      ensureBuilt();
      dir = mkdtempSync(join(tmpdir(), 'attr-'));
      writeFileSync(join(dir, 'text.txt'), TEXT);
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    for (const method of METHODS) {
      it(`--method ${method} prints the contract's fields and the session's scores`, () => {
        const r = cli('attribute', '--model', MODEL, '--text-file', join(dir, 'text.txt'), '--position', String(P), '--method', method);
        assert.equal(r.status, 0, r.stderr);
        const out = JSON.parse(r.stdout) as { position: number; predicted: { id: number; text: string }; method: string; tokens: { start: number; end: number; text: string; score: number }[] };
        const want = results.get(method)!;
        assert.equal(out.position, P);
        assert.equal(out.method, method);
        assert.deepEqual(out.predicted, want.target);
        assert.equal(out.tokens.length, P + 1);
        out.tokens.forEach((t, i) => {
          assert.deepEqual([t.start, t.end, t.text], [want.tokens[i].start, want.tokens[i].end, want.tokens[i].text]);
          assert.ok(Math.abs(t.score - want.scores[i]) <= THREADS_TOL, `token ${i}`);
        });
      });
    }

    it('a position past the text fails in one line naming the file', () => {
      assertOneLineFailure(cli('attribute', '--model', MODEL, '--text-file', join(dir, 'text.txt'), '--position', '50'), 'text.txt');
    });
  });
});

describe('attribution on a Llama-family model split over two threads', function () {
  this.timeout(120_000);
  const dir = join(ROOT, 'test', 'fixtures', 'families', 'llama-gqa-tied-f32');

  it('every method gives the same scores on one thread and on two', async () => {
    await initBackend();
    const { config } = loadCheckpoint(dir);
    // The fixture has no tokenizer files: ids are what is attributed, decode only names them.
    const tokenizer = { decode: (ids: number[]) => ids.join(' '), eosTokenId: config.eosTokenId } as unknown as Tokenizer;
    const tokens: Token[] = randomIds(9, config.vocabSize, 3).map((id, i) => ({ id, text: String(id), start: i, end: i + 1 }));
    const models = [GPTModel.create(config, loadCheckpoint(dir).weights), await GPTModel.createParallel(config, loadCheckpoint(dir).weights, { threads: 2 })];
    const attributors = models.map((m) => new Attributor(dir, m, tokenizer));
    try {
      assert.equal(models[1].threads, 2);
      for (const method of METHODS) {
        const [a, b] = await Promise.all(attributors.map((x) => x.attribute(tokens, { position: 8, method, steps: 16 })));
        assertScoresClose(b, a, THREADS_TOL, method);
        assert.ok(a.scores.some((s) => Math.abs(s) > 1e-3), `${method}: some token matters`);
      }
    } finally {
      attributors.forEach((x) => x.dispose());
      models.forEach((m) => m.dispose());
    }
  });
});
