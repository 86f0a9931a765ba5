// The Layer Stepper's step model against the real engine (tiny-model, in process): every number a
// step shows is the engine's own capture, the pieces shown reassemble the block's output, weight
// rows sum to 1, the read-out and the logit lens agree with the final logits.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadCheckpoint } from '../../src/engine/checkpoint';
import { EngineSession } from '../../src/engine/session';
import type { AnalysisSummary, CaptureSlice } from '../../src/shared/sessionTypes';
import type { WeightMap } from '../../src/engine/types';
import { STEPPER_TEXT } from '../../src/shared/explanations';
import { STEPPER_HOST_ACCEPT, StepperMessageType as M, parseStepperFromWebview, parseStepperToWebview } from '../../src/shared/stepperProtocol';
import { modelFacts } from '../../src/host/modelFacts';
import { StepperRun } from '../../src/views/stepperRun';
import {
  EMBED_STEPS,
  LAYER_STEPS,
  OUTPUT_STEPS,
  buildStep,
  layerStart,
  moveLayer,
  stepAt,
  stepCount,
  stepNeeds,
  type StepInput,
  type StepView,
  type StripsBlock,
  type TableBlock,
  type VectorBlock,
} from '../../webview/stepper/steps';
import { TOL, firstMismatch } from '../helpers/numeric';

const TINY = join(__dirname, '..', 'fixtures', 'tiny-model');
const TEXT = 'The progress of public credit is witnessed by a considerable rise.';

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, what: string): void {
  const m = firstMismatch(actual, expected, atol);
  assert.equal(m, undefined, m && `${what}${m.path}: ${m.actual} vs ${m.expected} (atol ${atol})`);
}

/** x @ W + b with W [in, out] (Conv1D layout), in float64. */
function affine(x: ArrayLike<number>, w: WeightMap, prefix: string): Float64Array {
  const W = w.get(`${prefix}.weight`)!;
  const b = w.get(`${prefix}.bias`)!.data;
  const [nIn, nOut] = W.shape;
  const out = Float64Array.from(b);
  for (let i = 0; i < nIn; i++) for (let j = 0; j < nOut; j++) out[j] += x[i] * W.data[i * nOut + j];
  return out;
}

const blocks = <K extends StepView['blocks'][number]['kind']>(v: StepView, kind: K) =>
  v.blocks.filter((b) => b.kind === kind) as Extract<StepView['blocks'][number], { kind: K }>[];

describe('Layer Stepper: step order and navigation', () => {
  it('has the embedding, 12 steps per layer, then the output', () => {
    assert.equal(stepCount(3), 4 + 36 + 2);
    assert.deepEqual(stepAt(0, 3), { index: 0, kind: 'tokens', stage: 'embedding', layer: 0 });
    assert.deepEqual(stepAt(layerStart(1), 3), { index: 16, kind: 'ln1', stage: 'layer', layer: 1 });
    assert.deepEqual(stepAt(layerStart(2) + 5, 3), { index: 33, kind: 'softmax', stage: 'layer', layer: 2 });
    assert.deepEqual(stepAt(41, 3), { index: 41, kind: 'softmaxOut', stage: 'output', layer: 2 });
    assert.equal(stepAt(99, 3).index, 41, 'clamped at the end');
    assert.equal(stepAt(-4, 3).index, 0, 'clamped at the start');
    const kinds = Array.from({ length: stepCount(2) }, (_, i) => stepAt(i, 2).kind);
    assert.deepEqual(kinds, [...EMBED_STEPS, ...LAYER_STEPS, ...LAYER_STEPS, ...OUTPUT_STEPS]);
  });

  it('PageUp/PageDown keep the step within the layer and stop at the ends', () => {
    const mask1 = layerStart(1) + LAYER_STEPS.indexOf('mask');
    assert.equal(stepAt(moveLayer(mask1, +1, 3), 3).kind, 'mask');
    assert.equal(stepAt(moveLayer(mask1, +1, 3), 3).layer, 2);
    assert.equal(stepAt(moveLayer(mask1, -1, 3), 3).layer, 0);
    assert.equal(moveLayer(layerStart(0) + 3, -1, 3), 0, 'above layer 0: the embedding');
    assert.equal(stepAt(moveLayer(layerStart(2) + 3, +1, 3), 3).stage, 'output', 'below the last layer: the output');
    assert.equal(moveLayer(2, +1, 3), layerStart(0));
    assert.equal(moveLayer(stepCount(3) - 1, -1, 3), layerStart(2));
  });

  it('asks for the capture of the step’s own layer, and the read-out at the end', () => {
    assert.deepEqual(stepNeeds(stepAt(0, 2)), {});
    assert.deepEqual(stepNeeds(stepAt(2, 2)), { capture: 0 });
    assert.deepEqual(stepNeeds(stepAt(layerStart(1) + 4, 2)), { capture: 1 });
    assert.deepEqual(stepNeeds(stepAt(stepCount(2) - 2, 2)), { capture: 1, readout: true });
    assert.deepEqual(stepNeeds(stepAt(stepCount(2) - 1, 2)), { readout: true });
  });
});

