// A forward asked to stop (ForwardHooks.shouldStop) leaves its layer loop at once on every thread of
// the model, not after the last block, and the model stays usable: alone, and split over 2 and 3
// real threads, where the threads agree through the shared sums to leave at the same layer.
import * as assert from 'assert';
import { initBackend, tf } from '../../src/engine/backend';
import { EngineError } from '../../src/engine/errors';
import { GPTModel, blocksRunOnThisThread } from '../../src/engine/model';
import type { GPTConfig } from '../../src/engine/types';
import { assertClose, TOL } from '../helpers/numeric';
import { randomIds, randomWeights, tinyConfig } from '../helpers/randomModel';
import '../helpers/sourceWorkers';

describe('a forward stopped between layers', function () {
  this.timeout(120_000);
  const config: GPTConfig = tinyConfig({ nHead: 6, nEmbd: 48, nInner: 96, nLayer: 6, vocabSize: 97 });
  const ids = randomIds(13, config.vocabSize);
  const weights = randomWeights(config, 7);

  before(async () => {
    await initBackend();
  });

  for (const threads of [1, 2, 3]) {
    it(`${threads} thread(s): stops before layer 3, rejects CANCELLED, runs the next forward as before`, async () => {
      const model = threads === 1 ? GPTModel.create(config, weights) : await GPTModel.createParallel(config, weights, { threads });
      try {
        const ref = await model.forward(ids, { attentions: true });
        const tensors = tf.memory().numTensors;
        const blocks0 = blocksRunOnThisThread();
        let asked = 0;
        const handedOver: number[] = [];
        await assert.rejects(
          model.forward(ids, { attentions: true }, { shouldStop: () => ++asked >= 3, afterLayer: (l) => handedOver.push(l) }),
          (e: unknown) => e instanceof EngineError && e.code === 'CANCELLED',
        );
        assert.strictEqual(asked, 3, 'asked before layers 1, 2 and 3, then stopped');
        assert.strictEqual(blocksRunOnThisThread() - blocks0, 3, 'this thread ran blocks 0–2 only');
        assert.ok(handedOver.every((l) => l < 3), `layers handed over: ${handedOver.join(', ')}`);
        assert.strictEqual(tf.memory().numTensors, tensors, 'no tensor left behind by the stopped forward');
        // The threads are still in step: the same numbers as before, more than once.
        for (let i = 0; i < 2; i++) {
          const again = await model.forward(ids, { attentions: true }, { shouldStop: () => false });
          assertClose(again.logits, ref.logits, TOL.logits, 'logits after the stop', [ids.length, config.vocabSize]);
          again.attentions!.forEach((a, l) => assertClose(a, ref.attentions![l], TOL.attention, `attentions[${l}]`));
        }
      } finally {
        model.dispose();
      }
    });
  }

  it('2 threads: a stop asked before the head (after the last layer) also leaves the model usable', async () => {
    const model = await GPTModel.createParallel(config, weights, { threads: 2 });
    try {
      let asked = 0;
      await assert.rejects(
        model.forward(ids, { attentions: false }, { shouldStop: () => ++asked === config.nLayer }),
        (e: unknown) => e instanceof EngineError && e.code === 'CANCELLED',
      );
      assert.strictEqual(asked, config.nLayer);
      const out = await model.forward(ids, { attentions: false });
      assert.strictEqual(out.logits.length, ids.length * config.vocabSize);
    } finally {
      model.dispose();
    }
  });
});
