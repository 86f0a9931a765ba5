// Attention on demand (engine/attentionMaps.ts): the forward keeps each layer's queries and keys
// instead of the maps, and a head's map rebuilt from them equals the map the full forward made;
// the thumbnails pooled as it runs equal the pooled maps; on one thread and split over two (the
// peers write their heads' rows into rank 0's arrays). Then the session's memory budget: past it a
// run goes on demand, on a tiny one it keeps no layer and runs the forward again, same numbers.
import * as assert from 'assert';
import * as path from 'path';
import { meanOverHeads } from '../../src/analysis/rollout';
import { poolMatrix } from '../../src/analysis/thumbnail';
import { AttentionMaps } from '../../src/engine/attentionMaps';
import { initBackend } from '../../src/engine/backend';
import { loadCheckpoint } from '../../src/engine/checkpoint';
import { planKeep } from '../../src/engine/memoryBudget';
import { GPTModel } from '../../src/engine/model';
import { EngineSession } from '../../src/engine/session';
import type { GPTConfig, WeightMap } from '../../src/engine/types';
import { assertClose } from '../helpers/numeric';
import { randomIds, randomWeights, tinyConfig } from '../helpers/randomModel';
import '../helpers/sourceWorkers';

const FAMILIES = path.resolve(__dirname, '../fixtures/families');
const TINY = path.resolve(__dirname, '../fixtures/tiny-model');
const EXACT = 1e-6;

interface Case {
  name: string;
  load: () => { config: GPTConfig; weights: WeightMap };
}

const fixture = (name: string): Case => ({ name, load: () => loadCheckpoint(path.join(FAMILIES, name)) as { config: GPTConfig; weights: WeightMap } });
const CASES: Case[] = [
  { name: 'gpt2 (random)', load: () => ((c) => ({ config: c, weights: randomWeights(c, 3) }))(tinyConfig({ nHead: 4, nLayer: 2 })) },
  fixture('llama-gqa-tied-f32'), // GQA 4 over 2, RoPE
  fixture('mistral-sliding-mqa-f32'), // one kv head, a sliding window
  fixture('qwen3-qknorm-bf16-fullctx'), // q/k norm before RoPE
];

describe('attention on demand', function () {
  this.timeout(60_000);
  before(async () => {
    await initBackend();
  });

  for (const c of CASES) {
    for (const threads of [1, 2]) {
      it(`${c.name} on ${threads} thread${threads > 1 ? 's' : ''}: every map rebuilt from the kept q/k equals the full forward's; thumbnails, means and logits too`, async function () {
        const { config, weights } = c.load();
        const model = threads === 1 ? GPTModel.create(config, weights) : await GPTModel.createParallel(config, weights, { threads });
        const maps = new AttentionMaps(config);
        try {
          const T = Math.min(config.nPositions, 29);
          const ids = randomIds(T, config.vocabSize, 11);
          const full = await model.forward(ids, { attentions: true });
          const S = 8;
          const streamed: number[] = [];
          const lean = await model.forward(ids, { onDemand: { thumbSize: S } }, { afterLayer: (l, a, th) => void (assert.strictEqual(a, undefined), assert.ok(th), streamed.push(l)) });
          assert.deepStrictEqual(streamed, Array.from({ length: config.nLayer }, (_, l) => l), 'thumbnails streamed layer by layer, in order');
          assert.strictEqual(lean.attentions, undefined, 'no map kept');
          assertClose(lean.logits, full.logits, EXACT, 'logits');
          const { nHead: H } = config;
          for (let l = 0; l < config.nLayer; l++) {
            const qk = lean.qk![l]!;
            assert.strictEqual(qk.length, (H + config.nKvHead) * T * config.headDim);
            for (let h = 0; h < H; h++) {
              const want = full.attentions![l].subarray(h * T * T, (h + 1) * T * T);
              assertClose(maps.head(qk, T, l, h), want, EXACT, `layer ${l} head ${h}`);
              assertClose(lean.thumbs![l].subarray(h * S * S, (h + 1) * S * S), poolMatrix(want, T, S).data, EXACT, `thumbnail ${l}.${h}`);
            }
            assertClose(maps.mean(qk, T, l), meanOverHeads(full.attentions![l], H, T), EXACT, `layer ${l} mean`);
          }
          const one = await model.forward(ids, { onDemand: { thumbSize: 0, keepLayers: [1] } });
          assert.strictEqual(one.qk![0], null, 'a layer not asked for is not kept');
          assert.strictEqual(one.thumbs, undefined);
          assertClose(maps.head(one.qk![1]!, T, 1, H - 1), full.attentions![1].subarray((H - 1) * T * T), EXACT, 'kept layer 1');
        } finally {
          maps.dispose();
          model.dispose();
        }
      });
    }
  }

  it('planKeep: every map while they fit, else on demand with the layers that fit beside the logits', function () {
    const config = tinyConfig({ nLayer: 4, nHead: 2, nEmbd: 8, vocabSize: 10 }); // hd 4
    const T = 16;
    const logits = T * 10 * 4;
    const maps = 4 * 2 * T * T * 4;
    const qkLayer = (2 + 2) * T * 4 * 4;
    assert.deepStrictEqual(planKeep(config, T, logits + maps), { onDemand: false });
    assert.deepStrictEqual(planKeep(config, T, logits + maps - 1), { onDemand: true });
    assert.deepStrictEqual(planKeep(config, T, logits + 2 * qkLayer), { onDemand: true, keepLayers: [0, 1] });
    assert.deepStrictEqual(planKeep(config, T, 1), { onDemand: true, keepLayers: [] });
    assert.deepStrictEqual(planKeep(config, T, logits + maps, { onDemand: true, keepLayers: [3, 1, 3] }), { onDemand: true, keepLayers: [3, 1] });
  });

  it('a session past its budget keeps the maps on demand; on a tiny one it runs the forward again: the same numbers', async function () {
    const text = 'The quick brown fox jumps over the lazy dog, and the dog sleeps on. '.repeat(3);
    const roomy = await EngineSession.load(TINY, { threads: 1 });
    const tiny = await EngineSession.load(TINY, { threads: 1, maxMemoryMB: 0.01 });
    try {
      const a = await roomy.analyze(text);
      const b = await tiny.analyze(text);
      assert.strictEqual(a.onDemand, undefined);
      assert.strictEqual(b.onDemand, true);
      assert.deepStrictEqual(b.predictions, a.predictions);
      const { nLayer, nHead } = tiny.info.config;
      for (const [l, h] of [[nLayer - 1, 0], [0, nHead - 1], [nLayer - 1, -1], [0, 0]]) {
        assertClose(await tiny.attentionMap(b.runId, l, h), roomy.attention(a.runId, l, h), EXACT, `layer ${l} head ${h}`);
      }
      assert.throws(() => tiny.attention(b.runId, nLayer - 1, 0), /did not keep layer/, 'one layer rebuilt at a time: the last one asked');
    } finally {
      roomy.dispose();
      tiny.dispose();
    }
  });
});
