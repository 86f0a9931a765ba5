// The engine's speed paths against its plain ones: the LM head packed in panels of 16 columns (a
// vocabulary of several thousand, not a multiple of 16) against logits computed by hand from the
// final residual stream, and the per-head attention GEMMs with a KV cache behind them (a long chunk after
// a long prefill) against the full forward pass.
import * as assert from 'assert';
import { initBackend } from '../../src/engine/backend';
import { GPTModel } from '../../src/engine/model';
import type { GPTConfig, WeightMap } from '../../src/engine/types';
import { assertClose, rowOf, TOL } from '../helpers/numeric';
import { randomIds, randomWeights, tinyConfig } from '../helpers/randomModel';

/** ln_f(x) · wteᵀ for one row of the final residual stream, in float64. */
function logitsByHand(w: WeightMap, config: GPTConfig, residual: Float32Array, t: number): Float64Array {
  const { nEmbd: d, vocabSize: V, layerNormEps: eps } = config;
  const x = residual.subarray(t * d, (t + 1) * d);
  let mean = 0;
  for (const v of x) mean += v / d;
  let variance = 0;
  for (const v of x) variance += (v - mean) ** 2 / d;
  const g = w.get('ln_f.weight')!.data;
  const b = w.get('ln_f.bias')!.data;
  const xf = Array.from(x, (v, i) => ((v - mean) / Math.sqrt(variance + eps)) * g[i] + b[i]);
  const wte = w.get('wte.weight')!.data;
  const out = new Float64Array(V);
  for (let v = 0; v < V; v++) {
    let s = 0;
    for (let i = 0; i < d; i++) s += xf[i] * wte[v * d + i];
    out[v] = s;
  }
  return out;
}

describe('GPTModel speed paths', function () {
  before(async () => {
    await initBackend();
  });

  it('the packed LM head gives every logit of a vocabulary that is not a multiple of its panels', async function () {
    const config = tinyConfig({ vocabSize: 2 * 4096 + 123, nEmbd: 16, nHead: 2, nLayer: 1, eosTokenId: undefined });
    const weights = randomWeights(config, 11);
    const model = GPTModel.create(config, weights);
    try {
      const T = 3;
      const r = await model.forward(randomIds(T, config.vocabSize, 4), { attentions: false, residuals: true });
      assert.strictEqual(r.logits.length, T * config.vocabSize);
      for (let t = 0; t < T; t++) {
        const want = logitsByHand(weights, config, r.residuals![config.nLayer], t);
        assertClose(rowOf(r.logits, config.vocabSize, t), want, TOL.logits, `row ${t}`);
      }
      const cache = model.newCache();
      try {
        const last = await model.step(cache, randomIds(T, config.vocabSize, 4));
        assertClose(last, rowOf(r.logits, config.vocabSize, T - 1), TOL.logits, 'step');
      } finally {
        cache.dispose();
      }
    } finally {
      model.dispose();
    }
  });

  it('a long chunk after a long prefill (per-head GEMMs over the cached keys) matches the full forward pass', async function () {
    const config = tinyConfig({ nPositions: 64 });
    const V = config.vocabSize;
    const model = GPTModel.create(config, randomWeights(config, 12));
    try {
      const T = 50;
      const ids = randomIds(T, V, 9);
      const full = await model.forward(ids, { attentions: true });
      const cache = model.newCache();
      try {
        assertClose(await model.step(cache, ids.slice(0, 20)), rowOf(full.logits, V, 19), TOL.logits, 'prefill of 20');
        assertClose(await model.step(cache, ids.slice(20, 45)), rowOf(full.logits, V, 44), TOL.logits, 'chunk of 25 at 20');
        assertClose(await model.step(cache, ids.slice(45, 46)), rowOf(full.logits, V, 45), TOL.logits, 'one token at 45');
        assertClose(await model.step(cache, ids.slice(46)), rowOf(full.logits, V, T - 1), TOL.logits, 'chunk of 4 at 46');
      } finally {
        cache.dispose();
      }
      // Every attention row sums to 1 and is 0 above the diagonal (per-head results stacked in order).
      const { nHead: H } = config;
      for (const a of full.attentions!) {
        for (let h = 0; h < H; h++) {
          for (const i of [0, 7, 8, 31, T - 1]) {
            const row = a.subarray((h * T + i) * T, (h * T + i + 1) * T);
            let sum = 0;
            for (let j = 0; j < T; j++) {
              sum += row[j];
              if (j > i) assert.strictEqual(row[j], 0, `head ${h} row ${i} col ${j}`);
            }
            assert.ok(Math.abs(sum - 1) < 1e-5, `head ${h} row ${i} sums to ${sum}`);
          }
        }
      }
    } finally {
      model.dispose();
    }
  });
});
