import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '../../src/engine/backend';
import { loadCheckpoint } from '../../src/engine/checkpoint';
import { GPTModel } from '../../src/engine/model';
import { ByteLevelBPETokenizer } from '../../src/engine/tokenizer';
import { GPTTrain } from '../../src/train/gptTrain';
import { runTraining } from '../../src/train/trainer';
import { TINY_TOKENIZER, tempDir, tinyConfig } from './trainFixture';

/** Two float32 implementations of the same forward pass: logits agree to this absolute error. */
const LOGIT_TOL = 1e-4;

function maxAbsDiff(a: Float32Array, b: Float32Array): { diff: number; at: number } {
  assert.equal(a.length, b.length);
  let diff = 0;
  let at = -1;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > diff) [diff, at] = [d, i];
  }
  return { diff, at };
}

describe('train: export', function () {
  this.timeout(60_000);
  before(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it("the trainer's forward pass matches PyTorch's logits for the tiny fixture model", () => {
    const { config, weights } = loadCheckpoint(TINY_TOKENIZER);
    const m = GPTTrain.fromWeights(config, weights);
    const ref = JSON.parse(fs.readFileSync(path.join(TINY_TOKENIZER, 'reference.json'), 'utf8')) as {
      nextToken: { promptIds: number[]; topIds: number[]; topLogits: number[] };
    };
    {
      const c = ref.nextToken;
      const T = c.promptIds.length;
      const logits = m.logits(Int32Array.from(c.promptIds), 1, T);
      const last = logits.subarray((T - 1) * config.vocabSize, T * config.vocabSize);
      c.topIds.forEach((id, k) => assert.ok(Math.abs(last[id] - c.topLogits[k]) < LOGIT_TOL, `id ${id}: ${last[id]} vs ${c.topLogits[k]}`));
    }
  });

  it('an exported run opens with the engine loader and its logits match the trainer within 1e-4', async () => {
    const dir = tempDir('export');
    try {
      const s = await runTraining(tinyConfig(dir, { steps: 12 }), { log: () => {} });
      const { config, weights } = loadCheckpoint(s.modelDir!);
      assert.equal(config.nLayer, 2);
      assert.equal(config.nPositions, 32);
      const tok = ByteLevelBPETokenizer.fromModelDir(s.modelDir!);
      assert.equal(tok.vocabSize, config.vocabSize);
      assert.equal(config.eosTokenId, tok.eosTokenId);
      const ids = tok.encodeIds('Ada wrote the compiler in 1963. Then Ada tested');
      const model = GPTModel.create(config, weights);
      try {
        const engine = (await model.forward(ids, { attentions: false })).logits;
        const trainer = GPTTrain.fromWeights(config, weights).logits(Int32Array.from(ids), 1, ids.length);
        const { diff, at } = maxAbsDiff(engine, trainer);
        assert.ok(diff < LOGIT_TOL, `max |Δlogit| ${diff} at ${at}`);
        // The exported weights are the trainer's final ones.
        const wte = weights.get('wte.weight')!.data;
        assert.deepEqual(wte, s.params[0]);
      } finally {
        model.dispose();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
