// tfjs memory discipline: no tensor survives a forward pass (with attentions, capture and
// residuals), a KV-cache step, a generation, or a failed call. The model is loaded before counting.
import * as assert from 'assert';
import { initBackend, tf } from '../../src/engine/backend';
import { generate, generateIds } from '../../src/engine/generate';
import { GPTModel } from '../../src/engine/model';
import type { Tokenizer } from '../../src/engine/types';
import { randomIds, randomWeights, tinyConfig } from '../helpers/randomModel';

/** A byte tokenizer: ids 0..255 are bytes (UTF-8), 256 is EOS. Real decoding, not a stub. */
const bytes: Tokenizer = {
  vocabSize: 257,
  eosTokenId: 256,
  encode: (text) => {
    const ids = [...Buffer.from(text, 'utf8')];
    return ids.map((id, i) => ({ id, text: String.fromCharCode(id), start: i, end: i + 1 }));
  },
  encodeIds: (text) => [...Buffer.from(text, 'utf8')],
  decode: (ids) => Buffer.from(ids.filter((i) => i < 256)).toString('utf8'),
  tokenBytes: (id) => Uint8Array.from(id < 256 ? [id] : []),
  idToToken: (id) => (id < 256 ? String.fromCharCode(id) : id === 256 ? '<|endoftext|>' : undefined),
};

describe('tensor leaks', function () {
  const config = tinyConfig({ vocabSize: 257, eosTokenId: 256, nPositions: 48 });
  let model: GPTModel;

  before(async () => {
    await initBackend();
    model = GPTModel.create(config, randomWeights(config, 5));
  });
  after(() => model?.dispose());

  it('50 forwards with attentions, capture and residuals leave numTensors unchanged', async function () {
    const before = tf.memory().numTensors;
    for (let i = 0; i < 50; i++) {
      const T = 1 + (i % 20);
      const r = await model.forward(randomIds(T, config.vocabSize, i), {
        attentions: true,
        residuals: true,
        capture: { layer: i % config.nLayer, position: i % T },
      });
      await model.unembed(r.residuals![1], T);
    }
    assert.strictEqual(tf.memory().numTensors, before);
  });

  it('50 generations (greedy, sampled, stop strings, cancelled) leave numTensors unchanged', async function () {
    const before = tf.memory().numTensors;
    const prompt = bytes.encodeIds('Hello');
    for (let i = 0; i < 50; i++) {
      let n = 0;
      await generate(
        model,
        bytes,
        prompt,
        { maxNewTokens: 8, temperature: i % 2 ? 1 : 0, topK: 40, topP: 0.9, seed: i, stopStrings: ['e'] },
        { onToken: () => n++, isCancelled: () => i % 5 === 0 && n >= 2 },
      );
    }
    await generateIds(model, randomIds(40, config.vocabSize), { maxNewTokens: 20, stopAtEos: false }); // context-full
    assert.strictEqual(tf.memory().numTensors, before);
  });

  it('failed calls and disposed caches leave numTensors unchanged', async function () {
    const before = tf.memory().numTensors;
    await assert.rejects(model.forward(randomIds(config.nPositions + 1, config.vocabSize)));
    await assert.rejects(model.forward([1, 2, 9999]));
    const cache = model.newCache();
    await model.step(cache, [1, 2, 3]);
    assert.strictEqual(cache.length, 3);
    assert.strictEqual(tf.memory().numTensors, before, 'a step leaves no tensor behind (the cache is plain arrays)');
    await assert.rejects(model.step(cache, randomIds(config.nPositions, config.vocabSize)));
    cache.dispose();
    assert.strictEqual(tf.memory().numTensors, before);
    await assert.rejects(generate(model, bytes, randomIds(config.nPositions + 1, 256), { maxNewTokens: 3 }));
    assert.strictEqual(tf.memory().numTensors, before);
  });

  it('dispose() frees every weight', function () {
    const before = tf.memory().numTensors;
    const m = GPTModel.create(config, randomWeights(config, 6));
    assert.ok(tf.memory().numTensors > before);
    m.dispose();
    assert.strictEqual(tf.memory().numTensors, before);
  });
});
