// The engine against the float64 numpy reference of each model family (test/fixtures/gen_families.py:
// Llama, Mistral, Qwen2, Qwen3, GPT-1): for every case folder in test/fixtures/families, logits,
// attentions, 32 greedy ids, and KV-cache decoding one token at a time equal to the full forward —
// on one thread, and split over 2 and 3 threads where the case has the heads (shards may share a
// kv head: GQA 4 over 2 on 3 threads puts kv head 0 on ranks 0 and 1).
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

const CASES_DIR = path.resolve(__dirname, '../fixtures/families');

interface Reference {
  case: string;
  family: string;
  ids: number[];
  T: number;
  vocabSize: number;
  nLayer: number;
  nHead: number;
  nKvHead: number;
  headDim: number;
  greedy: { promptIds: number[]; ids: number[]; maxNewTokens?: number; contextFull?: boolean };
}


const cases = referenceCases(CASES_DIR);

describe('family conformance with the numpy reference', function () {
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
      let logits: Float32Array; // the full forward's [T × V]

      before(async () => {
        // as the engine loads it: BF16 / F16 weights stay 16-bit (the fixtures hold the rounded values)
        const { config, weights } = loadCheckpoint(dir, { keep16: true });
        const dtype = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')).torch_dtype as string | undefined;
        if (config.modelType !== 'openai-gpt' && (dtype === 'bfloat16' || dtype === 'float16')) {
          for (const name of ['model.embed_tokens.weight', 'model.layers.0.self_attn.q_proj.weight']) {
            assert.ok(weights.get(name)!.data instanceof Uint16Array, `${name} of a ${dtype} checkpoint is kept 16-bit`);
          }
        }
        assert.deepStrictEqual(
          [config.modelType, config.vocabSize, config.nLayer, config.nHead, config.nKvHead, config.headDim],
          [ref.family, ref.vocabSize, ref.nLayer, ref.nHead, ref.nKvHead, ref.headDim],
        );
        // release (each weight let go once packed, rank 0's rows as views) as the session loads, on 1
        // and 2 threads; on 3 threads without it (rank 0's shard copied), so that both ways are checked
        const release = threads < 3;
        model = threads === 1 ? GPTModel.create(config, weights, { release }) : await GPTModel.createParallel(config, weights, { threads, release });
        if (release && config.modelType !== 'openai-gpt') {
          // one thread: the packed matrices left the map; two: rank 0's cut emptied it (its shard holds the views)
          const left = [...weights.keys()].filter((n) => threads > 1 || n.endsWith('_proj.weight'));
          assert.deepEqual(left, [], 'the weights were let go once packed');
        }
        assert.strictEqual(model.threads, threads);
      });
      after(() => model?.dispose());

      it(`logits within ${TOL.logits} and attentions within ${TOL.attention}`, async function () {
        const { T, vocabSize: V, nLayer: L, nHead: H } = ref;
        assert.strictEqual(ref.ids.length, T);
        const out = await model.forward(ref.ids, { attentions: true });
        logits = out.logits;
        assertClose(out.logits, readF32(path.join(dir, 'logits.f32')), TOL.logits, `${name} logits`, [T, V]);
        const att = new Float32Array(L * H * T * T);
        out.attentions!.forEach((a, l) => att.set(a, l * H * T * T));
        assertClose(att, readF32(path.join(dir, 'attentions.f32')), TOL.attention, `${name} attentions`, [L, H, T, T]);
      });

      it('KV-cache decoding, one token at a time, gives the full forward logits', async function () {
        const { T, vocabSize: V } = ref;
        logits ??= (await model.forward(ref.ids, { attentions: false })).logits;
        const cache = model.newCache();
        try {
          for (let t = 0; t < T; t++) {
            const row = await model.step(cache, [ref.ids[t]]);
            assertClose(row, logits.subarray(t * V, (t + 1) * V), TOL.logits, `${name} step ${t} logits`, [V]);
          }
        } finally {
          cache.dispose();
        }
      });

      it('greedy continuation (KV cache) gives the reference ids', async function () {
        const g = ref.greedy;
        const out = await generateIds(model, g.promptIds, { maxNewTokens: g.maxNewTokens ?? 32, temperature: 0, stopAtEos: false });
        assert.deepStrictEqual(out.ids, g.ids);
        assert.strictEqual(out.stopReason, g.contextFull ? 'context-full' : 'max-tokens');
      });

      if (threads === 1) {
        it("stops at any of config.json's end tokens (the third greedy id listed among them)", async function () {
          const g = ref.greedy;
          const stop = g.ids[2];
          const unused = Array.from({ length: ref.vocabSize }, (_, i) => i).filter((i) => !g.ids.includes(i)); // ids greedy never picks
          const out = await generateIds(model, g.promptIds, { maxNewTokens: 32, temperature: 0, eosTokenId: unused[0], moreEosTokenIds: [unused[1], stop] });
          assert.deepStrictEqual(out.ids, g.ids.slice(0, g.ids.indexOf(stop)));
          assert.strictEqual(out.stopReason, 'eos');
        });
      }
    });
  }

  describe('the learner\'s capture with grouped-query heads', function () {
    const dir = path.join(CASES_DIR, 'llama-gqa-tied-f32');
    const p = 10;

    it('gives k and v per query head (heads sharing a kv head see the same keys), the same on 1 and 3 threads', async function () {
      const ref = JSON.parse(fs.readFileSync(path.join(dir, 'reference.json'), 'utf8')) as Reference;
      const { nHead: H, headDim: hd, T } = ref;
      const { config, weights } = loadCheckpoint(dir, { keep16: true });
      const one = GPTModel.create(config, weights);
      const three = await GPTModel.createParallel(config, loadCheckpoint(dir, { keep16: true }).weights, { threads: 3 });
      try {
        const a = await one.forward(ref.ids, { capture: { layer: 1, position: p } });
        const b = await three.forward(ref.ids, { capture: { layer: 1, position: p } });
        const cap = a.capture!;
        assert.strictEqual(cap.k.length, H * (p + 1) * hd);
        assert.strictEqual(cap.q.length, H * hd);
        const kHead = (h: number) => cap.k.subarray(h * (p + 1) * hd, (h + 1) * (p + 1) * hd);
        assert.deepStrictEqual(kHead(0), kHead(1)); // GQA 4 over 2: heads 0 and 1 read kv head 0
        assert.notDeepStrictEqual(kHead(1), kHead(2));
        for (let h = 0; h < H; h++) {
          assertClose(cap.weights.subarray(h * T, (h + 1) * T), a.attentions![1].subarray((h * T + p) * T, (h * T + p + 1) * T), 0, `head ${h} weights`);
        }
        for (const key of ['q', 'k', 'v', 'weights', 'headOutputs', 'concat', 'ffnPre', 'ffnAct', 'residualOut', 'qProjected', 'kProjected', 'ffnGateAct', 'ffnUp', 'ln1Rms', 'ln2Weight'] as const) {
          assert.ok(cap[key] && b.capture![key], `capture ${key}`);
          assertClose(b.capture![key]!, cap[key]!, TOL.residual, `capture ${key} on 3 threads`);
        }
      } finally {
        one.dispose();
        three.dispose();
      }
    });
  });
});
