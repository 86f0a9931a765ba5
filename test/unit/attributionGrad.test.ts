// The differentiable copy of each model family (src/engine/attribution/diffModel.ts) and the
// gradient methods on it: for a random GPT-2 and every family fixture (Llama with GQA and each RoPE
// variant, Mistral's sliding window, Qwen2's biases, Qwen3's q/k norm, GPT-1), its log p(target)
// equals the engine's own forward; its gradient equals central finite differences; integrated
// gradients' scores sum to f(input) − f(baseline) (completeness).
import * as assert from 'assert';
import * as path from 'path';
import { diffModelOf, type DiffModel } from '../../src/engine/attribution/diffModel';
import { embeddingsOf, gradientTimesInput, integratedGradients, valueAndGradient, valueAt } from '../../src/engine/attribution/methods';
import { logSumExp } from '../../src/analysis/topk';
import { initBackend, tf } from '../../src/engine/backend';
import { loadCheckpoint } from '../../src/engine/checkpoint';
import { GPTModel } from '../../src/engine/model';
import { Rng } from '../../src/engine/sampler';
import type { GPTConfig, WeightMap } from '../../src/engine/types';
import { randomIds, randomWeights, tinyConfig } from '../helpers/randomModel';
import { referenceCases } from '../helpers/referenceCases';

const CASES_DIR = path.resolve(__dirname, '../fixtures/families');
/** The two forwards sum in different orders (our GEMM vs tfjs matMul), in float32. */
const LOGPROB_TOL = 2e-4;
/**
 * Central differences in float32 on embeddings of scale ~0.5: truncation O(h²) (measured on the
 * random GPT-2: 10% off at h = 1e-2, 0.1% at 1e-3), rounding ~1e-6/h.
 */
const FD_STEP = 1e-3;
const FD_REL_TOL = 1e-2;
const FD_ABS_TOL = 2e-3;
/** 256 steps of igPath (methods.ts): the completeness gap, relative to |f(x) − f(0)|. */
const IG_STEPS = 256;
const IG_REL_TOL = 2e-2;
const IG_ABS_TOL = 2e-3;

interface Case {
  name: string;
  config: GPTConfig;
  weights: WeightMap;
}

function cases(): Case[] {
  const gpt2 = tinyConfig({ nPositions: 16 });
  const out: Case[] = [{ name: 'random gpt2', config: gpt2, weights: randomWeights(gpt2, 3) }];
  for (const name of referenceCases(CASES_DIR)) {
    const { config, weights } = loadCheckpoint(path.join(CASES_DIR, name)); // float32 (16-bit widened)
    out.push({ name, config, weights });
  }
  return out;
}

/** log p(target) at the last of `ids` by the engine's own forward. */
async function engineLogProb(model: GPTModel, ids: number[], target: number): Promise<number> {
  const V = model.config.vocabSize;
  const { logits } = await model.forward(ids, { attentions: false }); // [T × V]
  const z = logits.subarray((ids.length - 1) * V, ids.length * V); // [V]
  return z[target] - logSumExp(z);
}

describe('attribution: the differentiable forward of every family', function () {
  this.timeout(120_000);
  before(async () => {
    await initBackend();
  });

  for (const c of cases()) {
    describe(c.name, () => {
      let diff: DiffModel;
      let model: GPTModel;
      let ids: number[];
      const target = 5;

      before(() => {
        model = GPTModel.create(c.config, new Map(c.weights));
        diff = diffModelOf(c.config, c.weights, model.numParams);
        ids = randomIds(Math.min(10, c.config.nPositions), c.config.vocabSize, 11);
      });
      after(() => {
        diff?.dispose();
        model?.dispose();
      });

      it(`log p(target) equals the engine's forward within ${LOGPROB_TOL}, at every length`, async () => {
        for (const T of [1, 4, ids.length]) {
          const x = ids.slice(0, T);
          const got = valueAt(diff, embeddingsOf(diff, x), T, target);
          const want = await engineLogProb(model, x, target);
          assert.ok(Math.abs(got - want) <= LOGPROB_TOL, `T=${T}: ${got} vs ${want}`);
        }
      });

      it('the gradient equals central finite differences (four random directions)', () => {
        const T = ids.length;
        const e = embeddingsOf(diff, ids);
        const { grad } = valueAndGradient(diff, e, T, target);
        const rng = new Rng(5);
        for (let k = 0; k < 4; k++) {
          const v = Float32Array.from(e, () => rng.next() * 2 - 1);
          const shifted = (s: number): number => valueAt(diff, Float32Array.from(e, (x, i) => x + s * FD_STEP * v[i]), T, target);
          const fd = (shifted(1) - shifted(-1)) / (2 * FD_STEP);
          const analytic = grad.reduce((s, g, i) => s + g * v[i], 0);
          assert.ok(Math.abs(fd - analytic) <= FD_ABS_TOL + FD_REL_TOL * Math.abs(fd), `direction ${k}: finite differences ${fd}, gradient ${analytic}`);
        }
      });

      it('gradient × input is e·∂f/∂e row by row; only tokens before the prediction matter', () => {
        const T = ids.length;
        const { scores } = gradientTimesInput(diff, ids, target);
        assert.strictEqual(scores.length, T);
        const d = c.config.nEmbd;
        const e = embeddingsOf(diff, ids);
        const { grad } = valueAndGradient(diff, e, T, target);
        for (let t = 0; t < T; t++) {
          let s = 0;
          for (let j = 0; j < d; j++) s += e[t * d + j] * grad[t * d + j];
          assert.ok(Math.abs(s - scores[t]) <= 1e-5 * (1 + Math.abs(s)), `token ${t}`);
        }
        assert.ok(scores.some((s) => Math.abs(s) > 1e-4), 'some token contributes');
      });

      it(`integrated gradients are complete: Σ scores ≈ f(x) − f(0) within ${IG_REL_TOL * 100}% (${IG_STEPS} steps)`, async () => {
        const r = await integratedGradients(diff, ids, target, IG_STEPS);
        const sum = r.scores.reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(r.baselineDelta) > 1e-3, 'the baseline changes the prediction');
        assert.ok(Math.abs(sum - r.baselineDelta) <= IG_ABS_TOL + IG_REL_TOL * Math.abs(r.baselineDelta), `Σ ${sum} vs Δ ${r.baselineDelta}`);
      });

      it('leaves no tensors behind', async () => {
        const before = tf.memory().numTensors;
        gradientTimesInput(diff, ids, target);
        await integratedGradients(diff, ids, target, 2);
        assert.strictEqual(tf.memory().numTensors, before);
      });
    });
  }
});
