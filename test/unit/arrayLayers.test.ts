// The blocks on plain arrays (src/engine/arrayLayers.ts, the fast path of a forward that captures
// nothing) against the same layers on tensors (layers.ts, attention.ts): layer norm, each
// activation, causal and sliding-window attention with grouped-query heads, and a whole forward
// (a capture runs the tensor path, a plain forward the array path).
import * as assert from 'assert';
import { initBackend, tf } from '../../src/engine/backend';
import { activationInPlace, causalAttentionRows, layerNormRows, rmsNormRows } from '../../src/engine/arrayLayers';
import { Gemm } from '../../src/engine/gemm/gemm';
import { activation, causalSelfAttention, layerNorm, type HeadLayout } from '../../src/engine/layers';
import { GPTModel } from '../../src/engine/model';
import { rmsNorm } from '../../src/engine/norms';
import type { GPTConfig } from '../../src/engine/types';
import { Mulberry32 } from '../../src/shared/mulberry32';
import { assertClose, TOL } from '../helpers/numeric';
import { randomIds, randomWeights, tinyConfig } from '../helpers/randomModel';

function random(n: number, seed: number, scale = 1): Float32Array {
  const rng = new Mulberry32(seed);
  return Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale);
}

const data = (t: tf.Tensor): Float32Array => t.dataSync() as Float32Array;

describe('arrayLayers: the blocks on arrays match the tensor layers', function () {
  before(async () => {
    await initBackend();
  });

  it('layer norm and RMSNorm of every row', function () {
    const [T, d] = [5, 24];
    const x = random(T * d, 1, 3);
    const weight = random(d, 2);
    const bias = random(d, 3);
    tf.tidy(() => {
      const want = layerNorm(tf.tensor2d(x, [T, d]), { weight: tf.tensor1d(weight), bias: tf.tensor1d(bias) }, 1e-5);
      assertClose(layerNormRows(x, T, { weight, bias }, 1e-5), data(want), 1e-6, 'layerNorm');
      const rms = rmsNorm(tf.tensor2d(x, [T, d]), tf.tensor1d(weight), 1e-6);
      assertClose(rmsNormRows(x, T, weight, 1e-6), data(rms), 1e-6, 'rmsNorm');
    });
  });

  for (const kind of ['gelu_new', 'gelu', 'silu', 'relu'] as GPTConfig['activation'][]) {
    it(`activation ${kind}`, function () {
      const x = random(4 * 37, 4, 6);
      const want = tf.tidy(() => data(activation(kind, tf.tensor2d(x, [4, 37]))));
      assertClose(activationInPlace(kind, x.slice()), want, 1e-6, kind);
    });
  }

  const layouts: [string, HeadLayout][] = [
    ['plain heads', { nHead: 3, nKvHead: 3, headDim: 8 }],
    ['grouped-query heads', { nHead: 4, nKvHead: 2, headDim: 8, kvHead: [0, 0, 1, 1] }],
    ['a sliding window', { nHead: 2, nKvHead: 1, headDim: 8, kvHead: [0, 0], window: 5 }],
  ];
  for (const [what, layout] of layouts) {
    it(`attention weights and head outputs with ${what}`, function () {
      const T = 19;
      const { nHead: H, nKvHead: Hkv, headDim: hd } = layout;
      const qkv = random(T * (H + 2 * Hkv) * hd, 5, 2);
      const gemm = new Gemm();
      try {
        const weights = new Float32Array(H * T * T).fill(Number.NaN); // every entry must be written
        const concat = causalAttentionRows(qkv, T, layout, gemm, weights);
        tf.tidy(() => {
          const att = causalSelfAttention(qkv, T, layout, { pos0: 0 }, gemm);
          assertClose(weights, data(att.part('weights')), TOL.attention, 'weights', [H, T, T]);
          assertClose(concat, data(att.concat), 1e-5, 'head outputs', [T, H * hd]);
        });
        assert.deepStrictEqual(causalAttentionRows(qkv, T, layout, gemm), concat, 'without an array for the weights');
      } finally {
        gemm.dispose();
      }
    });
  }

  it('a plain forward (arrays) matches a capturing one (tensors): logits, attentions, residuals', async function () {
    const before = process.env.ATTENTION_LENS_BLOCKS;
    process.env.ATTENTION_LENS_BLOCKS = 'arrays'; // the array path is opt-in
    const config = tinyConfig({ nPositions: 32 });
    const model = GPTModel.create(config, randomWeights(config, 21));
    try {
      const ids = randomIds(24, config.vocabSize, 8);
      const plain = await model.forward(ids, { attentions: true, residuals: true });
      const tensors = await model.forward(ids, { attentions: true, residuals: true, capture: { layer: 0, position: 3 } });
      assertClose(plain.logits, tensors.logits, TOL.logits, 'logits');
      for (let l = 0; l < config.nLayer; l++) assertClose(plain.attentions![l], tensors.attentions![l], TOL.attention, `attention ${l}`);
      // residuals of size ~5 after three blocks: float32 rounding in another order differs by some 20 ulp there
      for (let l = 0; l <= config.nLayer; l++) assertClose(plain.residuals![l], tensors.residuals![l], TOL.logits, `residual ${l}`);
    } finally {
      model.dispose();
      // Every test after this one runs the default path again.
      if (before === undefined) delete process.env.ATTENTION_LENS_BLOCKS;
      else process.env.ATTENTION_LENS_BLOCKS = before;
    }
  });
});
