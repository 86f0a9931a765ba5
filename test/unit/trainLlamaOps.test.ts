import { strict as assert } from 'node:assert';
import { initBackend, tf } from '../../src/engine/backend';
import { invFreq } from '../../src/engine/rotary';
import type { GPTConfig } from '../../src/engine/types';
import { LlamaTrain } from '../../src/train/llamaTrain';
import { mmT } from '../../src/train/ops/matmul';
import { linearRef, rmsNormRef, ropeRef, swigluRef } from '../../src/train/ops/reference';
import { rmsNorm } from '../../src/train/ops/rmsNorm';
import { rope, RopeTables } from '../../src/train/ops/rope';
import { swiglu, swigluFused } from '../../src/train/ops/swiglu';
import { Rng } from '../../src/train/rng';
import type { TokenBatch } from '../../src/train/trainable';
import { finiteDifferenceErrors } from './trainFixture';

/** Fast op vs reference graph: float32 rounding (summation order) only. */
const OP_TOL = 1e-5;
/** Whole model, fast vs reference: per parameter, max |Δ| over max |g|. */
const GRAD_REL_TOL = 1e-4;
const LOSS_REL_TOL = 1e-5;
/** Central finite differences in float32 are coarse. */
const FD_REL_TOL = 0.02;

const cfg: GPTConfig = {
  modelType: 'llama', vocabSize: 31, nPositions: 16, nEmbd: 16, nLayer: 2, nHead: 2, nKvHead: 2, headDim: 8, nInner: 24,
  layerNormEps: 1e-5, activation: 'silu', norm: 'rmsnorm', rope: { theta: 10000, rotaryDim: 8 }, tieWordEmbeddings: true,
  attentionBias: { qkv: false, o: false }, mlpBias: false, qkNorm: false,
};

function randn(n: number, seed: number, scale = 1): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length: n }, () => r.normal() * scale);
}

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    max = Math.max(max, Math.abs(b[i]));
  }
  return diff / max;
}

/**
 * An op's value and its gradients w.r.t. every input under the scalar Σ op(xs)·u (u a fixed random
 * upstream gradient), as plain arrays.
 */
function valueAndGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: { data: Float32Array; shape: number[] }[], seed: number): { value: Float32Array; grads: Float32Array[] } {
  return tf.tidy(() => {
    const xs = inputs.map((x) => tf.tensor(x.data, x.shape));
    const value = f(...xs);
    const u = tf.tensor(randn(value.size, seed), value.shape);
    const { grads } = tf.valueAndGrads((...ys: tf.Tensor[]) => tf.sum(tf.mul(f(...ys), u)) as tf.Scalar)(xs);
    return { value: value.dataSync() as Float32Array, grads: grads.map((g) => g.dataSync() as Float32Array) };
  });
}

/** Σ f(xs)·u with one input element moved by ±h: the central difference of that element's gradient. */
function finiteDiff(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: { data: Float32Array; shape: number[] }[], seed: number, which: number, idx: number, h = 1e-2): number {
  const at = (delta: number): number =>
    tf.tidy(() => {
      const xs = inputs.map((x, k) => {
        const d = x.data.slice();
        if (k === which) d[idx] += delta;
        return tf.tensor(d, x.shape);
      });
      const y = f(...xs);
      return tf.sum(tf.mul(y, tf.tensor(randn(y.size, seed), y.shape))).dataSync()[0];
    });
  return (at(h) - at(-h)) / (2 * h);
}

function checkOp(name: string, fast: (...xs: tf.Tensor[]) => tf.Tensor, ref: (...xs: tf.Tensor[]) => tf.Tensor, inputs: { data: Float32Array; shape: number[] }[]): void {
  const before = tf.memory().numTensors;
  const a = valueAndGrads(fast, inputs, 7);
  const b = valueAndGrads(ref, inputs, 7);
  assert.equal(tf.memory().numTensors, before, `${name} leaks tensors`);
  assert.ok(maxRelDiff(a.value, b.value) < OP_TOL, `${name}: value differs by ${maxRelDiff(a.value, b.value)}`);
  a.grads.forEach((g, k) => assert.ok(maxRelDiff(g, b.grads[k]) < OP_TOL, `${name}: gradient of input ${k} differs by ${maxRelDiff(g, b.grads[k])}`));
  // And the fast gradient against finite differences, at a few elements of every input.
  inputs.forEach((x, k) => {
    for (const idx of [0, Math.floor(x.data.length / 3), x.data.length - 1]) {
      const numeric = finiteDiff(fast, inputs, 7, k, idx);
      const analytic = a.grads[k][idx];
      const err = Math.abs(numeric - analytic) / Math.max(1e-3, Math.abs(numeric) + Math.abs(analytic));
      assert.ok(err < FD_REL_TOL, `${name}: input ${k}[${idx}] analytic ${analytic} vs numeric ${numeric}`);
    }
  });
}

