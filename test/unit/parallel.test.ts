// Tensor parallelism: the shard plan, weight cutting, the shared-memory sum across real worker
// threads, and a model split over 2 and 3 threads against the same model on one thread — every
// output the engine exposes (logits, attentions, residuals, the learner's capture, the logit lens,
// KV-cache decoding) — plus what happens when a thread fails. (The conformance test holds the split
// model to the numpy reference too.)
import * as assert from 'assert';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { initBackend } from '../../src/engine/backend';
import { EngineError } from '../../src/engine/errors';
import { generateIds } from '../../src/engine/generate';
import { GPTModel } from '../../src/engine/model';
import { AllReduce, createReduceBuffer } from '../../src/engine/parallel/allReduce';
import { planShards, shardWeights } from '../../src/engine/parallel/shards';
import { chooseThreads } from '../../src/engine/session';
import type { ForwardResult, GPTConfig, WeightMap } from '../../src/engine/types';
import { assertClose, TOL } from '../helpers/numeric';
import { randomIds, randomWeights, tinyConfig } from '../helpers/randomModel';
import '../helpers/sourceWorkers';

const ALL_REDUCE = join(__dirname, '../../src/engine/parallel/allReduce.ts');

describe('tensor parallelism', function () {
  describe('planShards', function () {
    it('cuts heads, MLP units and vocabulary into contiguous near-equal parts that cover them', function () {
      const config = tinyConfig({ nHead: 5, nInner: 37, vocabSize: 101 });
      for (const n of [1, 2, 3, 5]) {
        const plan = planShards(config, n);
        assert.strictEqual(plan.length, n);
        for (const [key, total] of [['heads', 5], ['inner', 37], ['vocab', 101]] as const) {
          assert.strictEqual(plan[0][key][0], 0);
          assert.strictEqual(plan[n - 1][key][1], total);
          for (let r = 1; r < n; r++) assert.strictEqual(plan[r][key][0], plan[r - 1][key][1], `${key} of rank ${r} starts where ${r - 1} ends`);
          const sizes = plan.map((s) => s[key][1] - s[key][0]);
          assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `${key} sizes ${sizes}`);
        }
      }
      assert.deepStrictEqual(planShards(config, 2)[0].heads, [0, 3]);
    });

    it('refuses more threads than heads', function () {
      assert.throws(() => planShards(tinyConfig({ nHead: 2 }), 3), /cannot split 2 heads over 3 threads/);
    });
  });

  describe('shardWeights', function () {
    const config = tinyConfig({ nHead: 4, nEmbd: 8, nInner: 12, nLayer: 1 });
    const w = randomWeights(config, 1);
    const [s0, s1] = planShards(config, 2);
    const a = shardWeights(config, w, s0);
    const b = shardWeights(config, w, s1);
    const d = 8;
    const hd = 2;

    it("gives each shard its heads' q, k and v columns of c_attn, in q | k | v order", function () {
      const full = w.get('h.0.attn.c_attn.weight')!;
      const part = b.get('h.0.attn.c_attn.weight')!;
      assert.deepStrictEqual(part.shape, [d, 3 * 2 * hd]);
      for (let row = 0; row < d; row++) {
        for (let third = 0; third < 3; third++) {
          for (let c = 0; c < 2 * hd; c++) {
            // heads 2 and 3 are columns 4…7 of each third of the full matrix
            assert.strictEqual(part.data[row * 12 + third * 4 + c], full.data[row * 24 + third * d + 4 + c]);
          }
        }
      }
    });

    it('cuts c_proj by rows and c_fc by columns; the row-parallel biases stay on rank 0 only', function () {
      const proj = w.get('h.0.attn.c_proj.weight')!.data;
      assert.deepStrictEqual([...b.get('h.0.attn.c_proj.weight')!.data], [...proj.subarray(4 * d, 8 * d)]);
      assert.deepStrictEqual([...a.get('h.0.attn.c_proj.bias')!.data], [...w.get('h.0.attn.c_proj.bias')!.data]);
      assert.ok(b.get('h.0.attn.c_proj.bias')!.data.every((x) => x === 0));
      assert.ok(b.get('h.0.mlp.c_proj.bias')!.data.every((x) => x === 0));
      const fc = w.get('h.0.mlp.c_fc.weight')!;
      const fcB = b.get('h.0.mlp.c_fc.weight')!;
      assert.deepStrictEqual(fcB.shape, [d, 6]);
      for (let row = 0; row < d; row++) for (let c = 0; c < 6; c++) assert.strictEqual(fcB.data[row * 6 + c], fc.data[row * 12 + 6 + c]);
      assert.deepStrictEqual([...b.get('h.0.mlp.c_proj.weight')!.data], [...w.get('h.0.mlp.c_proj.weight')!.data.subarray(6 * d)]);
    });

    it('shares replicated weights on rank 0 and copies them for the others (their buffers move to another thread)', function () {
      assert.strictEqual(a.get('wpe.weight'), w.get('wpe.weight'));
      assert.notStrictEqual(b.get('wpe.weight')!.data.buffer, w.get('wpe.weight')!.data.buffer);
      assert.deepStrictEqual([...b.get('ln_f.weight')!.data], [...w.get('ln_f.weight')!.data]);
    });

    it('gives every rank one shared copy of the embedding wte (shared memory, not copied per thread)', function () {
      const wte = w.get('wte.weight')!.data;
      assert.ok(wte.buffer instanceof SharedArrayBuffer);
      assert.strictEqual(a.get('wte.weight')!.data, wte);
      assert.strictEqual(b.get('wte.weight')!.data, wte);
    });

    it('with release (the last cut), lets the checkpoint arrays of each cut layer go', function () {
      const mine = randomWeights(config, 2);
      const own = shardWeights(config, mine, s0, true);
      assert.ok(!mine.has('h.0.attn.c_attn.weight') && !mine.has('h.0.mlp.c_proj.weight'));
      assert.ok(own.has('h.0.attn.c_attn.weight') && own.has('h.0.mlp.c_proj.weight'));
    });

    it('names a wrongly shaped weight', function () {
      const bad: WeightMap = new Map(w);
      bad.set('h.0.mlp.c_fc.weight', { shape: [d, 11], data: new Float32Array(d * 11) });
      assert.throws(() => shardWeights(config, bad, s1), /"h\.0\.mlp\.c_fc\.weight" has shape \[8,11\], expected \[8,12\]/);
    });
  });

  describe('AllReduce across worker threads', function () {
    /** Starts `n − 1` threads that each sum `calls` vectors as rank r; rank 0 runs here. */
    function peers(sab: SharedArrayBuffer, n: number, calls: number, len: number, failAt = -1): Promise<Float32Array[]>[] {
      const code = `
        require('tsx/cjs');
        const { parentPort, workerData: wd } = require('node:worker_threads');
        const { AllReduce } = require(${JSON.stringify(ALL_REDUCE)});
        const ar = new AllReduce(wd.sab, wd.rank, wd.n, wd.len, 5000);
        const outs = [];
        try {
          for (let c = 0; c < wd.calls; c++) {
            if (c === wd.failAt) { ar.fail(); break; }
            const v = new Float32Array(wd.len).map((_, i) => (wd.rank + 1) * 0.1 + c * 0.001 + i * 1e-4);
            outs.push(ar.sum(v));
          }
          parentPort.postMessage({ outs });
        } catch (e) { parentPort.postMessage({ error: e.message, outs }); }`;
      return Array.from({ length: n - 1 }, (_, i) => {
        const w = new Worker(code, { eval: true, workerData: { sab, rank: i + 1, n, calls, len, failAt } });
        return new Promise<Float32Array[]>((resolve, reject) => {
          w.once('message', (m: { outs: Float32Array[]; error?: string }) => (m.error ? reject(new Error(m.error)) : resolve(m.outs)));
          w.once('error', reject);
        });
      });
    }

    it('gives every rank the same, bit-identical sum, call after call (both buffer generations reused)', async function () {
      for (const n of [2, 3]) {
        const len = 50;
        const calls = 9;
        const sab = createReduceBuffer(n, len);
        const remote = peers(sab, n, calls, len);
        const ar = new AllReduce(sab, 0, n, len, 5000);
        await new Promise((r) => setTimeout(r, 300)); // let the peers start (and wait on rank 0)
        const mine: Float32Array[] = [];
        for (let c = 0; c < calls; c++) mine.push(ar.sum(new Float32Array(len).map((_, i) => 0.1 + c * 0.001 + i * 1e-4)));
        const theirs = await Promise.all(remote);
        for (let c = 0; c < calls; c++) {
          for (let i = 0; i < len; i++) {
            let expected = 0;
            for (let r = 0; r < n; r++) expected += (r + 1) * 0.1 + c * 0.001 + i * 1e-4;
            assert.ok(Math.abs(mine[c][i] - expected) < 1e-5, `n=${n} call ${c} [${i}]: ${mine[c][i]} vs ${expected}`);
          }
          for (const t of theirs) assert.deepStrictEqual([...t[c]], [...mine[c]], `rank sums differ at call ${c}`);
        }
      }
    });

    it('stops waiting with WORKER_DIED when another rank gives up', async function () {
      const sab = createReduceBuffer(2, 4);
      const remote = peers(sab, 2, 5, 4, 2); // the peer sums twice, then fails
      const ar = new AllReduce(sab, 0, 2, 4, 5000);
      ar.sum(new Float32Array(4));
      ar.sum(new Float32Array(4));
      assert.throws(
        () => ar.sum(new Float32Array(4)),
        (e: unknown) => e instanceof EngineError && e.code === 'WORKER_DIED',
      );
      assert.strictEqual((await remote[0]).length, 2);
    });

    it('times out rather than hanging when no other rank comes', function () {
      const ar = new AllReduce(createReduceBuffer(2, 4), 0, 2, 4, 200);
      assert.throws(() => ar.sum(new Float32Array(4)), /did not answer within/);
    });
  });

  describe('a model on several threads', function () {
    const config: GPTConfig = tinyConfig({ nHead: 5, nEmbd: 40, nInner: 150, nLayer: 2, vocabSize: 97 });
    const T = 11;
    const ids = randomIds(T, config.vocabSize);
    let weights: WeightMap;
    let single: GPTModel;
    let ref: ForwardResult;

    before(async function () {
      await initBackend();
      weights = randomWeights(config, 4);
      single = GPTModel.create(config, weights);
      ref = await single.forward(ids, { attentions: true, residuals: true });
    });
    after(() => single?.dispose());

    for (const threads of [2, 3]) {
      describe(`${threads} threads`, function () {
        let model: GPTModel;
        before(async function () {
          model = await GPTModel.createParallel(config, weights, { threads });
        });
        after(() => model?.dispose());

        it('reports its threads and the whole model', function () {
          assert.strictEqual(model.threads, threads);
          assert.strictEqual(model.numParams, single.numParams);
        });

        it('gives the same logits, attentions of every head and residual streams', async function () {
          const out = await model.forward(ids, { attentions: true, residuals: true });
          assertClose(out.logits, ref.logits, TOL.logits, 'logits', [T, config.vocabSize]);
          assert.strictEqual(out.attentions!.length, config.nLayer);
          out.attentions!.forEach((a, l) => assertClose(a, ref.attentions![l], TOL.attention, `attentions[${l}]`, [config.nHead, T, T]));
          out.residuals!.forEach((r, l) => assertClose(r, ref.residuals![l], TOL.residual, `residuals[${l}]`, [T, config.nEmbd]));
        });

        it("gives the learner's whole capture, every head and unit stitched back in order", async function () {
          const cap = { layer: 1, position: 7 };
          const a = await model.forward(ids, { attentions: false, capture: cap });
          const b = await single.forward(ids, { attentions: false, capture: cap });
          const got = a.capture as unknown as Record<string, unknown>;
          for (const [key, x] of Object.entries(b.capture!) as [string, unknown][]) {
            if (x instanceof Float32Array) {
              // relative to the entry's scale: raw scores reach ±10 and carry float32 rounding of that size
              const scale = Math.max(1, ...Array.from(x).filter(Number.isFinite).map(Math.abs));
              assertClose(got[key] as Float32Array, x, TOL.residual * scale, `capture.${key}`);
            } else assert.strictEqual(got[key], x, `capture.${key}`);
          }
          assertClose(a.finalLn!, b.finalLn!, TOL.residual, 'finalLn');
        });

        it('hands the attentions to afterBlocks before the LM head, whole', async function () {
          let seen: Float32Array[] = [];
          await model.forward(ids, {}, { afterBlocks: (atts) => void (seen = atts.map((x) => x.slice())) });
          assert.strictEqual(seen.length, config.nLayer);
          assertClose(seen[1], ref.attentions![1], TOL.attention, 'afterBlocks attentions[1]');
        });

        it('streams each layer, every head, in order and before the LM head, and still returns them all', async function () {
          const order: string[] = [];
          const layers: Float32Array[] = [];
          const out = await model.forward(ids, {}, {
            afterLayer: (l, a) => {
              order.push(`layer ${l}`);
              layers[l] = a!.slice();
            },
            afterBlocks: () => void order.push('blocks'),
          });
          assert.deepStrictEqual(order, [...Array.from({ length: config.nLayer }, (_, l) => `layer ${l}`), 'blocks']);
          layers.forEach((a, l) => assertClose(a, ref.attentions![l], TOL.attention, `streamed layer ${l}`, [config.nHead, T, T]));
          out.attentions!.forEach((a, l) => assertClose(a, ref.attentions![l], TOL.attention, `attentions[${l}]`, [config.nHead, T, T]));
        });

        it('unembeds a residual stream (the logit lens) over the whole vocabulary', async function () {
          const logits = await model.unembed(ref.residuals![1], T);
          assertClose(logits, await single.unembed(ref.residuals![1], T), TOL.logits, 'unembed');
        });

        it('decodes with the KV cache like one thread: same greedy ids, logits at every step', async function () {
          const prompt = ids.slice(0, 6);
          const gen = { maxNewTokens: 12, temperature: 0, stopAtEos: false };
          const [x, y] = [await generateIds(model, prompt, gen), await generateIds(single, prompt, gen)];
          assert.deepStrictEqual(x.ids, y.ids);
          const c1 = model.newCache();
          const c2 = single.newCache();
          try {
            assertClose(await model.step(c1, prompt), await single.step(c2, prompt), TOL.logits, 'prefill logits');
            for (const id of [3, 50, 96]) assertClose(await model.step(c1, [id]), await single.step(c2, [id]), TOL.logits, `logits after ${id}`);
            assertClose(await model.step(c1, [4, 5, 6]), await single.step(c2, [4, 5, 6]), TOL.logits, 'a 3-token step after the cache');
          } finally {
            c1.dispose();
            c2.dispose();
          }
        });

        it('rejects bad input without involving its threads, and stays usable', async function () {
          await assert.rejects(model.forward([1, 2, 999]), /token id 999/);
          await assert.rejects(model.forward(randomIds(config.nPositions + 1, config.vocabSize)), (e: unknown) => (e as EngineError).code === 'CONTEXT_TOO_LONG');
          const out = await model.forward(ids.slice(0, 3), { attentions: false });
          assert.strictEqual(out.logits.length, 3 * config.vocabSize);
        });
      });
    }

    it("a thread's failure reaches the caller as WORKER_DIED at once, and the model refuses further work", async function () {
      const model = await GPTModel.createParallel(config, weights, { threads: 2 });
      const other = await GPTModel.createParallel(config, weights, { threads: 2 });
      try {
        const foreign = other.newCache(); // the first model's peer has never heard of this cache
        const t0 = Date.now();
        await assert.rejects(model.step(foreign, [1]), (e: unknown) => e instanceof EngineError && e.code === 'WORKER_DIED');
        assert.ok(Date.now() - t0 < 30_000, 'no wait for the timeout');
        await assert.rejects(model.forward([1, 2]), (e: unknown) => e instanceof EngineError && e.code === 'WORKER_DIED');
        // the other model is unaffected
        assert.strictEqual((await other.forward([1, 2], { attentions: false })).logits.length, 2 * config.vocabSize);
        foreign.dispose();
      } finally {
        model.dispose();
        other.dispose();
      }
    });
  });

  describe('chooseThreads', function () {
    it('splits big models on machines with two cores or more, keeps small ones on one thread, honours a request', function () {
      assert.strictEqual(chooseThreads(undefined, 124_000_000, 12, 2), 2);
      assert.strictEqual(chooseThreads(0, 124_000_000, 12, 16), 2);
      assert.strictEqual(chooseThreads(undefined, 124_000_000, 12, 1), 1);
      assert.strictEqual(chooseThreads(undefined, 1_300_000, 4, 2), 1);
      assert.strictEqual(chooseThreads(3, 1_300_000, 4, 2), 3);
      assert.strictEqual(chooseThreads(8, 1_300_000, 4, 2), 4, 'capped at the heads');
    });
  });
});
