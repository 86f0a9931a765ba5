// GPTModel on seeded random weights: shapes, attention invariants, KV-cache decoding against the
// full forward pass, the capture reassembled by hand from its own pieces, the logit lens, errors.
import * as assert from 'assert';
import { initBackend } from '../../src/engine/backend';
import { EngineError } from '../../src/engine/errors';
import { GPTModel } from '../../src/engine/model';
import type { ForwardResult, GPTConfig, WeightMap } from '../../src/engine/types';
import { assertClose, rowOf, TOL } from '../helpers/numeric';
import { randomIds, randomWeights, tinyConfig } from '../helpers/randomModel';

function rejectsWith(p: Promise<unknown>, code: string, text?: RegExp): Promise<void> {
  return assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof EngineError, `expected an EngineError, got ${String(e)}`);
    assert.strictEqual(e.code, code, e.message);
    if (text) assert.match(e.message, text);
    return true;
  });
}

/** x [n] @ W [n, m] + b [m], in float64. */
function affine(x: Float32Array, w: WeightMap, name: string): Float64Array {
  const W = w.get(`${name}.weight`)!;
  const b = w.get(`${name}.bias`)!.data;
  const [n, m] = W.shape;
  const out = Float64Array.from(b);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) out[j] += x[i] * W.data[i * m + j];
  return out;
}

function layerNormJs(x: ArrayLike<number>, w: WeightMap, name: string, eps: number): Float64Array {
  const n = x.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i] / n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (x[i] - mean) ** 2 / n;
  const g = w.get(`${name}.weight`)!.data;
  const b = w.get(`${name}.bias`)!.data;
  return Float64Array.from({ length: n }, (_, i) => ((x[i] - mean) / Math.sqrt(v + eps)) * g[i] + b[i]);
}

const geluNew = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

