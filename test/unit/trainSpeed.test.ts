import { strict as assert } from 'node:assert';
import { initBackend, tf } from '../../src/engine/backend';
import { GPTTrain, type TokenBatch } from '../../src/train/gptTrain';
import type { GPTConfig } from '../../src/engine/types';

/** The fast ops differ from the reference only in float32 rounding (summation order). */
const LOSS_REL_TOL = 1e-5;
/** Per parameter: max |fast − ref| over max |ref|. */
const GRAD_REL_TOL = 1e-4;

const cfg: GPTConfig = {
  modelType: 'gpt2', vocabSize: 37, nPositions: 16, nEmbd: 16, nLayer: 2, nHead: 4, nKvHead: 4, headDim: 4, nInner: 64, layerNormEps: 1e-5, activation: 'gelu_new',
};

function batch(B: number, T: number, weighted: boolean): TokenBatch {
  const N = B * T;
  const b: TokenBatch = {
    B, T,
    inputs: Int32Array.from({ length: N }, (_, i) => (i * 11 + 3) % cfg.vocabSize),
    targets: Int32Array.from({ length: N }, (_, i) => (i * 7 + 5) % cfg.vocabSize),
  };
  if (weighted) b.weights = Float32Array.from({ length: N }, (_, i) => (i % 4 === 1 ? 0 : 1 + (i % 3) * 0.5));
  return b;
}

describe('train: the fast training ops equal the reference graph', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
  });

  for (const weighted of [false, true]) {
    it(`loss and every parameter's gradient match the reference implementation (${weighted ? 'weighted' : 'unweighted'} batch)`, () => {
      const m = GPTTrain.init(cfg, 5);
      // Larger weights than the init so attention is far from uniform and gelu/LN are curved.
      m.specs.forEach((s, i) => {
        if (s.shape.length >= 2) for (let j = 0; j < m.params[i].length; j++) m.params[i][j] *= 8;
      });
      const b = batch(3, 12, weighted);
      m.kernels = 'reference';
      const ref = m.lossAndGrads(b);
      const refEval = m.loss(b).lossSum;
      m.kernels = 'fast';
      const before = tf.memory().numTensors;
      const fast = m.lossAndGrads(b);
      assert.equal(tf.memory().numTensors, before, 'the fast lossAndGrads leaks tensors');
      assert.equal(fast.weightSum, ref.weightSum);
      assert.ok(Math.abs(fast.lossSum - ref.lossSum) <= LOSS_REL_TOL * Math.abs(ref.lossSum), `loss ${fast.lossSum} vs ${ref.lossSum}`);
      const fastEval = m.loss(b).lossSum;
      assert.ok(Math.abs(fastEval - refEval) <= LOSS_REL_TOL * Math.abs(refEval), `eval loss ${fastEval} vs ${refEval}`);
      m.specs.forEach((s, k) => {
        let maxRef = 0;
        let maxDiff = 0;
        for (let i = 0; i < ref.grads[k].length; i++) {
          maxRef = Math.max(maxRef, Math.abs(ref.grads[k][i]));
          maxDiff = Math.max(maxDiff, Math.abs(fast.grads[k][i] - ref.grads[k][i]));
        }
        assert.ok(maxRef > 0, `${s.name}: reference gradient is all zero`);
        assert.ok(maxDiff <= GRAD_REL_TOL * maxRef, `${s.name}: max |Δ| ${maxDiff} vs max |g| ${maxRef}`);
      });
    });
  }
});
