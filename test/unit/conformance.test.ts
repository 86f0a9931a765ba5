// The engine against an independent float64 numpy reference (test/fixtures/gen_conformance.py):
// for every case folder in test/fixtures/conformance, logits, attentions and 32 greedy ids — on one
// thread, and split over 2 and 3 threads (tensor parallelism, real worker threads) where the case
// has the heads for it; case a (3 heads, 2 threads) and c (5 heads) split unevenly.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../../src/engine/backend';
import { loadCheckpoint } from '../../src/engine/checkpoint';
import { generateIds } from '../../src/engine/generate';
import { GPTModel } from '../../src/engine/model';
import { assertClose, TOL } from '../helpers/numeric';
import '../helpers/sourceWorkers';
import { readF32, referenceCases } from '../helpers/referenceCases';

const ROOT = path.resolve(__dirname, '../..');
const CASES_DIR = path.join(ROOT, 'test/fixtures/conformance');

interface Reference {
  case: string;
  dtype: string;
  ids: number[];
  T: number;
  vocabSize: number;
  nLayer: number;
  nHead: number;
  greedy: { promptIds: number[]; ids: number[]; maxNewTokens?: number; contextFull?: boolean };
}


const cases = referenceCases(CASES_DIR);

describe('conformance with the numpy reference', function () {
  before(async () => {
    await initBackend();
  });

  it('has reference cases', function () {
    assert.ok(cases.length > 0, `no case folders with reference.json in ${CASES_DIR}`);
  });

  for (const name of cases) for (const threads of [1, 2, 3]) {
    const dir = path.join(CASES_DIR, name);
    const ref = JSON.parse(fs.readFileSync(path.join(dir, 'reference.json'), 'utf8')) as Reference;
    if (threads > ref.nHead) continue;
    describe(threads === 1 ? name : `${name} on ${threads} threads`, function () {
      let model: GPTModel;

      before(async () => {
        const { config, weights } = loadCheckpoint(dir);
        model = threads === 1 ? GPTModel.create(config, weights) : await GPTModel.createParallel(config, weights, { threads });
        assert.strictEqual(model.threads, threads);
        assert.strictEqual(config.vocabSize, ref.vocabSize);
        assert.strictEqual(config.nLayer, ref.nLayer);
        assert.strictEqual(config.nHead, ref.nHead);
      });
      after(() => model?.dispose());

      it(`logits within ${TOL.logits} and attentions within ${TOL.attention}`, async function () {
        const { T, vocabSize: V, nLayer: L, nHead: H } = ref;
        assert.strictEqual(ref.ids.length, T);
        const out = await model.forward(ref.ids, { attentions: true });
        assertClose(out.logits, readF32(path.join(dir, 'logits.f32')), TOL.logits, `${name} logits`, [T, V]);
        const att = new Float32Array(L * H * T * T);
        out.attentions!.forEach((a, l) => att.set(a, l * H * T * T));
        assertClose(att, readF32(path.join(dir, 'attentions.f32')), TOL.attention, `${name} attentions`, [L, H, T, T]);
      });

      it('greedy continuation (KV cache) gives the reference ids', async function () {
        const g = ref.greedy;
        const out = await generateIds(model, g.promptIds, {
          maxNewTokens: g.maxNewTokens ?? 32,
          temperature: 0,
          stopAtEos: false,
        });
        assert.deepStrictEqual(out.ids, g.ids);
        assert.strictEqual(out.stopReason, g.contextFull ? 'context-full' : 'max-tokens');
      });
    });
  }
});
