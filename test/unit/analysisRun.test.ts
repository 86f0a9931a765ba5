// The panel's host-side run against the real engine worker and the tiny model: the matrices it
// serves are the engine's, quantised within bounds; rollout and overview are built from them.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { attentionRollout } from '../../src/analysis/rollout';
import { tokenIndexAtOffset } from '../../src/analysis/tokenMapping';
import { EngineClient, type EarlyAttentions } from '../../src/engine/client';
import { AnalysisRun, type OverviewBatch } from '../../src/panel/analysisRun';
import { LayerStream } from '../../src/engine/layerStream';
import { dequantize, quantizationErrorBound, reviveQuantized } from '../../src/shared/quantize';

const ROOT = join(__dirname, '..', '..');
const WORKER = join(ROOT, 'dist', 'engine-worker.js');
const TINY = join(ROOT, 'test', 'fixtures', 'tiny-model');
const TEXT = 'The progress of public credit is witnessed by a considerable rise.';

/** Every batch a run pushes until its overview is whole (or `signal` stops it). */
async function pushed(run: AnalysisRun, size: number, signal?: AbortSignal): Promise<OverviewBatch[]> {
  const batches: OverviewBatch[] = [];
  await run.pushOverview(size, (b) => batches.push(b), signal);
  return batches;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('panel AnalysisRun with the engine worker', function () {
  this.timeout(120_000);
  let client: EngineClient;
  let run: AnalysisRun;

  before(async () => {
    if (!existsSync(WORKER)) execFileSync(process.execPath, ['esbuild.config.mjs'], { cwd: ROOT, stdio: 'ignore' });
    client = EngineClient.start({ workerPath: WORKER });
    await client.load(TINY);
    run = new AnalysisRun(client, await client.analyze(TEXT, { truncate: true, topK: 10 }));
  });
  after(async () => {
    await client?.dispose();
  });

  it('serves one head as the engine computed it, quantised within the 16-bit bound', async () => {
    const { T } = run.summary;
    const direct = await client.attention(run.runId, 1, 1);
    const m = await run.matrix({ kind: 'head', layer: 1, head: 1 });
    assert.equal(maxDiff(m, direct), 0);
    const q = await run.quantized({ kind: 'head', layer: 1, head: 1 });
    assert.equal(q.length, T * T);
    assert.ok(maxDiff(dequantize(reviveQuantized(q)), direct) <= quantizationErrorBound(16, 1) + 1e-7);
    const row = await run.row({ kind: 'head', layer: 1, head: 1 }, 3);
    assert.equal(maxDiff(row, direct.subarray(3 * T, 4 * T)), 0);
  });

  it('computes the layer mean and the rollout from the heads', async () => {
    const { T, nLayer } = run.summary;
    const means = [];
    for (let l = 0; l < nLayer; l++) {
      const mean = await run.matrix({ kind: 'layerMean', layer: l });
      const h0 = await client.attention(run.runId, l, 0);
      const h1 = await client.attention(run.runId, l, 1);
      assert.ok(maxDiff(mean, h0.map((v, i) => (v + h1[i]) / 2)) < 1e-6);
      means.push(mean);
    }
    const expected = attentionRollout(means, T);
    for (let l = nLayer - 1; l >= 0; l--) assert.ok(maxDiff(await run.matrix({ kind: 'rollout', layer: l }), expected[l]) < 1e-6, `rollout ${l}`);
  });

  it('pushes an 8-bit overview thumbnail for every layer × head, in layer order, fetched from the engine', async () => {
    const { nLayer, nHead, T } = run.summary;
    const batches = await pushed(run, 8);
    assert.deepEqual(batches.map((b) => b.fromLayer), [...Array(nLayer).keys()], 'a run without a stream: one layer per batch');
    const thumbs = batches.flatMap((b) => b.thumbs);
    assert.equal(thumbs.length, nLayer * nHead);
    for (const b of batches) assert.equal(b.size, Math.min(8, T));
    for (const t of thumbs) {
      assert.equal(t.bits, 8);
      assert.equal(t.length, 8 * 8);
      assert.ok(t.data.some((x) => x === 255), 'each thumbnail is scaled to its own max');
    }
    const stop = new AbortController();
    stop.abort();
    assert.deepEqual(await pushed(run, 8, stop.signal), [], 'an aborted push sends nothing');
  });

  it('started from the first phase, serves the same matrices and overview without the engine', async () => {
    let early: EarlyAttentions | undefined;
    const full = await client.analyze(TEXT, { truncate: true, topK: 10 }, undefined, (e) => (early = e));
    assert.ok(early?.layers.complete, 'the first phase streamed every layer');
    const served = [0];
    const counting = {
      attention: (...a: Parameters<EngineClient['attention']>) => (served[0]++, client.attention(...a)),
      release: (id: number) => client.release(id),
    };
    const fromEarly = new AnalysisRun(counting, early.summary, undefined, early.layers);
    const fromEngine = new AnalysisRun(client, full);
    const { nLayer, nHead } = full;
    for (let l = 0; l < nLayer; l++) {
      for (let h = 0; h < nHead; h++) {
        assert.deepEqual(await fromEarly.matrix({ kind: 'head', layer: l, head: h }), await fromEngine.matrix({ kind: 'head', layer: l, head: h }));
      }
      assert.deepEqual(await fromEarly.matrix({ kind: 'layerMean', layer: l }), await fromEngine.matrix({ kind: 'layerMean', layer: l }));
      assert.deepEqual(await fromEarly.matrix({ kind: 'rollout', layer: l }), await fromEngine.matrix({ kind: 'rollout', layer: l }));
    }
    // Streamed, the overview goes out a quarter of the layers at most per batch; together they are the engine's.
    const parts = await pushed(fromEarly, 8);
    const whole = await pushed(fromEngine, 8);
    assert.deepEqual(parts.flatMap((p) => p.thumbs), whole.flatMap((p) => p.thumbs));
    let next = 0;
    for (const p of parts) {
      assert.equal(p.fromLayer, next, 'batches follow each other from layer 0');
      assert.ok(p.layers >= 1 && p.layers <= Math.ceil(nLayer / 4) && p.size === whole[0].size);
      next += p.layers;
    }
    assert.equal(next, nLayer);
    assert.equal(served[0], 0, 'no matrix was fetched from the engine');
    assert.throws(() => new AnalysisRun(client, full, undefined, new LayerStream(full.nLayer + 1, true)), RangeError);
    await fromEngine.release();
  });

  it('while the layers stream in: serves a layer once it is here, the overview layer by layer; falls back to the engine if the stream fails', async () => {
    let early: EarlyAttentions | undefined;
    const full = await client.analyze(TEXT, { truncate: true, topK: 10 }, undefined, (e) => (early = e));
    const { nLayer, nHead } = full;
    assert.ok(nLayer >= 2);
    const served = [0];
    const counting = {
      attention: (...a: Parameters<EngineClient['attention']>) => (served[0]++, client.attention(...a)),
      release: (id: number) => client.release(id),
    };
    const stream = new LayerStream(nLayer, true);
    stream.add(0, early!.layers.get(0)!);
    const run2 = new AnalysisRun(counting, early!.summary, undefined, stream);
    assert.equal(stream.ready, 1);
    const head1 = { kind: 'head', layer: 1, head: nHead - 1 } as const;
    let got: Float32Array | undefined;
    const waiting = run2.matrix(head1).then((m) => (got = m));
    const batches: OverviewBatch[] = [];
    const pushing = run2.pushOverview(8, (b) => batches.push(b));
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(batches.map((b) => [b.fromLayer, b.layers, b.thumbs.length]), [[0, 1, nHead]], 'only layer 0 so far: pushed at once');
    assert.equal(got, undefined, 'layer 1 is not here yet');
    stream.add(1, early!.layers.get(1)!);
    await waiting;
    const fromEngine = new AnalysisRun(client, full);
    assert.deepEqual(got, await fromEngine.matrix(head1));
    for (let l = 2; l < nLayer; l++) stream.add(l, early!.layers.get(l)!);
    await pushing;
    assert.equal(batches[1].fromLayer, 1, 'layer 1 went out once it was here');
    assert.deepEqual(batches.flatMap((b) => b.thumbs), (await pushed(fromEngine, 8)).flatMap((b) => b.thumbs));
    assert.equal(served[0], 0, 'nothing was fetched from the engine');
    // A stream that ends early (a failed or cancelled run): the missing layers come from the engine.
    const broken = new LayerStream(nLayer, true);
    broken.add(0, early!.layers.get(0)!);
    const run3 = new AnalysisRun(counting, early!.summary, undefined, broken);
    const late = run3.matrix({ kind: 'layerMean', layer: nLayer - 1 });
    broken.fail(new Error('cancelled'));
    assert.deepEqual(await late, await fromEngine.matrix({ kind: 'layerMean', layer: nLayer - 1 }));
    assert.ok(served[0] > 0, 'the engine served it');
    await fromEngine.release();
  });

  it('refuses layers and heads the model does not have', async () => {
    await assert.rejects(run.matrix({ kind: 'head', layer: 2, head: 0 }), RangeError);
    await assert.rejects(run.matrix({ kind: 'head', layer: 0, head: 2 }), RangeError);
    await assert.rejects(run.row({ kind: 'layerMean', layer: 0 }, run.T), RangeError);
  });

  it('maps cursor offsets of a truncated analysis only inside the analysed tokens', async () => {
    const long = `${TEXT} `.repeat(20);
    const s = await client.analyze(long, { truncate: true });
    assert.ok(s.truncated && s.T === 128 && s.totalTokens > 128);
    const end = s.tokens[s.T - 1].end;
    assert.equal(tokenIndexAtOffset(s.tokens, end - 1), s.T - 1);
    assert.equal(tokenIndexAtOffset(s.tokens, end + 1), -1);
    await client.release(s.runId);
  });

  it('a run on demand (an engine whose budget holds no map): the overview from the thumbnails the engine pooled, heads rebuilt, the same as a run with every map', async () => {
    const lean = EngineClient.start({ workerPath: WORKER, maxMemoryMB: 0.05 });
    try {
      await lean.load(TINY);
      let early: EarlyAttentions | undefined;
      const summary = await lean.analyze(TEXT, { truncate: true, topK: 10, thumbSize: 8 }, undefined, (e) => (early = e));
      assert.equal(summary.onDemand, true);
      assert.ok(early && !early.layers.streamed && early.layers.thumbnails, 'thumbnails streamed, not maps');
      const served = [0];
      const counting = {
        attention: (...a: Parameters<EngineClient['attention']>) => (served[0]++, lean.attention(...a)),
        release: (id: number) => lean.release(id),
      };
      const onDemand = new AnalysisRun(counting, early.summary, undefined, early.layers);
      const batches = await pushed(onDemand, 8);
      assert.equal(served[0], 0, 'the overview asked the engine for no map');
      assert.deepEqual(batches.flatMap((b) => b.thumbs), (await pushed(run, 8)).flatMap((b) => b.thumbs), 'the same 8-bit thumbnails as pooled from every map');
      for (const source of [{ kind: 'head', layer: 1, head: 1 }, { kind: 'layerMean', layer: 0 }, { kind: 'rollout', layer: 1 }] as const) {
        assert.ok(maxDiff(await onDemand.matrix(source), await run.matrix(source)) <= 1e-6, JSON.stringify(source));
      }
      await onDemand.release();
    } finally {
      await lean.dispose();
    }
  });

  it('releases the run in the engine', async () => {
    const s = await client.analyze('A short one.', {});
    const r = new AnalysisRun(client, s);
    await r.matrix({ kind: 'head', layer: 0, head: 0 });
    await r.release();
    await assert.rejects(client.attention(s.runId, 0, 0));
  });
});