describe('train: the Llama ops and model against references and finite differences', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('RMSNorm: value and gradients (x and weight)', () => {
    const N = 6;
    const d = 8;
    checkOp('rmsNorm', (x, g) => rmsNorm(x as tf.Tensor2D, g as tf.Tensor1D, 1e-5), (x, g) => rmsNormRef(x as tf.Tensor2D, g, 1e-5), [
      { data: randn(N * d, 1), shape: [N, d] },
      { data: randn(d, 2, 0.5).map((v) => v + 1), shape: [d] },
    ]);
  });

  it("RoPE (rotate_half layout, HF's apply_rotary_pos_emb): value and gradient, 2 rows × 5 positions × 3 heads", () => {
    const B = 2;
    const T = 5;
    const hd = 8;
    const H = 3;
    const ropeCfg = { theta: 100, rotaryDim: hd }; // a small θ: every dim pair turns visibly in 5 positions
    const tables = new RopeTables(ropeCfg, hd);
    checkOp('rope', (x) => rope(x as tf.Tensor2D, T, tables), (x) => ropeRef(x as tf.Tensor2D, B, T, hd, invFreq(ropeCfg)), [{ data: randn(B * T * H * hd, 3), shape: [B * T, H * hd] }]);
  });

  it('RoPE rotates position 0 not at all and keeps each dim pair\'s length', () => {
    const tables = new RopeTables({ theta: 10000, rotaryDim: 4 }, 4);
    const x = Float32Array.from([1, 2, 3, 4, 1, 2, 3, 4]); // two positions, one head of 4
    const y = tf.tidy(() => rope(tf.tensor2d(x, [2, 4]), 2, tables).dataSync() as Float32Array);
    assert.deepEqual(Array.from(y.subarray(0, 4)), [1, 2, 3, 4]);
    const len = (a: ArrayLike<number>, i: number, j: number): number => Math.hypot(a[i], a[j]);
    assert.ok(Math.abs(len(y, 4, 6) - len(x, 4, 6)) < 1e-6 && Math.abs(len(y, 5, 7) - len(x, 5, 7)) < 1e-6);
    assert.ok(Math.abs(y[4] - (Math.cos(1) * 1 - Math.sin(1) * 3)) < 1e-6, `dim 0 at position 1: ${y[4]}`);
  });

  it('SwiGLU silu(gate)·up: value and gradients (gate and up)', () => {
    checkOp('swiglu', (g, u) => swiglu(g as tf.Tensor2D, u as tf.Tensor2D), (g, u) => swigluRef(g as tf.Tensor2D, u as tf.Tensor2D), [
      { data: randn(5 * 7, 4, 2), shape: [5, 7] },
      { data: randn(5 * 7, 5), shape: [5, 7] },
    ]);
  });

  it('SwiGLU on the stacked gate | up projection [N, 2f]: value and gradient', () => {
    const split = (x: tf.Tensor): [tf.Tensor2D, tf.Tensor2D] => tf.split(x as tf.Tensor2D, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
    checkOp('swigluFused', (x) => swigluFused(x as tf.Tensor2D), (x) => swigluRef(...split(x)), [{ data: randn(5 * 14, 8, 2), shape: [5, 14] }]);
  });

  it('RoPE on q | k | v [N, 3W] rotating the first 2W columns only: q and k as the reference, v passed through', () => {
    const B = 2;
    const T = 4;
    const hd = 4;
    const W = 2 * hd; // 2 heads
    const ropeCfg = { theta: 50, rotaryDim: hd };
    const tables = new RopeTables(ropeCfg, hd);
    const ref = (x: tf.Tensor): tf.Tensor => {
      const [q, k, v] = tf.split(x as tf.Tensor2D, 3, 1) as tf.Tensor2D[];
      return tf.concat([ropeRef(q, B, T, hd, invFreq(ropeCfg)), ropeRef(k, B, T, hd, invFreq(ropeCfg)), v], 1);
    };
    checkOp('rope q|k|v', (x) => rope(x as tf.Tensor2D, T, tables, 2 * W), ref, [{ data: randn(B * T * 3 * W, 9), shape: [B * T, 3 * W] }]);
  });

  it('a projection h·wᵀ through mmT: value and gradients equal the transposed matMul', () => {
    checkOp('mmT', (h, w) => mmT(h as tf.Tensor2D, w as tf.Tensor2D), (h, w) => linearRef(h as tf.Tensor2D, w as tf.Tensor2D), [
      { data: randn(6 * 5, 6), shape: [6, 5] },
      { data: randn(4 * 5, 7), shape: [4, 5] },
    ]);
  });

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

  /** A model with weights 8× the init: attention far from uniform, norms and silu curved. */
  function bigModel(): LlamaTrain {
    const m = LlamaTrain.init(cfg, 5);
    m.specs.forEach((s, i) => {
      if (s.shape.length >= 2) for (let j = 0; j < m.params[i].length; j++) m.params[i][j] *= 8;
      else for (let j = 0; j < m.params[i].length; j++) m.params[i][j] += 0.1 * Math.sin(j + i); // norm weights ≠ 1
    });
    return m;
  }

  for (const weighted of [false, true]) {
    it(`the whole model: loss and every parameter's gradient equal the reference graph (${weighted ? 'weighted' : 'unweighted'} batch)`, () => {
      const m = bigModel();
      const b = batch(3, 12, weighted);
      m.kernels = 'reference';
      const ref = m.lossAndGrads(b);
      m.kernels = 'fast';
      const before = tf.memory().numTensors;
      const fast = m.lossAndGrads(b);
      assert.equal(tf.memory().numTensors, before, 'the fast lossAndGrads leaks tensors');
      assert.equal(fast.weightSum, ref.weightSum);
      assert.ok(Math.abs(fast.lossSum - ref.lossSum) <= LOSS_REL_TOL * Math.abs(ref.lossSum), `loss ${fast.lossSum} vs ${ref.lossSum}`);
      m.specs.forEach((s, k) => {
        const rel = maxRelDiff(fast.grads[k], ref.grads[k]);
        assert.ok(rel <= GRAD_REL_TOL, `${s.name}: max |Δ| / max |g| = ${rel}`);
      });
    });
  }

  it('the whole model: gradients match finite differences (embed_tokens through the embedding and the tied head, q/k through RoPE, the MLP, the norms)', () => {
    const m = LlamaTrain.init(cfg, 3);
    m.specs.forEach((s, i) => {
      if (s.shape.length >= 2) for (let j = 0; j < m.params[i].length; j++) m.params[i][j] *= 10;
    });
    const b = batch(2, 6, true);
    const { grads } = m.lossAndGrads(b);
    const checks: [string, number][] = [
      ['model.embed_tokens.weight', b.inputs[0] * cfg.nEmbd + 1],
      ['model.embed_tokens.weight', 30 * cfg.nEmbd + 2], // a row only the LM head uses
      ['model.layers.0.self_attn.q_proj.weight', 5],
      ['model.layers.1.self_attn.k_proj.weight', 8 * 16 + 3],
      ['model.layers.0.self_attn.v_proj.weight', 40],
      ['model.layers.1.self_attn.o_proj.weight', 7],
      ['model.layers.0.mlp.gate_proj.weight', 11],
      ['model.layers.1.mlp.up_proj.weight', 50],
      ['model.layers.0.mlp.down_proj.weight', 33],
      ['model.layers.1.input_layernorm.weight', 2],
      ['model.layers.0.post_attention_layernorm.weight', 9],
      ['model.norm.weight', 7],
    ];
    assert.deepEqual(finiteDifferenceErrors(m, b, grads, checks, FD_REL_TOL), []);
  });
});