describe('Layer Stepper: the numbers are the engine’s (tiny-model)', () => {
  let s: EngineSession;
  let a: AnalysisSummary;
  let weights: WeightMap;
  let run: StepperRun;
  let input: (layer: number, position: number, head?: number) => Promise<StepInput>;
  const captures = new Map<string, CaptureSlice>();

  before(async () => {
    s = await EngineSession.load(TINY);
    weights = loadCheckpoint(TINY).weights;
    a = await s.analyze(TEXT, { topK: 10 });
    const engine = {
      capture: (r: number, l: number, p: number) => s.capture(r, l, p),
      logits: async (r: number) => s.logits(r),
      logitLens: (r: number, k?: number) => s.logitLens(r, k),
    };
    run = new StepperRun(engine, a.runId, a.tokens, { uri: 'file:///x.txt', base: 0, length: TEXT.length, label: 'x.txt:1' }, s.info.vocabSize, a.predictions);
    input = async (layer, position, head = 0) => {
      const key = `${layer}:${position}`;
      if (!captures.has(key)) captures.set(key, await run.capture(layer, position));
      const c = captures.get(key)!;
      return {
        model: modelFacts(s.info),
        tokens: run.toMessage().tokens,
        position,
        head,
        capture: c.capture,
        tokenEmbedding: c.tokenEmbedding,
        positionEmbedding: c.positionEmbedding,
        finalLn: c.finalLn,
        readout: await run.readout(position),
        strings: { ...STEPPER_TEXT },
      };
    };
  });
  after(() => s?.dispose());

  it('every step of every layer builds, with a formula, a shape, an explanation and values', async () => {
    const { nLayer } = s.info.config;
    for (const p of [0, 5, a.T - 1]) {
      for (let i = 0; i < stepCount(nLayer); i++) {
        const ref = stepAt(i, nLayer);
        const v = buildStep(ref, await input(ref.layer, p));
        assert.ok(v, `step ${i} (${ref.kind}) at position ${p}`);
        assert.ok(v.formula && v.shape && v.title && v.explanation.length > 40, `${ref.kind} has text`);
        assert.ok(v.blocks.length > 0, `${ref.kind} shows values`);
        assert.equal(v.highlight.query, p);
      }
    }
  });

  it('a step waits (undefined) until its capture or read-out has arrived', async () => {
    const inp = await input(0, 3);
    assert.equal(buildStep(stepAt(layerStart(0), 2), { ...inp, capture: undefined }), undefined);
    assert.equal(buildStep(stepAt(stepCount(2) - 1, 2), { ...inp, readout: undefined }), undefined);
    assert.ok(buildStep(stepAt(0, 2), { ...inp, capture: undefined, readout: undefined }), 'the token list needs nothing');
  });

  it('the weight rows shown are the capture’s and the analysis’ attention rows, and each sums to 1', async () => {
    const { nLayer, nHead: H } = s.info.config;
    const T = a.T;
    for (let layer = 0; layer < nLayer; layer++) {
      for (const p of [0, 7, T - 1]) {
        const inp = await input(layer, p);
        const v = buildStep(stepAt(layerStart(layer) + LAYER_STEPS.indexOf('softmax'), nLayer), inp)!;
        const [t] = blocks(v, 'table') as TableBlock[];
        assert.equal(t.name, 'weights');
        assert.equal(t.rows.length, H);
        assert.equal(t.columns.filter((c) => !c.masked).length, p + 1, 'columns: every key up to the query');
        for (const row of t.rows) {
          const full = s.attention(a.runId, layer, row.head).subarray(p * T, (p + 1) * T);
          assertClose(row.values, full.subarray(0, row.values.length), 0, `weights L${layer} H${row.head} q${p}`);
          assert.ok(Math.abs(row.sum! - 1) <= TOL.probSum, `row sums to ${row.sum}`);
          row.values.forEach((w, j) => {
            if (j > p) assert.equal(w, 0, 'masked keys get weight 0');
          });
        }
        const masked = buildStep(stepAt(layerStart(layer) + LAYER_STEPS.indexOf('mask'), nLayer), inp)!;
        const [m] = blocks(masked, 'table') as TableBlock[];
        for (const row of m.rows) row.values.forEach((x, j) => assert.equal(x === -Infinity, j > p, `mask at key ${j}`));
      }
    }
  });

  it('heads shown, concatenated and projected, plus the residual, reproduce the block’s output within 1e-5', async () => {
    const { nLayer, nEmbd: d, nHead: H } = s.info.config;
    const hd = d / H;
    const at = (layer: number, kind: (typeof LAYER_STEPS)[number]) => layerStart(layer) + LAYER_STEPS.indexOf(kind);
    for (let layer = 0; layer < nLayer; layer++) {
      for (const p of [2, a.T - 1]) {
        const inp = await input(layer, p);
        const heads = (blocks(buildStep(stepAt(at(layer, 'weightedSum'), nLayer), inp)!, 'strips') as StripsBlock[])[0];
        assert.equal(heads.rows.length, H);
        const concat = new Float64Array(d);
        heads.rows.forEach((r, h) => concat.set(Array.from(r.values), h * hd));
        const proj = blocks(buildStep(stepAt(at(layer, 'projection'), nLayer), inp)!, 'vector') as VectorBlock[];
        assertClose(proj[0].values, concat, 0, 'the concat shown is the heads shown');
        const attnOut = affine(concat, weights, `h.${layer}.attn.c_proj`);
        assertClose(proj[1].values, attnOut, TOL.residual, 'attention output = concat · c_proj');
        const [resIn, , resMid] = blocks(buildStep(stepAt(at(layer, 'residual1'), nLayer), inp)!, 'vector') as VectorBlock[];
        assertClose(resMid.values, attnOut.map((x, i) => x + resIn.values[i]), TOL.residual, 'x + attn');
        const [mid, ffn, out] = blocks(buildStep(stepAt(at(layer, 'residual2'), nLayer), inp)!, 'vector') as VectorBlock[];
        assertClose(mid.values, resMid.values, 0, 'the stream carried between the two residual steps');
        assertClose(out.values, Array.from(mid.values, (x, i) => x + ffn.values[i]), TOL.residual, 'block output');
        if (layer + 1 < nLayer) {
          const next = buildStep(stepAt(at(layer + 1, 'ln1'), nLayer), await input(layer + 1, p))!;
          assertClose((blocks(next, 'vector') as VectorBlock[])[0].values, out.values, TOL.residual, 'next layer input');
        }
      }
    }
  });

  it('q, k, v shown for a head are that head’s slices; the context tokens are highlighted', async () => {
    const { nEmbd: d, nHead: H } = s.info.config;
    const hd = d / H;
    const p = 6;
    const inp = await input(1, p, 1);
    const v = buildStep(stepAt(layerStart(1) + 1, 2), inp)!;
    const [q] = blocks(v, 'vector') as VectorBlock[];
    const [k, val] = blocks(v, 'strips') as StripsBlock[];
    assertClose(q.values, inp.capture!.q.subarray(hd, 2 * hd), 0, 'q head 1');
    assert.equal(k.rows.length, p + 1);
    assertClose(k.rows[3].values, inp.capture!.k.subarray((1 * (p + 1) + 3) * hd, (1 * (p + 1) + 4) * hd), 0, 'k head 1 key 3');
    assertClose(val.rows[p].values, inp.capture!.v.subarray((1 * (p + 1) + p) * hd, (1 * (p + 1) + p + 1) * hd), 0, 'v head 1 key p');
    assert.deepEqual(v.highlight, { query: p, context: [0, 1, 2, 3, 4, 5] });
    const ln = buildStep(stepAt(layerStart(1), 2), inp)!;
    assert.deepEqual(ln.highlight, { query: p, context: [] });
  });

  it('the embedding steps show wte[id] and wpe[p], and their sum is layer 0’s input', async () => {
    const p = 4;
    const inp = await input(0, p);
    const wte = weights.get('wte.weight')!.data;
    const wpe = weights.get('wpe.weight')!.data;
    const d = s.info.config.nEmbd;
    const id = a.tokens[p].id;
    const [tok] = blocks(buildStep(stepAt(1, 2), inp)!, 'vector') as VectorBlock[];
    const [pos] = blocks(buildStep(stepAt(2, 2), inp)!, 'vector') as VectorBlock[];
    assertClose(tok.values, wte.subarray(id * d, (id + 1) * d), 0, 'wte row');
    assertClose(pos.values, wpe.subarray(p * d, (p + 1) * d), 0, 'wpe row');
    const [, , sum] = blocks(buildStep(stepAt(3, 2), inp)!, 'vector') as VectorBlock[];
    assertClose(sum.values, Array.from(tok.values, (x, i) => x + pos.values[i]), TOL.residual, 'x0');
    const tokens = blocks(buildStep(stepAt(0, 2), inp)!, 'tokens')[0];
    assert.deepEqual(tokens.rows.map((r) => r.id), a.tokens.map((t) => t.id));
  });

  it('the read-out lists the final logits’ top tokens with softmax probabilities', async () => {
    const V = s.info.vocabSize;
    const logits = s.logits(a.runId);
    for (const p of [0, a.T - 1]) {
      const r = await run.readout(p);
      const row = Array.from(logits.subarray(p * V, (p + 1) * V));
      const best = row.indexOf(Math.max(...row));
      assert.equal(r.ids[0], best, 'the predicted token is the argmax of the logits');
      r.ids.forEach((id, i) => {
        assert.equal(r.logits[i], row[id]);
        assert.ok(Math.abs(Math.exp(r.logits[i] - r.logSumExp) - r.probs[i]) < 1e-6, 'prob = exp(logit − log Σ exp)');
      });
      const v = buildStep(stepAt(stepCount(2) - 1, 2), await input(1, p))!;
      assert.match(v.note!, new RegExp(r.probs[0].toFixed(4)));
    }
  });

  it('the final layer norm step shows ln_f(x_L), and ln_f(x_L) · wteᵀ is the logits row (the unembedding)', async () => {
    const { nLayer, nEmbd: d, vocabSize: V } = s.info.config;
    const logits = s.logits(a.runId); // [T × V]
    const wte = weights.get('wte.weight')!.data; // [V × d]
    for (const p of [0, 6, a.T - 1]) {
      const inp = await input(nLayer - 1, p);
      const v = buildStep(stepAt(stepCount(nLayer) - 2, nLayer), inp)!;
      assert.equal(v.ref.kind, 'finalLn');
      const [xL, lnF] = blocks(v, 'vector') as VectorBlock[];
      assert.equal(xL.values, inp.capture!.residualOut, 'x_L is the last block’s output');
      assert.equal(lnF.values, inp.finalLn, 'the vector shown is the engine’s ln_f output');
      assert.equal(lnF.values.length, d);
      const row = new Float64Array(V); // ln_f(x_L) · wteᵀ in float64
      for (let i = 0; i < V; i++) for (let j = 0; j < d; j++) row[i] += lnF.values[j] * wte[i * d + j];
      assertClose(row, logits.subarray(p * V, (p + 1) * V), TOL.logits, `lnF · wteᵀ at position ${p}`);
    }
    // Captured at any layer, finalLn is the same vector (it is read after the last block).
    const early = await s.capture(a.runId, 0, 6);
    assertClose(early.finalLn, (await input(nLayer - 1, 6)).finalLn!, 0, 'finalLn from a layer-0 capture');
  });

  it('the logit lens has L + 1 rows and its last row is the model’s real prediction', async () => {
    const lens = await run.logitLens();
    assert.equal(lens.length, s.info.config.nLayer + 1);
    for (const row of lens) assert.equal(row.length, a.T);
    for (let t = 0; t < a.T; t++) {
      const last = lens[lens.length - 1][t];
      assert.deepEqual(last.ids, a.predictions[t].ids.slice(0, last.ids.length), `position ${t}`);
      assertClose(last.probs, a.predictions[t].probs.slice(0, last.probs.length), 1e-5, `lens probs at ${t}`);
    }
  });

  it('describes the model with its own figures', () => {
    const f = modelFacts(s.info, '/somewhere/else');
    assert.equal(f.nLayer, 2);
    assert.equal(f.nHead, 2);
    assert.equal(f.nEmbd, 32);
    assert.equal(f.vocabSize, 557);
    assert.equal(f.contextLength, 128);
    assert.equal(f.numParams, s.info.numParams);
    assert.equal(f.bundled, false);
    assert.equal(modelFacts(s.info, s.info.dir + '/').bundled, true);
  });
});

