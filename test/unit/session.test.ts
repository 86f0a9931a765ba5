import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from '../../src/engine/errors';
import { EngineSession, MAX_RUNS } from '../../src/engine/session';
import type { AttentionSummary } from '../../src/shared/sessionTypes';

const TINY = join(__dirname, '..', 'fixtures', 'tiny-model');
const reference = JSON.parse(readFileSync(join(TINY, 'reference.json'), 'utf8')) as {
  tokenization: { text: string; ids: number[] }[];
  nextToken: { promptIds: number[]; topIds: number[]; topLogits: number[] };
  greedy: { promptIds: number[]; ids: number[]; maxNewTokens: number };
};
const TEXT = reference.tokenization[0].text;

/** Float tolerance for sums of float32 probabilities. */
const SUM_TOL = 1e-5;
/** Tolerance between our logits and PyTorch's (the reference), in logit units. */
const LOGIT_TOL = 1e-3;

async function rejectsWith(p: Promise<unknown> | (() => unknown), code: string, pattern?: RegExp): Promise<void> {
  await assert.rejects(
    async () => (typeof p === 'function' ? p() : p),
    (err: unknown) => {
      assert.ok(err instanceof EngineError, `expected an EngineError, got ${String(err)}`);
      assert.equal(err.code, code, err.message);
      if (pattern) assert.match(err.message, pattern);
      return true;
    },
  );
}

/** softmax(row) in float64. */
function softmax(logits: Float32Array, V: number, row: number): number[] {
  const r = Array.from(logits.subarray(row * V, (row + 1) * V));
  const max = Math.max(...r);
  const e = r.map((x) => Math.exp(x - max));
  const z = e.reduce((s, x) => s + x, 0);
  return e.map((x) => x / z);
}

