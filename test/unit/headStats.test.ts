import { strict as assert } from 'node:assert';
import {
  attentionEntropy,
  firstTokenSinkScore,
  inductionScore,
  makeRepeatedRandomTokens,
  previousTokenScore,
  summarizeHeads,
} from '../../src/analysis/headStats';

const TOL = 1e-6;

/** Builds [H, T, T] from one row function per head: row(t) gives the T weights of query t. */
function build(T: number, heads: ((t: number) => number[])[]): Float32Array {
  const att = new Float32Array(heads.length * T * T);
  heads.forEach((row, h) => {
    for (let t = 0; t < T; t++) att.set(row(t), (h * T + t) * T);
  });
  return att;
}
const oneHot = (T: number, s: number): number[] => Array.from({ length: T }, (_, i) => (i === s ? 1 : 0));
const uniform = (T: number) => (t: number): number[] => Array.from({ length: T }, (_, s) => (s <= t ? 1 / (t + 1) : 0));
const prevHead = (T: number) => (t: number): number[] => oneHot(T, Math.max(0, t - 1));
const sinkHead = (T: number) => (): number[] => oneHot(T, 0);
const selfHead = (T: number) => (t: number): number[] => oneHot(T, t);

function close(actual: number[], expected: number[], tol = TOL): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]) <= tol, `head ${i}: ${a} vs ${expected[i]}`));
}

describe('headStats', () => {
  const T = 8;
  const att = build(T, [prevHead(T), sinkHead(T), uniform(T), selfHead(T)]);

  it('previousTokenScore: a previous-token head scores 1, a sink 1/(T-1), uniform the mean of 1/(t+1)', () => {
    const meanInv = Array.from({ length: T - 1 }, (_, i) => 1 / (i + 2)).reduce((a, b) => a + b) / (T - 1);
    close(previousTokenScore(att, 4, T), [1, 1 / (T - 1), meanInv, 0]);
  });

  it('firstTokenSinkScore: a sink head scores 1, a previous-token head 1/(T-1)', () => {
    const meanInv = Array.from({ length: T - 1 }, (_, i) => 1 / (i + 2)).reduce((a, b) => a + b) / (T - 1);
    close(firstTokenSinkScore(att, 4, T), [1 / (T - 1), 1, meanInv, 0]);
  });

  it('attentionEntropy: one-hot rows have 0 bits, uniform causal rows log2(t+1)', () => {
    const uniformBits = Array.from({ length: T }, (_, t) => Math.log2(t + 1)).reduce((a, b) => a + b) / T;
    close(attentionEntropy(att, 4, T), [0, 0, uniformBits, 0], 1e-5);
    close(attentionEntropy(build(2, [() => [0.5, 0.5]]), 1, 2), [1]);
  });

  it('inductionScore: a perfect induction head on repeated random tokens scores 1, others do not', () => {
    const n = 6;
    const ids = makeRepeatedRandomTokens(n, 1000, 42);
    const T2 = 2 * n;
    // Induction head: in the second half, query t attends to t - n + 1; in the first half, to itself.
    const induction = (t: number): number[] => oneHot(T2, t >= n ? t - n + 1 : t);
    const a = build(T2, [induction, prevHead(T2), uniform(T2)]);
    const scores = inductionScore(a, 3, T2, ids);
    close(scores.slice(0, 2), [1, 0]);
    const expectedUniform = Array.from({ length: n }, (_, i) => 1 / (n + i + 1)).reduce((x, y) => x + y) / n;
    close([scores[2]], [expectedUniform]);
  });

  it('inductionScore: uses the latest earlier occurrence, and skips j + 1 = t', () => {
    // ids: A B A A. t=2 (A): j=0, target 1. t=3 (A): j=2 would make j + 1 = t, so j=0, target 1.
    const ids = [7, 8, 7, 7];
    const a = build(4, [(t) => oneHot(4, t >= 2 ? 1 : 0)]);
    close(inductionScore(a, 1, 4, ids), [1]);
    // ids: A B A C A. t=2: j=0 → 1. t=4: j ∈ {0, 2}, the latest is 2 → target 3.
    const b = build(5, [(t) => oneHot(5, t === 2 ? 1 : t === 4 ? 3 : 0)]);
    close(inductionScore(b, 1, 5, [7, 8, 7, 9, 7]), [1]);
    // No repeats at all: nothing to average.
    assert.ok(Number.isNaN(inductionScore(a, 1, 4, [1, 2, 3, 4])[0]));
  });

  it('returns NaN when there is no query position to average over', () => {
    const one = build(1, [() => [1]]);
    assert.ok(Number.isNaN(previousTokenScore(one, 1, 1)[0]));
    assert.ok(Number.isNaN(firstTokenSinkScore(one, 1, 1)[0]));
    close(attentionEntropy(one, 1, 1), [0]);
  });

  it('rejects attention of the wrong size', () => {
    assert.throws(() => previousTokenScore(new Float32Array(10), 1, 3), RangeError);
    assert.throws(() => inductionScore(new Float32Array(9), 1, 3, [1, 2]), RangeError);
  });

  it('makeRepeatedRandomTokens: n distinct ids twice, seeded, avoiding the given ids', () => {
    const ids = makeRepeatedRandomTokens(50, 60, 1, [0, 59]);
    assert.equal(ids.length, 100);
    assert.deepEqual(ids.slice(50), ids.slice(0, 50));
    assert.equal(new Set(ids.slice(0, 50)).size, 50);
    assert.ok(ids.every((id) => id > 0 && id < 59));
    assert.deepEqual(makeRepeatedRandomTokens(50, 60, 1, [0, 59]), ids);
    assert.notDeepEqual(makeRepeatedRandomTokens(50, 60, 2, [0, 59]), ids);
    assert.deepEqual(new Set(makeRepeatedRandomTokens(58, 60, 3, [0, 59])).size, 58);
    assert.throws(() => makeRepeatedRandomTokens(59, 60, 1, [0, 59]), RangeError);
  });

  it('summarizeHeads: every head of every layer, layer-major', () => {
    const ids = [1, 2, 3, 4, 5, 6, 7, 8];
    const rows = summarizeHeads([att, build(T, [sinkHead(T), prevHead(T), uniform(T), uniform(T)])], 4, T, ids);
    assert.equal(rows.length, 8);
    assert.deepEqual(rows.map((r) => [r.layer, r.head]).slice(3, 5), [[0, 3], [1, 0]]);
    assert.equal(rows[0].prevToken, 1);
    assert.equal(rows[4].sink, 1);
    assert.ok(Number.isNaN(rows[0].induction));
    assert.equal(rows[5].entropy, 0);
  });
});
