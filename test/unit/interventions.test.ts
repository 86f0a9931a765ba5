// Interventions on the forward (issue 15), on one thread and split over two: ablating nothing
// changes nothing; zero and mean ablation of heads match an independent float64 numpy reference
// (test/fixtures/gen_ablation.py) for GPT-2, Llama with grouped-query attention and GPT-1 (post-LN);
// recorded head outputs and residuals patched back from a clean run give the clean run again.
import * as assert from 'assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend, tf } from '../../src/engine/backend';
import { loadCheckpoint } from '../../src/engine/checkpoint';
import type { HeadEdit } from '../../src/engine/interventionTypes';
import { GPTModel } from '../../src/engine/model';
import { assertClose, maxAbsDiff, TOL } from '../helpers/numeric';
import '../helpers/sourceWorkers';

const FIXTURES = join(__dirname, '..', 'fixtures', 'ablation');

interface Reference {
  family: string;
  ids: number[];
  T: number;
  vocabSize: number;
  base: number[];
  ablations: { heads: [number, number][]; mode: 'zero' | 'mean'; maxChange: number; logits: number[] }[];
}

/** T at which the decoder takes the batched attention path (fewer than PER_HEAD_MIN_ROWS rows). */
const SHORT = 5;

function edits(a: Reference['ablations'][number]): HeadEdit[] {
  return a.heads.map(([layer, head]) => ({ layer, head, mode: a.mode }));
}

