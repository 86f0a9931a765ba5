// The Layer Stepper on the Llama family and GPT-1 (test/fixtures/families, driven with the
// reference ids): the step list each family gets, every step building from the engine's capture,
// and the new steps' numbers checked against independent float64 computations — RMSNorm's output
// = x / rms · w, q/k as the projections give them, Qwen3's q/k norm, RoPE (q and k after = the
// rotation of q and k before at their positions, by inv_freq computed here from config.json), the
// key/value head a query head reads, SwiGLU, the final RMSNorm and the head, GPT-1's post-norms;
// and the logit lens reading each residual stream through the final RMSNorm.
import * as assert from 'node:assert/strict';
import { buildStep, layerStep, stepAt, stepCount, stepPlan, type GridBlock, type StepView, type StripsBlock, type VectorBlock } from '../../webview/stepper/steps';
import { FAMILY_CASES, openFamily, referenceInvFreq, rotate, type FamilyStepper } from '../helpers/familyStepper';
import { TOL, assertClose } from '../helpers/numeric';
import * as fs from 'node:fs';
import { tf } from '../../src/engine/backend';

const LLAMA_LAYER = ['rmsNorm1', 'qkv', 'rope', 'kvGroup', 'scores', 'scale', 'mask', 'softmax', 'weightedSum', 'projection', 'residual1', 'rmsNorm2', 'swiglu', 'residual2'];
/** Steps per case: 3 embedding steps + per layer + 2 output steps for the Llama family (2 layers each). */
const EXPECTED_STEPS: Record<string, number> = {
  'llama-dynamic-rope': 3 + 2 * 14 + 2,
  'llama-gqa-tied-f32': 3 + 2 * 14 + 2,
  'llama-t1-linear-rope': 3 + 2 * 14 + 2,
  'llama-untied-bf16-sharded-llama3rope': 3 + 2 * 13 + 2, // 3 kv heads for 3 heads: no key/value group step
  'mistral-sliding-mqa-f32': 3 + 2 * 14 + 2,
  'openai-gpt-f32': 4 + 2 * 12 + 2,
  'qwen2-bias-f16': 3 + 2 * 14 + 2,
  'qwen3-qknorm-bf16-fullctx': 3 + 2 * 15 + 2, // + q/k norm
};

const blocks = <K extends StepView['blocks'][number]['kind']>(v: StepView, kind: K) =>
  v.blocks.filter((b) => b.kind === kind) as Extract<StepView['blocks'][number], { kind: K }>[];
const vectors = (v: StepView): VectorBlock[] => blocks(v, 'vector');

/** x · Wᵀ (+ b) for an [out, in] weight, rows `r0..r1` of the output, in float64. */
function project(x: ArrayLike<number>, f: FamilyStepper, name: string, r0: number, r1: number): Float64Array {
  const W = f.weights.get(`${name}.weight`)!;
  const b = f.weights.get(`${name}.bias`)?.data;
  const nIn = W.shape[1];
  const out = new Float64Array(r1 - r0);
  for (let r = r0; r < r1; r++) {
    let s = b ? b[r] : 0;
    for (let i = 0; i < nIn; i++) s += x[i] * W.data[r * nIn + i];
    out[r - r0] = s;
  }
  return out;
}

/** x / √(mean(x²) + ε) · w in float64, and the root mean square. */
function rmsNorm(x: ArrayLike<number>, w: ArrayLike<number>, eps: number): { y: Float64Array; rms: number } {
  let sq = 0;
  for (let i = 0; i < x.length; i++) sq += x[i] * x[i];
  const rms = Math.sqrt(sq / x.length + eps);
  return { y: Float64Array.from({ length: x.length }, (_, i) => (x[i] / rms) * w[i]), rms };
}

const cases = fs.readdirSync(FAMILY_CASES).filter((n) => n in EXPECTED_STEPS).sort();

describe('Layer Stepper: the step list per family', () => {
  it('has every family case', () => assert.deepEqual(cases, Object.keys(EXPECTED_STEPS).sort()));
});

