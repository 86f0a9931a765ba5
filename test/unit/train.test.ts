import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { initBackend, tf } from '../../src/engine/backend';
import { GPTTrain, type TokenBatch } from '../../src/train/gptTrain';
import { learningRate } from '../../src/train/schedule';
import { ShuffledBatches, TokenWindows } from '../../src/train/data';
import { runTraining } from '../../src/train/trainer';
import type { GPTConfig } from '../../src/engine/types';
import { finiteDifferenceErrors, tempDir, tinyConfig } from './trainFixture';

/** Finite differences in float32 are coarse: compare within this relative error. */
const GRAD_REL_TOL = 0.02;

const cfg: GPTConfig = {
  modelType: 'gpt2', vocabSize: 23, nPositions: 8, nEmbd: 8, nLayer: 2, nHead: 2, nKvHead: 2, headDim: 4, nInner: 32, layerNormEps: 1e-5, activation: 'gelu_new',
};

describe('train: the trainable GPT', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('gradients match finite differences (wte through both the embedding and the tied head, attention, MLP, LN)', () => {
    const m = GPTTrain.init(cfg, 3);
    // Larger weights than the 0.02 init: LayerNorm of near-zero vectors is too curved for a
    // float32 finite difference to be a fair reference.
    m.specs.forEach((s, i) => {
      if (s.shape.length >= 2) for (let j = 0; j < m.params[i].length; j++) m.params[i][j] *= 10;
    });
    const B = 2;
    const T = 6;
    const inputs = Int32Array.from({ length: B * T }, (_, i) => (i * 5 + 1) % cfg.vocabSize);
    const targets = Int32Array.from({ length: B * T }, (_, i) => (i * 3 + 2) % cfg.vocabSize);
    const weights = Float32Array.from({ length: B * T }, (_, i) => (i % 3 === 0 ? 0 : 1));
    const batch: TokenBatch = { B, T, inputs, targets, weights };
    const before = tf.memory().numTensors;
    const { grads } = m.lossAndGrads(batch);
    assert.equal(tf.memory().numTensors, before, 'lossAndGrads leaks tensors');
    const checks: [string, number][] = [
      ['wte.weight', inputs[0] * cfg.nEmbd + 1],
      ['wpe.weight', 2 * cfg.nEmbd + 3],
      ['h.0.attn.c_attn.weight', 5],
      ['h.1.attn.c_attn.weight', 8 * 24 - 1],
      ['h.0.mlp.c_fc.bias', 4],
      ['h.1.ln_2.weight', 2],
      ['ln_f.bias', 7],
    ];
    assert.deepEqual(finiteDifferenceErrors(m, batch, grads, checks, GRAD_REL_TOL), []);
  });

  it('the schedule warms up linearly, then decays by a cosine to minLr', () => {
    const o = { lr: 1, minLr: 0.1, warmupSteps: 10, totalSteps: 110 };
    assert.equal(learningRate(5, o), 0.5);
    assert.equal(learningRate(10, o), 1);
    assert.ok(Math.abs(learningRate(60, o) - 0.55) < 1e-12);
    assert.equal(learningRate(110, o), 0.1);
    // A warm restart: the same shape, shifted to start after step 1000.
    const r = { ...o, totalSteps: 1110, startStep: 1000 };
    assert.equal(learningRate(1005, r), 0.5);
    assert.equal(learningRate(1010, r), 1);
    assert.ok(Math.abs(learningRate(1060, r) - 0.55) < 1e-12);
    assert.equal(learningRate(1110, r), 0.1);
  });

  it('seeded shuffling visits every window once per epoch and resumes from a cursor', () => {
    const w = new TokenWindows(Int32Array.from({ length: 101 }, (_, i) => i), 10); // 10 windows
    const a = new ShuffledBatches(w, 3, 5);
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) seen.push(...Array.from(a.next().inputs.filter((_, j) => j % 10 === 0)));
    assert.deepEqual([...new Set(seen.slice(0, 10))].sort((x, y) => x - y), [0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    const b = new ShuffledBatches(w, 3, 5, { epoch: 0, index: 6 });
    const fromA = new ShuffledBatches(w, 3, 5);
    fromA.next();
    fromA.next();
    assert.deepEqual(b.next().inputs, fromA.next().inputs);
  });

  it('a tiny run lowers the training and validation loss by a clear margin and exports a model', async () => {
    const dir = tempDir('train');
    try {
      const c = tinyConfig(dir, { steps: 40 });
      const s = await runTraining(c, { log: () => {} });
      const losses = s.history.filter((h) => h.loss !== undefined).map((h) => h.loss!);
      const vals = s.history.filter((h) => h.valLoss !== undefined).map((h) => h.valLoss!);
      assert.ok(losses[0] > 5.5, `first loss ${losses[0]} (ln 557 = 6.32)`);
      assert.ok(losses[losses.length - 1] < losses[0] - 2.5, `loss ${losses[0]} → ${losses[losses.length - 1]}`);
      assert.ok(vals[vals.length - 1] < vals[0] - 0.5, `val loss ${vals[0]} → ${vals[vals.length - 1]}`);
      for (const f of ['config.json', 'model.safetensors', 'README.md', 'tokenizer.json']) assert.ok(fs.existsSync(`${s.modelDir}/${f}`), f);
      const card = fs.readFileSync(`${s.modelDir}/README.md`, 'utf8');
      assert.match(card, /Validation loss \| [0-9.]+ nats\/token, [0-9.]+ bits\/token, [0-9.]+ bits\/byte/);
      assert.match(card, /Tokens seen \| 10,240/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