describe('EngineSession (tiny-model)', () => {
  let s: EngineSession;
  before(async () => {
    s = await EngineSession.load(TINY);
  });
  after(() => s?.dispose());

  it('describes the model', () => {
    assert.equal(s.info.name, 'attention-lens-tiny');
    assert.equal(s.info.vocabSize, 557);
    assert.equal(s.info.contextLength, 128);
    assert.equal(s.info.eosTokenId, 556);
    assert.equal(s.info.config.nLayer, 2);
    assert.ok(s.info.numParams > 0);
    assert.equal(s.info.card, undefined); // the fixture has no README.md
  });

  it('tokens are the tokenizer’s, with offsets into the text', async () => {
    for (const { text, ids } of reference.tokenization) {
      const a = await s.analyze(text);
      assert.deepEqual(a.tokens, s.tokenizer.encode(text));
      assert.deepEqual(a.tokens.map((t) => t.id), ids);
      assert.equal(a.T, ids.length);
      assert.equal(a.totalTokens, ids.length);
      assert.equal(a.truncated, false);
      assert.equal(a.nLayer, 2);
      assert.equal(a.nHead, 2);
    }
  });

  it('predictions are sorted top-k of softmax and agree with the PyTorch reference', async () => {
    const a = await s.analyze(TEXT);
    const V = s.info.vocabSize;
    const logits = s.logits(a.runId);
    assert.equal(logits.length, a.T * V);
    assert.equal(a.predictions.length, a.T);
    for (let t = 0; t < a.T; t++) {
      const p = a.predictions[t];
      assert.equal(p.ids.length, 10);
      assert.equal(new Set(p.ids).size, 10);
      for (let i = 1; i < p.probs.length; i++) assert.ok(p.probs[i] <= p.probs[i - 1], `position ${t} not sorted`);
      assert.ok(p.probs.reduce((x, y) => x + y, 0) <= 1 + SUM_TOL);
      assert.deepEqual(p.texts, p.ids.map((id) => s.tokenizer.decode([id])));
      const ref = softmax(logits, V, t);
      p.ids.forEach((id, i) => assert.ok(Math.abs(ref[id] - p.probs[i]) < 1e-6));
      // Nothing outside the top-k beats the k-th.
      const kth = p.probs[p.probs.length - 1];
      assert.ok(ref.filter((q, id) => !p.ids.includes(id) && q > kth + 1e-9).length === 0);
    }
    // Same prompt as reference.nextToken: the last position's top 5 are PyTorch's top 5.
    assert.deepEqual(a.tokens.map((t) => t.id), reference.nextToken.promptIds);
    const last = a.predictions[a.T - 1];
    assert.deepEqual(last.ids.slice(0, 5), reference.nextToken.topIds);
    for (let i = 1; i < 5; i++) {
      const got = Math.log(last.probs[i] / last.probs[0]);
      const want = reference.nextToken.topLogits[i] - reference.nextToken.topLogits[0];
      assert.ok(Math.abs(got - want) < LOGIT_TOL, `top ${i}: log-ratio ${got} vs ${want}`);
    }
  });

  it('topK option changes how many predictions each position gets', async () => {
    const a = await s.analyze(TEXT, { topK: 3 });
    assert.ok(a.predictions.every((p) => p.ids.length === 3));
    await rejectsWith(s.analyze(TEXT, { topK: 0 }), 'BAD_ARGUMENT', /topK/);
  });

  it('surprisal = −log2 softmax(logits[t−1])[id_t], with its rank', async () => {
    const a = await s.analyze(reference.tokenization[1].text);
    const V = s.info.vocabSize;
    const logits = s.logits(a.runId);
    assert.ok(Number.isNaN(a.actual[0].prob) && Number.isNaN(a.actual[0].surprisal));
    for (let t = 1; t < a.T; t++) {
      const id = a.tokens[t].id;
      const p = softmax(logits, V, t - 1);
      assert.ok(Math.abs(a.actual[t].prob - p[id]) < 1e-6);
      assert.ok(Math.abs(a.actual[t].surprisal - -Math.log2(p[id])) < 1e-4, `position ${t}`);
      assert.equal(a.actual[t].rank, 1 + p.filter((q) => q > p[id]).length);
    }
  });

  it('attention slices: rows are causal distributions, head −1 is the mean, allAttentions is their stack', async () => {
    const a = await s.analyze(TEXT);
    const { T } = a;
    const all = s.allAttentions(a.runId);
    assert.equal(all.length, 2 * 2 * T * T);
    for (let l = 0; l < 2; l++) {
      const heads = [0, 1].map((h) => s.attention(a.runId, l, h));
      heads.forEach((w, h) => {
        assert.deepEqual(w, all.subarray(((l * 2 + h) * T) * T, ((l * 2 + h + 1) * T) * T));
        for (let i = 0; i < T; i++) {
          let sum = 0;
          for (let j = 0; j < T; j++) {
            if (j > i) assert.equal(w[i * T + j], 0, `layer ${l} head ${h} [${i},${j}] above the diagonal`);
            sum += w[i * T + j];
          }
          assert.ok(Math.abs(sum - 1) < SUM_TOL);
        }
      });
      const mean = s.attention(a.runId, l, -1);
      for (let i = 0; i < T * T; i++) assert.ok(Math.abs(mean[i] - (heads[0][i] + heads[1][i]) / 2) < 1e-7);
    }
    await rejectsWith(() => s.attention(a.runId, 2, 0), 'BAD_ARGUMENT', /layer/);
    await rejectsWith(() => s.attention(a.runId, 0, 2), 'BAD_ARGUMENT', /head/);
  });

  it('logit lens: L+1 readouts, the last one equals the model’s own predictions', async () => {
    const a = await s.analyze(TEXT);
    const lens = await s.logitLens(a.runId, 5);
    assert.equal(lens.layers, 3);
    assert.equal(lens.T, a.T);
    assert.equal(lens.top.length, 3);
    for (let t = 0; t < a.T; t++) {
      assert.deepEqual(lens.top[2][t].ids, a.predictions[t].ids.slice(0, 5));
      lens.top[2][t].probs.forEach((p, i) => assert.ok(Math.abs(p - a.predictions[t].probs[i]) < 1e-5));
    }
    // The embedding layer's readout is a different distribution.
    assert.notDeepEqual(lens.top[0].map((p) => p.ids), lens.top[2].map((p) => p.ids));
  });

  it('capture: the layer’s weights are the analysis’ attention row; embeddings sum to residualIn', async () => {
    const a = await s.analyze(TEXT);
    const { T } = a;
    const pos = 5;
    const c = await s.capture(a.runId, 0, pos);
    assert.equal(c.capture.layer, 0);
    assert.equal(c.capture.position, pos);
    for (let h = 0; h < 2; h++) {
      const row = s.attention(a.runId, 0, h).subarray(pos * T, (pos + 1) * T);
      for (let j = 0; j < T; j++) assert.ok(Math.abs(c.capture.weights[h * T + j] - row[j]) < 1e-6);
    }
    assert.equal(c.tokenEmbedding.length, 32);
    for (let i = 0; i < 32; i++) {
      assert.ok(Math.abs(c.tokenEmbedding[i] + c.positionEmbedding![i] - c.capture.residualIn[i]) < 1e-6);
    }
    await rejectsWith(s.capture(a.runId, 0, T), 'BAD_ARGUMENT', /position/);
  });

  it('text longer than the context: CONTEXT_TOO_LONG naming 128, or the first 128 tokens with truncate', async () => {
    const long = `${TEXT} `.repeat(8);
    const n = s.tokenize(long).length;
    assert.ok(n > 128);
    await rejectsWith(s.analyze(long), 'CONTEXT_TOO_LONG', /128/);
    const a = await s.analyze(long, { truncate: true });
    assert.equal(a.T, 128);
    assert.equal(a.truncated, true);
    assert.equal(a.totalTokens, n);
    assert.deepEqual(a.tokens, s.tokenize(long).slice(0, 128));
    assert.equal(s.logits(a.runId).length, 128 * 557);
  });

  it('a stream gets the summary before the forward, then every layer in order, all before the promise settles', async () => {
    const long = `${TEXT} `.repeat(8);
    const events: string[] = [];
    let summary: AttentionSummary | undefined;
    const layers: Float32Array[] = [];
    let settled = false;
    const p = s.analyze(long, { truncate: true, topK: 3 }, undefined, {
      start: (first) => {
        events.push(`start${settled ? ' late' : ''}`);
        summary = first;
      },
      layer: (l, a) => {
        events.push(`layer ${l}${settled ? ' late' : ''}`);
        layers[l] = a.slice();
      },
    });
    const a = await p.finally(() => (settled = true));
    assert.deepEqual(events, ['start', ...Array.from({ length: a.nLayer }, (_, l) => `layer ${l}`)]);
    const { predictions, actual, ...rest } = a;
    assert.equal(predictions.length, a.T);
    assert.equal(actual.length, a.T);
    assert.deepEqual(summary, rest);
    assert.equal(summary!.truncated, true);
    const { nHead, T } = a;
    const all = s.allAttentions(a.runId);
    layers.forEach((x, l) => assert.deepEqual(x, all.subarray(l * nHead * T * T, (l + 1) * nHead * T * T), `layer ${l}`));
  });

  it('a cancel noticed during the layers: the stream stops there, CANCELLED', async () => {
    const got: number[] = [];
    let polls = 0;
    // Cancelled from the third poll on: the first two are before the forward and after layer 0.
    await rejectsWith(
      s.analyze(TEXT, {}, () => ++polls > 2, { start: () => undefined, layer: (l) => got.push(l) }),
      'CANCELLED',
    );
    assert.deepEqual(got, [0]);
  });

  it('empty or whitespace text is a BAD_ARGUMENT with a clear message', async () => {
    await rejectsWith(s.analyze(''), 'BAD_ARGUMENT', /empty/);
    await rejectsWith(s.analyze(' \n\t '), 'BAD_ARGUMENT', /whitespace/);
  });

  it(`keeps the last ${MAX_RUNS} runs; older or released ones are no longer available`, async () => {
    const ids: number[] = [];
    for (let i = 0; i <= MAX_RUNS; i++) ids.push((await s.analyze(`${TEXT} ${i}`)).runId);
    await rejectsWith(() => s.logits(ids[0]), 'BAD_ARGUMENT', new RegExp(`analysis ${ids[0]} is no longer available`));
    for (const id of ids.slice(1)) assert.equal(s.attention(id, 0, 0).length > 0, true);
    s.release(ids[1]);
    await rejectsWith(() => s.attention(ids[1], 0, 0), 'BAD_ARGUMENT', /no longer available/);
    await rejectsWith(() => s.allAttentions(123456), 'BAD_ARGUMENT', /analysis 123456 is no longer available/);
  });

  it('greedy generation reproduces the PyTorch reference', async () => {
    const g = await s.generate(reference.greedy.promptIds, { maxNewTokens: reference.greedy.maxNewTokens, temperature: 0 });
    assert.deepEqual(g.ids, reference.greedy.ids);
    assert.equal(g.text, s.tokenizer.decode(g.ids));
    // A text prompt tokenizes to the same ids.
    const fromText = await s.generate(TEXT, { maxNewTokens: 5, temperature: 0 });
    assert.deepEqual(fromText.ids, reference.greedy.ids.slice(0, 5));
  });

  it('a prompt that leaves no room slides to its last tokens', async () => {
    const prompt = s.tokenize(`${TEXT} `.repeat(6)).map((t) => t.id).slice(0, 120);
    const g = await s.generate(prompt, { maxNewTokens: 20, temperature: 0, stopAtEos: false });
    assert.equal(g.ids.length, 20);
    assert.equal(g.stopReason, 'max-tokens');
    // It equals generating from the last 108 tokens directly.
    const direct = await s.generate(prompt.slice(-108), { maxNewTokens: 20, temperature: 0, stopAtEos: false });
    assert.deepEqual(g.ids, direct.ids);
    await rejectsWith(s.generate([557], { maxNewTokens: 1 }), 'BAD_ARGUMENT', /token id/);
  });

  it('a disposed session refuses work', async () => {
    const t = await EngineSession.load(TINY);
    t.dispose();
    await rejectsWith(t.analyze(TEXT), 'NOT_LOADED');
  });
});