for (const name of cases) {
  describe(`Layer Stepper on ${name}`, function () {
    let f: FamilyStepper;
    before(async () => {
      f = await openFamily(name);
    });
    after(() => f?.dispose());

    it('has the family’s steps, and every one builds from the engine’s numbers', async () => {
      const plan = stepPlan(f.facts);
      const L = f.config.nLayer;
      assert.equal(stepCount(L, plan), EXPECTED_STEPS[name]);
      const T = f.ids.length;
      for (const p of [...new Set([0, T - 1])]) {
        for (let i = 0; i < stepCount(L, plan); i++) {
          const ref = stepAt(i, L, plan);
          const v = buildStep(ref, await f.input(ref.layer, p, f.config.nHead - 1));
          assert.ok(v, `step ${i} (${ref.kind}) at position ${p}`);
          assert.ok(v.formula && v.shape && v.explanation.length > 40 && v.blocks.length > 0, `${ref.kind} has text and values`);
          assert.ok(!v.title.startsWith('title'), `${ref.kind} has a title`);
        }
      }
      if (f.config.rope) {
        assert.ok(!plan.embed.includes('positionEmbedding'), 'rotary: no position-embedding step');
        assert.equal((await f.input(0, 0)).positionEmbedding, undefined, 'and no position vector from the engine');
      }
    });

    it('a capture leaves no tensor behind', async () => {
      const before = tf.memory().numTensors;
      for (const layer of [0, 1]) await f.model.forward(f.ids, { attentions: false, capture: { layer, position: f.ids.length - 1 } });
      assert.equal(tf.memory().numTensors, before);
    });

    if (name === 'openai-gpt-f32') {
      it('GPT-1: attention → residual → ln_1 → MLP → residual → ln_2, then the head without a final norm', async () => {
        const plan = stepPlan(f.facts);
        assert.deepEqual(plan.layer.slice(6), ['projection', 'residual1', 'postLn1', 'ffn', 'residual2', 'postLn2']);
        assert.deepEqual(plan.output, ['headOnly', 'softmaxOut']);
        const p = f.ids.length - 1;
        const inp = await f.input(1, p);
        const [x, a, sum] = vectors(buildStep(stepAt(layerStep(1, 'residual1', plan), 2, plan), inp)!);
        assertClose(sum.values, Array.from(x.values, (v, i) => v + a.values[i]), TOL.residual, 'x + a');
        const [n0, n1] = vectors(buildStep(stepAt(layerStep(1, 'postLn1', plan), 2, plan), inp)!);
        assert.equal(n0.values, sum.values, 'ln_1 reads x + a');
        assert.equal(n1.values, inp.capture!.residualMid);
        const [m0, m1] = vectors(buildStep(stepAt(layerStep(1, 'postLn2', plan), 2, plan), inp)!);
        assert.equal(m0.values, inp.capture!.ffnSum);
        assert.equal(m1.values, inp.capture!.residualOut);
        const head = buildStep(stepAt(stepCount(2, plan) - 2, 2, plan), inp)!;
        assert.equal(head.ref.kind, 'headOnly');
        assertClose(inp.finalLn!, m1.values, 0, 'no final norm: the head reads x_L itself');
        const V = f.config.vocabSize;
        const d = f.config.nEmbd;
        const E = f.weights.get('tokens_embed.weight')!.data;
        const row = Float64Array.from({ length: V }, (_, v) => Array.from(m1.values).reduce((s, x, j) => s + x * E[v * d + j], 0));
        assertClose(row, f.logits.subarray(p * V, (p + 1) * V), TOL.logits, 'x_L · tokens_embedᵀ = logits');
      });
      return;
    }

    it('RMSNorm steps: output = x / rms · w, rms = √(mean(x²) + ε)', async () => {
      const plan = stepPlan(f.facts);
      const eps = f.config.layerNormEps;
      for (const layer of [0, 1]) {
        const inp = await f.input(layer, f.ids.length - 1);
        for (const [kind, w] of [['rmsNorm1', 'input_layernorm'], ['rmsNorm2', 'post_attention_layernorm']] as const) {
          const v = buildStep(stepAt(layerStep(layer, kind, plan), 2, plan), inp)!;
          const [x, weight, out] = vectors(v);
          const [rms] = blocks(v, 'grid') as GridBlock[];
          assertClose(weight.values, f.weights.get(`model.layers.${layer}.${w}.weight`)!.data, 0, `${w} weight`);
          const ref = rmsNorm(x.values, weight.values, eps);
          assert.ok(Math.abs((rms.rows[0].cells[0] as number) - ref.rms) < 1e-5 * ref.rms, `rms ${rms.rows[0].cells[0]} vs ${ref.rms}`);
          assertClose(out.values, ref.y, TOL.residual, `${kind} output = x / rms · w`);
        }
      }
    });

    it('q/k/v: q and k as the projections give them (biases where the model has them)', async () => {
      const plan = stepPlan(f.facts);
      const { headDim: hd, nHead: H, nKvHead: Hkv, nEmbd: d } = f.config;
      const p = f.ids.length - 1;
      const h = H - 1;
      const g = Math.floor(h / (H / Hkv));
      const inp = await f.input(1, p, h);
      const v = buildStep(stepAt(layerStep(1, 'qkv', plan), 2, plan), inp)!;
      const [q] = vectors(v);
      const [k, val] = blocks(v, 'strips') as StripsBlock[];
      const ln1 = inp.capture!.ln1;
      const a = 'model.layers.1.self_attn';
      assertClose(q.values, project(ln1.subarray(p * d, (p + 1) * d), f, `${a}.q_proj`, h * hd, (h + 1) * hd), TOL.logits, 'q = ln1 · W_qᵀ + b');
      for (const j of [0, p]) {
        assertClose(k.rows[j].values, project(ln1.subarray(j * d, (j + 1) * d), f, `${a}.k_proj`, g * hd, (g + 1) * hd), TOL.logits, `k_${j} of kv head ${g}`);
        assertClose(val.rows[j].values, project(ln1.subarray(j * d, (j + 1) * d), f, `${a}.v_proj`, g * hd, (g + 1) * hd), TOL.logits, `v_${j}`);
      }
    });

    it('RoPE: q and k after = the rotation of q and k before at their positions; θ_i and the angles shown', async () => {
      const plan = stepPlan(f.facts);
      const invFreq = referenceInvFreq(f.raw);
      const { headDim: hd, nHead: H } = f.config;
      for (const p of [...new Set([0, f.ids.length - 1])]) {
        for (const h of [0, H - 1]) {
          const inp = await f.input(0, p, h);
          assert.equal(inp.invFreq!.length, invFreq.length, 'rotary dims / 2');
          const v = buildStep(stepAt(layerStep(0, 'rope', plan), 2, plan), inp)!;
          const [qBefore, qAfter] = vectors(v);
          const [grid] = blocks(v, 'grid') as GridBlock[];
          const [kBefore, kAfter] = blocks(v, 'strips') as StripsBlock[];
          assert.equal(qBefore.values.length, hd);
          assertClose(qAfter.values, rotate(qBefore.values, p, invFreq), TOL.residual, `q of head ${h} at ${p}`);
          assertClose(qAfter.values, inp.capture!.q.subarray(h * hd, (h + 1) * hd), 0, 'q after = what attention read');
          for (let j = 0; j <= p; j++) assertClose(kAfter.rows[j].values, rotate(kBefore.rows[j].values, j, invFreq), TOL.residual, `k_${j}`);
          const theta = grid.header.indexOf('θ_i');
          grid.rows.forEach((r, i) => {
            assert.ok(Math.abs((r.cells[theta] as number) - invFreq[i]) <= 1e-6 * invFreq[i], `θ_${i} ${r.cells[theta]} vs ${invFreq[i]}`);
            assert.ok(Math.abs((r.cells[theta + 1] as number) - p * invFreq[i]) <= 1e-5 * Math.max(1, p * invFreq[i]), `angle of pair ${i}`);
          });
        }
      }
      if (f.facts.rope!.rotaryDim < hd) assert.match(buildStep(stepAt(layerStep(0, 'rope', plan), 2, plan), await f.input(0, 0))!.note!, /partial_rotary_factor/);
    });

    it('the key/value head a query head reads: shared by its group, the keys attention compared', async () => {
      const plan = stepPlan(f.facts);
      const { nHead: H, nKvHead: Hkv, headDim: hd } = f.config;
      if (Hkv === H) return assert.equal(layerStep(0, 'kvGroup', plan), -1, 'no group step without GQA');
      assert.deepEqual(plan.layer.filter((k) => k !== 'qkNorm'), LLAMA_LAYER);
      const p = f.ids.length - 1;
      const G = H / Hkv;
      const keysOf = async (h: number) => {
        const v = buildStep(stepAt(layerStep(1, 'kvGroup', plan), 2, plan), await f.input(1, p, h))!;
        const [grid] = blocks(v, 'grid') as GridBlock[];
        assert.deepEqual(grid.rows.map((r) => r.selected === true), Array.from({ length: Hkv }, (_, g) => g === Math.floor(h / G)), `head ${h}'s group`);
        assert.match(v.note!, new RegExp(`${Math.floor(h / G) * G}–${Math.floor(h / G) * G + G - 1}`));
        return (blocks(v, 'strips') as StripsBlock[])[0].rows.map((r) => Array.from(r.values));
      };
      for (let h = 0; h < H; h++) {
        const keys = await keysOf(h);
        const inp = await f.input(1, p, h);
        // the keys shown are the ones this head's scores used: q · k_j = the raw score
        const q = inp.capture!.q.subarray(h * hd, (h + 1) * hd);
        keys.forEach((k, j) => {
          const dot = k.reduce((s, x, i) => s + x * q[i], 0);
          assert.ok(Math.abs(dot - inp.capture!.rawScores[h * f.ids.length + j]) < 1e-4, `q·k_${j} of head ${h}`);
        });
        if (h % G !== 0) assert.deepEqual(keys, await keysOf(h - (h % G)), `head ${h} shares its group's keys`);
      }
    });

    it('SwiGLU: product = silu(gate) · up, silu(g) = g · σ(g)', async () => {
      const plan = stepPlan(f.facts);
      const [gate, silu, up, product, down] = vectors(buildStep(stepAt(layerStep(1, 'swiglu', plan), 2, plan), await f.input(1, f.ids.length - 1))!);
      assertClose(silu.values, Array.from(gate.values, (g) => g / (1 + Math.exp(-g))), TOL.residual, 'silu(gate)');
      assertClose(product.values, Array.from(silu.values, (s, i) => s * up.values[i]), TOL.residual, 'silu(gate) · up');
      assertClose(down.values, project(product.values, f, 'model.layers.1.mlp.down_proj', 0, f.config.nEmbd), TOL.logits, 'down_proj');
    });

    it('the final RMSNorm and the head give the logits row; the logit lens reads every layer through that norm', async () => {
      const plan = stepPlan(f.facts);
      const { nEmbd: d, vocabSize: V, layerNormEps: eps } = f.config;
      const p = f.ids.length - 1;
      const inp = await f.input(1, p);
      const v = buildStep(stepAt(stepCount(2, plan) - 2, 2, plan), inp)!;
      assert.equal(v.ref.kind, 'finalRmsNorm');
      const [xL, w, out] = vectors(v);
      assertClose(w.values, f.weights.get('model.norm.weight')!.data, 0, 'model.norm weight');
      assertClose(out.values, rmsNorm(xL.values, w.values, eps).y, TOL.residual, 'RMSNorm(x_L)');
      const head = (f.weights.get('lm_head.weight') ?? f.weights.get('model.embed_tokens.weight')!).data; // [V, d]
      assert.equal(f.facts.tiedHead, !f.weights.has('lm_head.weight'));
      const logitsOf = (x: ArrayLike<number>): Float64Array => Float64Array.from({ length: V }, (_, t) => Array.from(x).reduce((s, xi, j) => s + xi * head[t * d + j], 0));
      assertClose(logitsOf(out.values), f.logits.subarray(p * V, (p + 1) * V), TOL.logits, 'RMSNorm(x_L) · headᵀ = logits');
      // The logit lens (model.unembed, as the session calls it) on layer 0's output: RMSNorm, then the head.
      const r = await f.model.forward(f.ids, { attentions: false, residuals: true });
      const x1 = r.residuals![1]; // after block 0 [T × d]
      const lens = await f.model.unembed(x1, f.ids.length); // [T × V]
      const row = x1.subarray(p * d, (p + 1) * d);
      assertClose(lens.subarray(p * V, (p + 1) * V), logitsOf(rmsNorm(row, w.values, eps).y), TOL.logits, 'lens = RMSNorm(x) · headᵀ');
      const unnormed = logitsOf(row);
      assert.ok(unnormed.some((x, i) => Math.abs(x - lens[p * V + i]) > 1e-3), 'and not the head on the raw stream');
    });

    if (name === 'qwen3-qknorm-bf16-fullctx') {
      it('Qwen3 q/k norm: q and k after = RMSNorm over the head with q_norm / k_norm, before RoPE', async () => {
        const plan = stepPlan(f.facts);
        assert.deepEqual(plan.layer.slice(0, 5), ['rmsNorm1', 'qkv', 'qkNorm', 'rope', 'kvGroup']);
        const inp = await f.input(1, 5, 3);
        const [q, wq, qn, k, wk, kn] = vectors(buildStep(stepAt(layerStep(1, 'qkNorm', plan), 2, plan), inp)!);
        assertClose(wq.values, f.weights.get('model.layers.1.self_attn.q_norm.weight')!.data, 0, 'q_norm weight');
        assertClose(qn.values, rmsNorm(q.values, wq.values, f.config.layerNormEps).y, TOL.residual, 'q_norm(q)');
        assertClose(kn.values, rmsNorm(k.values, wk.values, f.config.layerNormEps).y, TOL.residual, 'k_norm(k)');
        const [ropeIn] = vectors(buildStep(stepAt(layerStep(1, 'rope', plan), 2, plan), inp)!);
        assert.deepEqual(Array.from(ropeIn.values), Array.from(qn.values), 'RoPE rotates the normed q');
      });
    }

    if (name === 'mistral-sliding-mqa-f32') {
      it('the mask step shows the sliding window, and keys past it are masked', async () => {
        const plan = stepPlan(f.facts);
        const W = f.facts.slidingWindow!.size;
        const p = f.ids.length - 1;
        const v = buildStep(stepAt(layerStep(0, 'mask', plan), 2, plan), await f.input(0, p))!;
        assert.match(v.formula, new RegExp(`i − j < ${W}`));
        assert.ok(v.note?.includes(String(W)));
        const [t] = blocks(v, 'table');
        for (const r of t.rows) r.values.forEach((x, j) => assert.equal(x === -Infinity, j > p || p - j >= W, `key ${j}`));
      });
    }
  });
}
