// The engine through a real worker thread (dist/engine-worker.js) against the same engine in process.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gpt2Config, writeRandomCheckpoint } from '../../bench/randomCheckpoint';
import { EngineClient, type EarlyAttentions } from '../../src/engine/client';
import { EngineError } from '../../src/engine/errors';
import { EngineSession } from '../../src/engine/session';
import type { GeneratedToken } from '../../src/engine/types';

const ROOT = join(__dirname, '..', '..');
const WORKER = join(ROOT, 'dist', 'engine-worker.js');
const TINY = join(ROOT, 'test', 'fixtures', 'tiny-model');
const TEXT = 'The progress of public credit is witnessed by a considerable rise.';

function assertEngineError(err: unknown, codes: string[]): true {
  assert.ok(err instanceof EngineError, `expected an EngineError, got ${String(err)}`);
  assert.ok(codes.includes(err.code), `code ${err.code} not in ${codes.join('/')}: ${err.message}`);
  return true;
}

describe('EngineClient + worker thread', function () {
  this.timeout(120_000);
  let tmp: string;
  let client: EngineClient;
  let local: EngineSession;

  before(async () => {
    if (!existsSync(WORKER)) execFileSync(process.execPath, ['esbuild.config.mjs'], { cwd: ROOT, stdio: 'ignore' });
    tmp = mkdtempSync(join(tmpdir(), 'al-worker-'));
    client = EngineClient.start({ workerPath: WORKER });
    local = await EngineSession.load(TINY);
  });
  after(async () => {
    await client?.dispose();
    local?.dispose();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('refuses work before a model is loaded', async () => {
    await assert.rejects(client.tokenize('hi'), (e) => assertEngineError(e, ['NOT_LOADED']));
  });

  it('load + analyze + slices give the in-process numbers', async () => {
    const info = await client.load(TINY);
    assert.deepEqual(info, local.info);
    const a = await client.analyze(TEXT, { topK: 7 });
    const b = await local.analyze(TEXT, { topK: 7 });
    assert.deepEqual({ ...a, runId: 0 }, { ...b, runId: 0 });
    const attn = await client.attention(a.runId, 1, 0);
    assert.ok(attn instanceof Float32Array);
    assert.deepEqual(attn, local.attention(b.runId, 1, 0));
    assert.deepEqual(await client.attention(a.runId, 0, -1), local.attention(b.runId, 0, -1));
    assert.deepEqual(await client.allAttentions(a.runId), local.allAttentions(b.runId));
    assert.deepEqual(await client.logits(a.runId), local.logits(b.runId));
    const lens = await client.logitLens(a.runId, 3);
    assert.deepEqual(lens, await local.logitLens(b.runId, 3));
    const cap = await client.capture(a.runId, 1, 4);
    assert.deepEqual(cap, await local.capture(b.runId, 1, 4));
    assert.deepEqual(await client.tokenize(TEXT), local.tokenize(TEXT));
    await client.release(a.runId);
    await assert.rejects(client.attention(a.runId, 0, 0), (e) => assertEngineError(e, ['BAD_ARGUMENT']));
  });

  it('onAttentions: the first phase arrives before the reply, its layers streamed one by one', async () => {
    const seen: { early: EarlyAttentions; settled: boolean }[] = [];
    let settled = false;
    const p = client.analyze(TEXT, { topK: 5 }, undefined, (early) => seen.push({ early, settled }));
    const a = await p.finally(() => (settled = true));
    assert.equal(seen.length, 1);
    const [{ early, settled: before }] = seen;
    assert.equal(before, false);
    const { predictions, actual, ...rest } = a;
    assert.equal(predictions.length, a.T);
    assert.equal(actual.length, a.T);
    assert.deepEqual(early.summary, rest);
    assert.ok(early.layers.streamed);
    assert.equal(early.layers.ready, a.nLayer, 'every layer arrived before the reply');
    const all = await client.allAttentions(a.runId);
    const per = a.nHead * a.T * a.T;
    for (let l = 0; l < a.nLayer; l++) assert.deepEqual(early.layers.get(l), all.subarray(l * per, (l + 1) * per), `layer ${l}`);
    assert.deepEqual(await early.layers.whenLayer(a.nLayer - 1), early.layers.get(a.nLayer - 1));
    await client.release(a.runId);
  });

  it('errors from the engine arrive as EngineError with their code', async () => {
    await assert.rejects(client.analyze('   '), (e) => assertEngineError(e, ['BAD_ARGUMENT']));
    await assert.rejects(client.analyze(`${TEXT} `.repeat(10)), (e) => {
      assertEngineError(e, ['CONTEXT_TOO_LONG']);
      assert.match((e as Error).message, /128/);
      return true;
    });
    // The worker is still alive and serving.
    assert.equal((await client.analyze(TEXT)).T, 24);
  });

  it('a bad model folder rejects with FILE_NOT_FOUND / BAD_CONFIG and keeps the loaded model', async () => {
    await assert.rejects(client.load(join(tmp, 'does-not-exist')), (e) => assertEngineError(e, ['FILE_NOT_FOUND']));
    const bad = join(tmp, 'bad-config');
    execFileSync('cp', ['-r', TINY, bad]);
    const cfg = JSON.parse(readFileSync(join(bad, 'config.json'), 'utf8'));
    writeFileSync(join(bad, 'config.json'), JSON.stringify({ ...cfg, n_head: 5 }));
    await assert.rejects(client.load(bad), (e) => {
      assertEngineError(e, ['BAD_CONFIG']);
      assert.match((e as Error).message, /config\.json/);
      return true;
    });
    assert.equal((await client.analyze(TEXT)).T, 24);
  });

  it('generate streams tokens in order, as the result', async () => {
    const seen: { t: GeneratedToken; i: number }[] = [];
    const h = client.generate(TEXT, { maxNewTokens: 12, temperature: 0.8, seed: 5, stopAtEos: false }, (t, i) => seen.push({ t, i }));
    const r = await h.result;
    assert.equal(r.ids.length, 12);
    assert.deepEqual(seen.map((s) => s.i), [...Array(12).keys()]);
    assert.deepEqual(seen.map((s) => s.t), r.tokens);
    const same = await local.generate(TEXT, { maxNewTokens: 12, temperature: 0.8, seed: 5, stopAtEos: false });
    assert.deepEqual(r, same);
  });

  it('cancel() stops a generation between tokens', async () => {
    let n = 0;
    const h = client.generate(TEXT, { maxNewTokens: 100, temperature: 0, stopAtEos: false }, () => {
      if (++n === 3) h.cancel();
    });
    const r = await h.result;
    assert.equal(r.stopReason, 'cancelled');
    assert.ok(r.ids.length >= 3 && r.ids.length < 100, `${r.ids.length} tokens`);
  });

  it('an aborted analyze is answered CANCELLED', async () => {
    const ac = new AbortController();
    const p = client.analyze(TEXT, {}, ac.signal);
    ac.abort();
    await assert.rejects(p, (e) => assertEngineError(e, ['CANCELLED']));
    assert.equal((await client.analyze(TEXT)).T, 24);
  });

  it('an analyze aborted after the worker finished, its answer not yet read, rejects CANCELLED and lets the run go', async () => {
    const before = (await client.analyze(TEXT)).runId;
    const ac = new AbortController();
    const p = client.analyze(TEXT, {}, ac.signal);
    // Block this thread while the worker runs the tiny model's analysis and posts its answer, so
    // the abort comes after the worker is done (the race a loaded machine makes now and then).
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    ac.abort();
    await assert.rejects(p, (e) => assertEngineError(e, ['CANCELLED']));
    // The promise rejected at once; its run (the next id) is let go when the answer is read.
    const released = async (): Promise<boolean> =>
      client.attention(before + 1, 0, 0).then(
        () => false,
        (e: unknown) => assertEngineError(e, ['BAD_ARGUMENT']),
      );
    const deadline = Date.now() + 5000;
    while (!(await released())) {
      assert.ok(Date.now() < deadline, `run ${before + 1} is still kept 5 s after its analysis was cancelled`);
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal((await client.analyze(TEXT)).runId, before + 2);
  });

  it('the main thread keeps running during a long analysis', async () => {
    const dir = join(tmp, 'bigger');
    writeRandomCheckpoint(dir, gpt2Config({ vocabSize: 557, nPositions: 512, nEmbd: 256, nLayer: 6, nHead: 8, name: 'bigger' }), { seed: 3 });
    for (const f of ['vocab.json', 'merges.txt', 'tokenizer.json']) copyFileSync(join(TINY, f), join(dir, f));
    const info = await client.load(dir);
    assert.equal(info.name, 'bigger');
    const text = `${TEXT} `.repeat(20);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      const a = await client.analyze(text, { truncate: true });
      assert.equal(a.T, Math.min(512, local.tokenize(text).length));
      assert.ok(a.T > 400);
      assert.ok(ticks > 0, 'no timer tick while the worker analysed');
    } finally {
      clearInterval(timer);
    }
    await client.load(TINY);
  });

  it('a crashed worker rejects pending calls with WORKER_DIED, then restarts with the model reloaded', async () => {
    await client.load(TINY);
    const crashes: EngineError[] = [];
    client.onDidCrash = (e) => crashes.push(e);
    const h = client.generate(TEXT, { maxNewTokens: 1000, temperature: 0, stopAtEos: false }, (_t, i) => {
      if (i === 0) client.crashForTesting();
    });
    await assert.rejects(h.result, (e) => assertEngineError(e, ['WORKER_DIED']));
    assert.equal(crashes.length, 1);
    assert.equal(crashes[0].code, 'WORKER_DIED');
    // The next call starts a new worker, which reloads tiny-model first.
    const a = await client.analyze(TEXT);
    const b = await local.analyze(TEXT);
    assert.deepEqual(a.predictions, b.predictions);
    assert.deepEqual(await client.attention(a.runId, 0, 1), local.attention(b.runId, 0, 1));
  });
});

describe('EngineClient + worker thread, the model split over two threads', function () {
  this.timeout(120_000);
  let client: EngineClient;
  let local: EngineSession;

  before(async () => {
    if (!existsSync(WORKER)) execFileSync(process.execPath, ['esbuild.config.mjs'], { cwd: ROOT, stdio: 'ignore' });
    // The bundled worker starts its peer from the bundled dist/engine-peer.js, as in the extension.
    client = EngineClient.start({ workerPath: WORKER, threads: 2 });
    local = await EngineSession.load(TINY, { threads: 1 });
  });
  after(async () => {
    await client?.dispose();
    local?.dispose();
  });

  it('loads on two threads and analyses, slices, captures and generates like one thread', async () => {
    const info = await client.load(TINY);
    assert.equal(info.threads, 2);
    assert.equal(local.info.threads, 1);
    assert.deepEqual({ ...info, threads: 1 }, local.info);
    const a = await client.analyze(TEXT, { topK: 5 });
    const b = await local.analyze(TEXT, { topK: 5 });
    assert.deepEqual(a.tokens, b.tokens);
    assert.deepEqual(
      a.predictions.map((p) => p.ids),
      b.predictions.map((p) => p.ids),
    );
    const x = await client.allAttentions(a.runId);
    const y = local.allAttentions(b.runId);
    assert.equal(x.length, y.length);
    let maxDiff = 0;
    for (let i = 0; i < x.length; i++) maxDiff = Math.max(maxDiff, Math.abs(x[i] - y[i]));
    assert.ok(maxDiff < 1e-5, `attentions differ by ${maxDiff}`);
    const cap = await client.capture(a.runId, 1, 4);
    const ref = await local.capture(b.runId, 1, 4);
    assert.equal(cap.capture.weights.length, ref.capture.weights.length);
    const gen = await client.generate(TEXT, { maxNewTokens: 10, temperature: 0, stopAtEos: false }).result;
    const same = await local.generate(TEXT, { maxNewTokens: 10, temperature: 0, stopAtEos: false });
    assert.deepEqual(gen.ids, same.ids);
  });
});