describe('Layer Stepper protocol', () => {
  it('accepts well-formed messages from the webview and rejects the rest', () => {
    assert.ok(parseStepperFromWebview({ type: M.Ready }));
    const capture = STEPPER_HOST_ACCEPT.requests.capture;
    assert.deepEqual(capture({ runId: 2, layer: 0, position: 3, extra: true }), { runId: 2, layer: 0, position: 3 });
    assert.equal(capture({ runId: 2, layer: -1, position: 3 }), undefined);
    assert.equal(capture({ runId: 2, layer: 0.5, position: 3 }), undefined);
    assert.equal(STEPPER_HOST_ACCEPT.requests.readout({ runId: 2 }), undefined);
    assert.deepEqual(STEPPER_HOST_ACCEPT.requests.logitLens({ runId: 2 }), { runId: 2 });
    assert.ok(parseStepperFromWebview({ type: M.Highlight, runId: 1, query: -1, context: [] }));
    assert.equal(STEPPER_HOST_ACCEPT.events[M.Highlight]({ type: M.Ready }), undefined, 'a body of another type');
    assert.equal(parseStepperFromWebview({ type: M.Highlight, runId: 1, query: 0, context: ['x'] }), undefined);
    assert.equal(parseStepperFromWebview({ type: M.Init }), undefined, 'a to-webview type is not accepted from it');
    assert.equal(parseStepperFromWebview({ type: 'nope' }), undefined);
    assert.equal(parseStepperFromWebview(null), undefined);
    assert.equal(parseStepperToWebview({ type: M.Ready }), undefined);
    assert.ok(parseStepperToWebview({ type: M.Stale, runId: 1 }));
  });
});
