// The session's experiments on heads (issue 15: interventionService.ts) on the tiny GPT-2, on one
// thread and split over two, and the CLI's `ablate` and `patch` contracts.
import * as assert from 'assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineSession } from '../../src/engine/session';
import { TOL } from '../helpers/numeric';
import { cli, ensureBuilt } from './cliRun';
import '../helpers/sourceWorkers';

const TINY = join(__dirname, '..', 'fixtures', 'tiny-model');
const TEXT = 'The people of the nation and the people of the nation and the people';
// 12 tokens each; " the" and " of" are one token each in the tiny model's vocabulary.
const CLEAN = 'The people of the nation and the';
const CORRUPT = 'The people of the and and the';

describe('experiments on heads (ablation, activation patching)', function () {
  this.timeout(120_000);

  for (const threads of [1, 2]) {
    describe(`on ${threads} thread${threads > 1 ? 's' : ''}`, function () {
      let session: EngineSession;
      before(async function () {
        session = await EngineSession.load(TINY, { threads });
        assert.strictEqual(session.info.threads, threads);
      });
      after(function () {
        session?.dispose();
      });

      it("ablation: the base losses are the analysis's surprisal, the ablated ones differ, and the ablated run's later maps change", async function () {
        const analysis = await session.analyze(TEXT);
        const r = await session.ablate(TEXT, { heads: [{ layer: 0, head: 1 }], mode: 'zero', topK: 3 });
        const T = analysis.T;
        assert.strictEqual(r.baseLosses.length, T);
        assert.ok(Number.isNaN(r.baseLosses[0]) && Number.isNaN(r.ablatedLosses[0]));
        for (let t = 1; t < T; t++) assert.ok(Math.abs(r.baseLosses[t] - analysis.actual[t].surprisal * Math.LN2) < TOL.logprob, `loss of token ${t}`);
        const mean = r.baseLosses.slice(1).reduce((a, b) => a + b, 0) / (T - 1);
        assert.ok(Math.abs(r.baseLoss - mean) < 1e-9);
        assert.ok(r.ablatedLosses.slice(1).some((x, i) => Math.abs(x - r.baseLosses[i + 1]) > 1e-3), 'the ablation changes some loss');
        assert.deepStrictEqual(r.basePredictions[3].ids, analysis.predictions[3].ids.slice(0, 3));
        assert.strictEqual(r.ablatedPredictions.length, T);
        // Ablation acts after layer 0's attention: its maps are the same, layer 1's are not.
        for (let h = 0; h < 2; h++) assert.deepStrictEqual(session.attention(r.runId, 0, h), session.attention(analysis.runId, 0, h));
        const before = session.attention(analysis.runId, 1, 0);
        const after = session.attention(r.runId, 1, 0);
        assert.ok(before.some((x, i) => Math.abs(x - after[i]) > 1e-4), "layer 1's map changes after the ablation");
      });

      it('ablation refuses no heads, a head the model lacks and an unknown mode', async function () {
        await assert.rejects(session.ablate(TEXT, { heads: [], mode: 'zero' }), /choose at least one head/);
        await assert.rejects(session.ablate(TEXT, { heads: [{ layer: 2, head: 0 }], mode: 'zero' }), /there is no head 2\.0: the model has 2 layers of 2 heads/);
        await assert.rejects(session.ablate(TEXT, { heads: [{ layer: 0, head: 0 }], mode: 'half' as 'zero' }), /ablation mode must be zero or mean/);
      });

      it("patching: the last layer's residual recovers 1 at the last position and 0 elsewhere; heads are fractions", async function () {
        let progress = 0;
        const r = await session.patch({ clean: CLEAN, corrupt: CORRUPT, target: ' the', contrast: ' of' }, { onProgress: (p) => (progress = p.done / p.total) });
        const { nLayer: L, nHead: H } = session.info.config;
        assert.strictEqual(progress, 1);
        assert.strictEqual(r.layers.length, L);
        assert.strictEqual(r.heads.length, L);
        assert.ok(r.layers.every((row) => row.length === r.T) && r.heads.every((row) => row.length === H));
        assert.notStrictEqual(r.cleanDiff, r.corruptDiff);
        const last = r.layers[L - 1];
        assert.ok(Math.abs(last[r.T - 1] - 1) < 1e-4, `patching everything the last row reads recovers 1 (${last[r.T - 1]})`);
        for (let t = 0; t < r.T - 1; t++) assert.ok(Math.abs(last[t]) < 1e-4, `patching nothing the last row reads recovers 0 (${last[t]} at ${t})`);
        // Positions before the corrupted token (4) are the same in both texts: nothing to recover there.
        for (let l = 0; l < L; l++) for (let t = 0; t < 4; t++) assert.ok(Math.abs(r.layers[l][t]) < 1e-4, `layer ${l} position ${t}: ${r.layers[l][t]}`);
        assert.ok(r.heads.flat().every(Number.isFinite));
      });

      it('patching refuses texts of different token lengths, and a target of several tokens, with a clear message', async function () {
        await assert.rejects(
          session.patch({ clean: CLEAN, corrupt: 'The people of the nation', target: ' the', contrast: ' of' }),
          /patching needs two texts of the same token length: the clean text has 12 tokens, the corrupted text 10/,
        );
        await assert.rejects(session.patch({ clean: CLEAN, corrupt: CORRUPT, target: ' people', contrast: ' of' }), /the target " people" must be one token; it is \d+/);
        await assert.rejects(session.patch({ clean: CLEAN, corrupt: CORRUPT, target: ' of', contrast: ' of' }), /are the same token/);
      });
    });
  }

  describe('CLI', function () {
    before(ensureBuilt);
    const dir = mkdtempSync(join(tmpdir(), 'al-experiments-'));
    const file = (name: string, text: string): string => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    };

    it('ablate prints {"baseLoss","ablatedLoss","perToken":[{"start","end","base","ablated"}]}', function () {
      const r = cli('ablate', '--model', TINY, '--text-file', file('text.txt', TEXT), '--heads', '0.1,1:0', '--mode', 'mean');
      assert.strictEqual(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { baseLoss: number; ablatedLoss: number; perToken: { start: number; end: number; base: number; ablated: number }[] };
      assert.ok(Number.isFinite(out.baseLoss) && Number.isFinite(out.ablatedLoss) && out.baseLoss !== out.ablatedLoss);
      assert.strictEqual(out.perToken.length, 26);
      assert.deepStrictEqual(Object.keys(out.perToken[0]).sort(), ['ablated', 'base', 'end', 'start']);
      assert.strictEqual(TEXT.slice(out.perToken[0].start, out.perToken[0].end), 'he'); // the second token
      const mean = out.perToken.reduce((s, p) => s + p.ablated, 0) / out.perToken.length;
      assert.ok(Math.abs(mean - out.ablatedLoss) < 1e-9);
    });

    it('ablate names a bad head list and a head the model lacks', function () {
      const text = file('text.txt', TEXT);
      const bad = cli('ablate', '--model', TINY, '--text-file', text, '--heads', '0-1');
      assert.strictEqual(bad.status, 1);
      assert.match(bad.stderr, /--heads item "0-1" is not layer\.head/);
      const missing = cli('ablate', '--model', TINY, '--text-file', text, '--heads', '0.5');
      assert.match(missing.stderr, /--heads 0:5: there is no head 5/);
    });

    it('patch prints {"layers":[[…per position…]],"heads":[[…per head…]]}, and refuses different lengths', function () {
      const clean = file('clean.txt', CLEAN);
      const r = cli('patch', '--model', TINY, '--clean-file', clean, '--corrupt-file', file('corrupt.txt', CORRUPT), '--target', ' the', '--contrast', ' of');
      assert.strictEqual(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { layers: number[][]; heads: number[][] };
      assert.strictEqual(out.layers.length, 2);
      assert.strictEqual(out.layers[0].length, 12);
      assert.strictEqual(out.heads.length, 2);
      assert.strictEqual(out.heads[0].length, 2);
      assert.ok(Math.abs(out.layers[1][11] - 1) < 1e-4);
      const short = cli('patch', '--model', TINY, '--clean-file', clean, '--corrupt-file', file('short.txt', 'The people'), '--target', ' the', '--contrast', ' of');
      assert.strictEqual(short.status, 1);
      assert.match(short.stderr, /^error: patching needs two texts of the same token length/);
    });
  });
});
