import * as assert from 'node:assert/strict';
import { logSumExp, topK, topKSoftmax } from '../../src/analysis/topk';
import { surprisals, tokenStats } from '../../src/analysis/surprisal';

/** Reference: sort every index (stable, so ties keep the lower index first). */
function bruteTopK(a: number[], k: number): number[] {
  return a
    .map((v, i) => ({ v, i }))
    .filter((e) => !Number.isNaN(e.v))
    .sort((x, y) => y.v - x.v || x.i - y.i)
    .slice(0, k)
    .map((e) => e.i);
}

/** A small seeded generator so the random tables are the same every run. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('analysis/topk', () => {
  it('matches a full sort on random rows, with ties and NaN', () => {
    const rnd = lcg(7);
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(rnd() * 60);
      // Few distinct values so ties are common.
      const a = Array.from({ length: n }, () => (rnd() < 0.05 ? NaN : Math.floor(rnd() * 8) - 4));
      for (const k of [1, 3, 10, 100]) {
        const got = topK(a, k);
        assert.deepEqual(got.ids, bruteTopK(a, k), `trial ${trial}, k ${k}, row ${JSON.stringify(a)}`);
        assert.deepEqual(got.values, got.ids.map((i) => a[i]));
      }
    }
  });

  it('reads a row of a matrix through offset and length', () => {
    const m = new Float32Array([9, 9, 9, 1, 5, 3, 9, 9]);
    assert.deepEqual(topK(m, 2, 3, 3).ids, [1, 2]);
    assert.deepEqual(topK(m, 0, 3, 3).ids, []);
  });

  it('softmax probabilities are exact and sum to 1 over the whole row', () => {
    const row = [2, 0, -1, 3, 1];
    const z = row.reduce((s, v) => s + Math.exp(v), 0);
    assert.ok(Math.abs(logSumExp(row) - Math.log(z)) < 1e-12);
    const p = topKSoftmax(row, 5, 0, 5, (id) => `t${id}`);
    assert.deepEqual(p.ids, [3, 0, 4, 1, 2]);
    assert.deepEqual(p.texts, ['t3', 't0', 't4', 't1', 't2']);
    p.probs.forEach((q, i) => assert.ok(Math.abs(q - Math.exp(row[p.ids[i]]) / z) < 1e-12));
    assert.ok(Math.abs(p.probs.reduce((s, q) => s + q, 0) - 1) < 1e-12);
    // Huge logits do not overflow.
    assert.ok(Math.abs(logSumExp([1000, 1000]) - (1000 + Math.LN2)) < 1e-9);
  });

  it('surprisal is −log2 of the previous row’s probability, with rank', () => {
    const V = 4;
    const logits = new Float32Array([0, 1, 2, 3, /* row 1 */ 3, 2, 1, 0]);
    const ids = [0, 1, 3];
    const s = surprisals(logits, V, ids);
    assert.equal(s.length, 3);
    assert.ok(Number.isNaN(s[0].prob) && Number.isNaN(s[0].rank) && Number.isNaN(s[0].surprisal));
    const z = Math.exp(0) + Math.exp(1) + Math.exp(2) + Math.exp(3);
    assert.ok(Math.abs(s[1].prob - Math.exp(1) / z) < 1e-7);
    assert.equal(s[1].rank, 3);
    assert.ok(Math.abs(s[1].surprisal + Math.log2(Math.exp(1) / z)) < 1e-6);
    assert.equal(s[2].rank, 4);
    assert.equal(tokenStats(logits, V, 1, 0).rank, 1);
  });
});