describe('GPTModel (random weights)', function () {
  const config: GPTConfig = tinyConfig();
  const { vocabSize: V, nLayer: L, nHead: H, nEmbd: d, nPositions: P } = config;
  const hd = d / H;
  let weights: WeightMap;
  let model: GPTModel;
  const T = 12;
  const ids = randomIds(T, V);
  let full: ForwardResult;

  before(async function () {
    await initBackend();
    weights = randomWeights(config, 3);
    model = GPTModel.create(config, weights);
    full = await model.forward(ids, { attentions: true, residuals: true });
  });
  after(() => model?.dispose());

  it('returns logits [T×V], L attention maps [H×T×T] and L+1 residual streams [T×d]', function () {
    assert.strictEqual(full.T, T);
    assert.strictEqual(full.logits.length, T * V);
    assert.strictEqual(full.attentions?.length, L);
    for (const a of full.attentions!) assert.strictEqual(a.length, H * T * T);
    assert.strictEqual(full.residuals?.length, L + 1);
    for (const r of full.residuals!) assert.strictEqual(r.length, T * d);
    let expected = 0;
    for (const w of weights.values()) expected += w.data.length;
    assert.strictEqual(model.numParams, expected);
  });

  it('leaves attentions and residuals out when not asked', async function () {
    const r = await model.forward(ids, { attentions: false });
    assert.strictEqual(r.attentions, undefined);
    assert.strictEqual(r.residuals, undefined);
    assertClose(r.logits, full.logits, 0, 'logits');
  });

  it('attention rows sum to 1 and are exactly 0 above the diagonal', function () {
    for (let l = 0; l < L; l++) {
      const a = full.attentions![l];
      for (let h = 0; h < H; h++) {
        for (let i = 0; i < T; i++) {
          const row = a.subarray((h * T + i) * T, (h * T + i + 1) * T);
          const sum = row.reduce((s, x) => s + x, 0);
          assert.ok(Math.abs(sum - 1) <= TOL.probSum, `layer ${l} head ${h} row ${i} sums to ${sum}`);
          for (let j = i + 1; j < T; j++) assert.strictEqual(row[j], 0, `layer ${l} head ${h} [${i}, ${j}]`);
          for (let j = 0; j <= i; j++) assert.ok(row[j] > 0, `layer ${l} head ${h} [${i}, ${j}] should be > 0`);
        }
      }
    }
  });

  it('is causal: logits at a position do not depend on later tokens', async function () {
    const changed = ids.slice();
    changed[T - 1] = (changed[T - 1] + 1) % V;
    const r = await model.forward(changed, { attentions: false });
    assertClose(r.logits.subarray(0, (T - 1) * V), full.logits.subarray(0, (T - 1) * V), 1e-5, 'logits', [T - 1, V]);
    assert.notDeepStrictEqual(r.logits.subarray((T - 1) * V), full.logits.subarray((T - 1) * V));
  });

  it('KV-cache decoding token by token matches the full forward pass', async function () {
    const cache = model.newCache();
    try {
      for (let t = 0; t < T; t++) {
        const logits = await model.step(cache, [ids[t]]);
        assertClose(logits, rowOf(full.logits, V, t), TOL.logits, `step ${t} logits`);
      }
      assert.strictEqual(cache.length, T);
    } finally {
      cache.dispose();
    }
  });

  it('KV-cache decoding after a multi-token prefill and in chunks matches the full forward pass', async function () {
    const cache = model.newCache();
    try {
      let logits = await model.step(cache, ids.slice(0, 5));
      assertClose(logits, rowOf(full.logits, V, 4), TOL.logits, 'prefill logits');
      logits = await model.step(cache, ids.slice(5, 8)); // masked chunk at pos0 = 5
      assertClose(logits, rowOf(full.logits, V, 7), TOL.logits, 'chunk logits');
      for (let t = 8; t < T; t++) {
        logits = await model.step(cache, [ids[t]]);
        assertClose(logits, rowOf(full.logits, V, t), TOL.logits, `step ${t} logits`);
      }
    } finally {
      cache.dispose();
    }
  });

  it('unembed(residuals[L]) equals the final logits (the logit lens at the last layer)', async function () {
    const lens = await model.unembed(full.residuals![L], T);
    assertClose(lens, full.logits, TOL.logits, 'unembed', [T, V]);
  });

  for (const [layer, position] of [[1, 5], [0, 0], [L - 1, T - 1]] as const) {
    it(`capture at layer ${layer}, position ${position} reassembles the block from its own pieces`, async function () {
      const r = await model.forward(ids, { attentions: true, capture: { layer, position } });
      const c = r.capture!;
      const p = position;
      const pre = `h.${layer}`;
      assert.strictEqual(c.layer, layer);
      assert.strictEqual(c.position, p);
      assert.strictEqual(c.headDim, hd);
      // A capture runs the blocks on tensors, a plain forward on arrays (arrayLayers.ts): the same formulas, summed in another order.
      assertClose(r.logits, full.logits, TOL.logits, 'logits with capture');

      // Embeddings: wte[id] + wpe[t] = residuals[0].
      const wte = weights.get('wte.weight')!.data;
      const wpe = weights.get('wpe.weight')!.data;
      for (let t = 0; t < T; t++) {
        assertClose(rowOf(r.tokenEmbeddings!, d, t), rowOf(wte, d, ids[t]), 0, `tokenEmbeddings[${t}]`);
        assertClose(rowOf(r.positionEmbeddings!, d, t), rowOf(wpe, d, t), 0, `positionEmbeddings[${t}]`);
        const sum = rowOf(r.tokenEmbeddings!, d, t).map((x, i) => x + r.positionEmbeddings![t * d + i]);
        assertClose(sum, rowOf(full.residuals![0], d, t), TOL.residual, `embedding sum[${t}]`);
      }

      assert.strictEqual(c.ln1.length, (p + 1) * d);
      assert.strictEqual(c.k.length, H * (p + 1) * hd);
      assertClose(c.residualIn, rowOf(full.residuals![layer], d, p), TOL.residual, 'residualIn');
      assertClose(rowOf(c.ln1, d, p), layerNormJs(c.residualIn, weights, `${pre}.ln_1`, config.layerNormEps), TOL.residual, 'ln1');

      // q, k, v from ln1 through c_attn.
      const qkvLast = affine(rowOf(c.ln1, d, p), weights, `${pre}.attn.c_attn`);
      for (let h = 0; h < H; h++) {
        assertClose(c.q.subarray(h * hd, (h + 1) * hd), qkvLast.subarray(h * hd, (h + 1) * hd), TOL.residual, `q head ${h}`);
      }
      for (let j = 0; j <= p; j++) {
        const qkv = affine(rowOf(c.ln1, d, j), weights, `${pre}.attn.c_attn`);
        for (let h = 0; h < H; h++) {
          const at = (h * (p + 1) + j) * hd;
          assertClose(c.k.subarray(at, at + hd), qkv.subarray(d + h * hd, d + (h + 1) * hd), TOL.residual, `k head ${h} key ${j}`);
          assertClose(c.v.subarray(at, at + hd), qkv.subarray(2 * d + h * hd, 2 * d + (h + 1) * hd), TOL.residual, `v head ${h} key ${j}`);
        }
      }

      // The attention formula, step by step, per head.
      const scale = Math.sqrt(hd);
      for (let h = 0; h < H; h++) {
        const q = c.q.subarray(h * hd, (h + 1) * hd);
        const row = (a: Float32Array) => a.subarray(h * T, (h + 1) * T);
        const raw = row(c.rawScores);
        const scaled = row(c.scaledScores);
        const masked = row(c.maskedScores);
        const w = row(c.weights);
        let sum = 0;
        const out = new Float64Array(hd);
        for (let j = 0; j < T; j++) {
          // 1e-6 relative: float32 resolves |x| ≈ 16 only to ~1e-6, whichever GEMM produced raw.
          assertClose([scaled[j]], [raw[j] / scale], 1e-6 * Math.max(1, Math.abs(raw[j] / scale)), `scaled head ${h} key ${j}`);
          if (j > p) {
            assert.strictEqual(masked[j], -Infinity, `masked head ${h} key ${j}`);
            assert.strictEqual(w[j], 0, `weights head ${h} key ${j}`);
            continue;
          }
          const k = c.k.subarray((h * (p + 1) + j) * hd, (h * (p + 1) + j + 1) * hd);
          const v = c.v.subarray((h * (p + 1) + j) * hd, (h * (p + 1) + j + 1) * hd);
          const dot = q.reduce((s, x, i) => s + x * k[i], 0);
          assertClose([raw[j]], [dot], TOL.residual, `rawScores head ${h} key ${j}`);
          assert.strictEqual(masked[j], scaled[j]);
          sum += w[j];
          for (let i = 0; i < hd; i++) out[i] += w[j] * v[i];
        }
        assert.ok(Math.abs(sum - 1) <= TOL.probSum, `weights head ${h} sum to ${sum}`);
        const max = Math.max(...masked.subarray(0, p + 1));
        const z = masked.subarray(0, p + 1).reduce((s, x) => s + Math.exp(x - max), 0);
        for (let j = 0; j <= p; j++) assertClose([w[j]], [Math.exp(masked[j] - max) / z], TOL.probSum, `softmax head ${h} key ${j}`);
        assertClose(c.headOutputs.subarray(h * hd, (h + 1) * hd), out, TOL.residual, `headOutputs head ${h}`);
        // Same numbers as the attention map of the same pass.
        const map = r.attentions![layer];
        assertClose(w, map.subarray((h * T + p) * T, (h * T + p + 1) * T), 0, `weights vs attentions[${layer}] head ${h}`);
      }

      // Heads concatenated, c_proj, residual, ln_2, MLP, residual.
      assertClose(c.concat, c.headOutputs, 0, 'concat');
      const attnOut = affine(c.concat, weights, `${pre}.attn.c_proj`);
      assertClose(c.attnOut, attnOut, TOL.residual, 'attnOut');
      assertClose(c.residualMid, attnOut.map((x, i) => x + c.residualIn[i]), TOL.residual, 'residualIn + concat·c_proj');
      assertClose(c.ln2, layerNormJs(c.residualMid, weights, `${pre}.ln_2`, config.layerNormEps), TOL.residual, 'ln2');
      assertClose(c.ffnPre, affine(c.ln2, weights, `${pre}.mlp.c_fc`), TOL.residual, 'ffnPre');
      assertClose(c.ffnAct, c.ffnPre.map(geluNew), TOL.residual, 'ffnAct');
      assertClose(c.ffnOut, affine(c.ffnAct, weights, `${pre}.mlp.c_proj`), TOL.residual, 'ffnOut');
      assertClose(c.residualOut, c.residualMid.map((x, i) => x + c.ffnOut[i]), TOL.residual, 'residualMid + ffnOut');
      assertClose(c.residualOut, rowOf(full.residuals![layer + 1], d, p), TOL.residual, 'residualOut vs residuals[layer+1]');
    });
  }

  describe('errors', function () {
    it('T > nPositions → CONTEXT_TOO_LONG naming the limit', async function () {
      await rejectsWith(model.forward(randomIds(P + 1, V)), 'CONTEXT_TOO_LONG', new RegExp(`\\b${P}\\b`));
      const full = await model.forward(randomIds(P, V), { attentions: false });
      assert.strictEqual(full.T, P);
    });

    it('stepping past the context → CONTEXT_TOO_LONG, and the cache is unchanged', async function () {
      const cache = model.newCache();
      try {
        await model.step(cache, randomIds(P - 2, V));
        await rejectsWith(model.step(cache, [1, 2, 3]), 'CONTEXT_TOO_LONG', new RegExp(`\\b${P}\\b`));
        assert.strictEqual(cache.length, P - 2);
        await model.step(cache, [1, 2]);
        assert.strictEqual(cache.length, P);
      } finally {
        cache.dispose();
      }
    });

    it('bad ids → BAD_ARGUMENT naming the vocabulary size', async function () {
      for (const bad of [[V], [-1], [1.5], [Number.NaN]]) {
        await rejectsWith(model.forward([0, ...bad]), 'BAD_ARGUMENT', new RegExp(`${V}`));
      }
      await rejectsWith(model.forward([]), 'BAD_ARGUMENT');
      const cache = model.newCache();
      try {
        await rejectsWith(model.step(cache, [V + 3]), 'BAD_ARGUMENT');
      } finally {
        cache.dispose();
      }
    });

    it('capture outside the layers or positions → BAD_ARGUMENT', async function () {
      await rejectsWith(model.forward([1, 2, 3], { capture: { layer: L, position: 0 } }), 'BAD_ARGUMENT');
      await rejectsWith(model.forward([1, 2, 3], { capture: { layer: 0, position: 3 } }), 'BAD_ARGUMENT');
    });

    it('a missing or misshaped weight → BAD_WEIGHTS naming the key', function () {
      const missing = new Map(weights);
      missing.delete('h.1.mlp.c_fc.bias');
      assert.throws(() => GPTModel.create(config, missing), (e: unknown) =>
        e instanceof EngineError && e.code === 'BAD_WEIGHTS' && e.message.includes('h.1.mlp.c_fc.bias'));
      const wrong = new Map(weights);
      wrong.set('h.0.attn.c_attn.weight', { shape: [3 * d, d], data: new Float32Array(3 * d * d) });
      assert.throws(() => GPTModel.create(config, wrong), (e: unknown) =>
        e instanceof EngineError && e.code === 'BAD_WEIGHTS' && e.message.includes('h.0.attn.c_attn.weight'));
    });
  });
});