describe('interventions on the forward', function () {
  this.timeout(120_000);
  before(async function () {
    await initBackend();
  });

  for (const name of ['gpt2', 'llama-gqa', 'openai-gpt']) {
    for (const threads of [1, 2]) {
      describe(`${name} on ${threads} thread${threads > 1 ? 's' : ''}`, function () {
        const dir = join(FIXTURES, name);
        const ref = JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8')) as Reference;
        let model: GPTModel;
        before(async function () {
          const { config, weights } = loadCheckpoint(dir);
          model = threads === 1 ? GPTModel.create(config, weights) : await GPTModel.createParallel(config, weights, { threads });
          assert.strictEqual(model.threads, threads);
        });
        after(function () {
          model?.dispose();
        });

        it('without an edit, and with an empty one, gives the reference logits unchanged', async function () {
          const plain = await model.forward(ref.ids, { attentions: false });
          assertClose(plain.logits, ref.base, TOL.logits, `${name} base logits`, [ref.T, ref.vocabSize]);
          for (const intervention of [{}, { heads: [] }, { residual: [] }]) {
            const out = await model.forward(ref.ids, { attentions: false, intervention });
            assert.deepStrictEqual(out.logits, plain.logits, `${JSON.stringify(intervention)} changed the logits`);
          }
        });

        for (const [i, a] of ref.ablations.entries()) {
          it(`ablation ${i} (${a.mode} of ${a.heads.map((h) => h.join('.')).join(', ')}) equals the numpy reference`, async function () {
            assert.ok(a.maxChange > 0.3, `the reference ablation must change the logits visibly (${a.maxChange})`);
            const out = await model.forward(ref.ids, { attentions: false, intervention: { heads: edits(a) } });
            assertClose(out.logits, a.logits, TOL.logits, `${name} ablated logits`, [ref.T, ref.vocabSize]);
          });
        }

        it('zero ablation on a short prefix (batched attention path) equals the reference rows', async function () {
          // Zeroing a head is causal: the first rows of the long run are the short run's.
          const V = ref.vocabSize;
          for (const a of ref.ablations.filter((x) => x.mode === 'zero')) {
            const out = await model.forward(ref.ids.slice(0, SHORT), { attentions: false, intervention: { heads: edits(a) } });
            assertClose(out.logits, a.logits.slice(0, SHORT * V), TOL.logits, `${name} short ablated logits`, [SHORT, V]);
          }
        });

        it('patching every head, or a whole residual, from a clean run gives the clean logits; patching nothing the corrupted ones', async function () {
          const { nLayer: L, nHead: H, headDim: hd, nEmbd: d } = model.config;
          const clean = ref.ids;
          const corrupt = [...clean.slice(0, 3), (clean[3] + 7) % (ref.vocabSize - 2), ...clean.slice(4)];
          const T = clean.length;
          const recordHeads = Array.from({ length: L }, () => model.sharedArray(H * T * hd));
          const cleanRun = await model.forward(clean, { attentions: false, residuals: true, intervention: { recordHeads } });
          const corruptRun = await model.forward(corrupt, { attentions: false });
          assert.ok(maxAbsDiff(cleanRun.logits, corruptRun.logits) > 0.1, 'the corruption must change the logits');
          for (const r of recordHeads) assert.ok(r.some((x) => x !== 0), 'every layer records its heads (on every thread)');

          const heads: HeadEdit[] = [];
          for (let l = 0; l < L; l++) for (let h = 0; h < H; h++) heads.push({ layer: l, head: h, mode: 'replace', values: recordHeads[l].slice(h * T * hd, (h + 1) * T * hd) });
          // The residual after block 0 at every position from the clean run: the clean run from there on.
          const all = Array.from({ length: T }, (_, t) => t);
          const fromResidual = await model.forward(corrupt, { attentions: false, intervention: { residual: [{ layer: 0, positions: all, values: cleanRun.residuals![1] }] } });
          assertClose(fromResidual.logits, cleanRun.logits, TOL.logits, 'residual patched at every position');
          const withHeads = await model.forward(corrupt, { attentions: false, intervention: { heads, residual: [{ layer: 0, positions: all, values: cleanRun.residuals![1] }] } });
          assertClose(withHeads.logits, cleanRun.logits, TOL.logits, 'every head and the residual patched');
          // The recording holds each head at its place: a clean run given its own heads' outputs is unchanged
          // (a head recorded in another's place would change it), and replacing by zeros is zero ablation.
          const selfPatched = await model.forward(clean, { attentions: false, intervention: { heads } });
          assertClose(selfPatched.logits, cleanRun.logits, TOL.logits, "a clean run given its own heads' outputs");
          const zeros = await model.forward(ref.ids, { attentions: false, intervention: { heads: [{ layer: 0, head: 1, mode: 'replace', values: new Float32Array(T * hd) }] } });
          assertClose(zeros.logits, ref.ablations[0].logits, TOL.logits, 'head 0.1 replaced by zeros (the reference zeroes it)');
          const nothing = await model.forward(corrupt, { attentions: false, intervention: { heads: [], residual: [] } });
          assert.deepStrictEqual(nothing.logits, corruptRun.logits);
          // The last layer's residual at the last position decides the last row alone.
          const last = await model.forward(corrupt, { attentions: false, intervention: { residual: [{ layer: L - 1, positions: [T - 1], values: cleanRun.residuals![L].slice((T - 1) * d) }] } });
          const V = ref.vocabSize;
          assertClose(last.logits.subarray((T - 1) * V), cleanRun.logits.subarray((T - 1) * V), TOL.logits, 'last row patched');
          assertClose(last.logits.subarray(0, (T - 1) * V), corruptRun.logits.subarray(0, (T - 1) * V), TOL.logits, 'other rows as corrupted');
        });

        it('leaves no tensor behind (edits, a residual patch and a recording)', async function () {
          const { nLayer: L, nHead: H, headDim: hd, nEmbd: d } = model.config;
          const T = ref.ids.length;
          const intervention = {
            heads: [{ layer: 0, head: 0, mode: 'mean' as const }, { layer: L - 1, head: H - 1, mode: 'zero' as const }],
            residual: [{ layer: 0, positions: [1, 2], values: new Float32Array(2 * d).fill(0.5) }],
            recordHeads: Array.from({ length: L }, () => model.sharedArray(H * T * hd)),
          };
          await model.forward(ref.ids, { attentions: false, intervention }); // warm
          const before = tf.memory().numTensors;
          await model.forward(ref.ids, { attentions: true, intervention });
          assert.strictEqual(tf.memory().numTensors, before);
        });

        it('refuses an intervention that does not fit the model, naming what is wrong', async function () {
          const { nLayer: L, headDim: hd } = model.config;
          await assert.rejects(model.forward(ref.ids, { intervention: { heads: [{ layer: L, head: 0, mode: 'zero' }] } }), /intervention: layer \d+ is not in \[0, \d+\)/);
          await assert.rejects(
            model.forward(ref.ids, { intervention: { heads: [{ layer: 0, head: 0, mode: 'replace', values: new Float32Array(hd) }] } }),
            /replacing head 0\.0 needs T × head_dim/,
          );
          // still usable after (every thread refused before the blocks)
          const out = await model.forward(ref.ids, { attentions: false });
          assertClose(out.logits, ref.base, TOL.logits, 'after a refused intervention');
        });
      });
    }
  }
});
