import * as assert from 'assert';
import { attentionRollout, meanOverHeads, rolloutStep, withResidual } from '../../src/analysis/rollout';

const TOL = 1e-6;

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = TOL, what = 'value'): void {
  assert.strictEqual(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++)
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}]: ${actual[i]} vs ${expected[i]} (tol ${tol})`);
}

/** Naive dense product, for comparison. */
function matmul(a: Float32Array, b: Float32Array, T: number): Float64Array {
  const out = new Float64Array(T * T);
  for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) for (let k = 0; k < T; k++) out[i * T + j] += a[i * T + k] * b[k * T + j];
  return out;
}

/** A random causal attention matrix: lower-triangular, rows sum to 1. */
function randomCausal(T: number, seed: number): Float32Array {
  let s = seed;
  const rnd = (): number => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const m = new Float32Array(T * T);
  for (let i = 0; i < T; i++) {
    let sum = 0;
    for (let j = 0; j <= i; j++) sum += m[i * T + j] = rnd() + 0.01;
    for (let j = 0; j <= i; j++) m[i * T + j] /= sum;
  }
  return m;
}

describe('analysis/rollout', () => {
  it('averages heads', () => {
    // 2 heads, T = 2
    const att = new Float32Array([1, 0, 0.5, 0.5, /* head 1 */ 1, 0, 0.1, 0.9]);
    assertClose(meanOverHeads(att, 2, 2), [1, 0, 0.3, 0.7]);
    assert.throws(() => meanOverHeads(att, 3, 2), RangeError);
  });

  it('adds the identity and renormalises rows', () => {
    assertClose(withResidual(new Float32Array([1, 0, 0.5, 0.5]), 2), [1, 0, 0.25, 0.75]);
  });

  it('matches a hand-computed two-layer example', () => {
    // Layer 0 mean [[1,0],[0.5,0.5]] → Ã0 = [[1,0],[0.25,0.75]]
    // Layer 1 mean [[1,0],[0.8,0.2]] → Ã1 = [[1,0],[0.4,0.6]]
    // R1 = Ã1·Ã0 = [[1,0],[0.4 + 0.6·0.25, 0.6·0.75]] = [[1,0],[0.55,0.45]]
    const r = attentionRollout([new Float32Array([1, 0, 0.5, 0.5]), new Float32Array([1, 0, 0.8, 0.2])], 2);
    assert.strictEqual(r.length, 2);
    assertClose(r[0], [1, 0, 0.25, 0.75], TOL, 'R0');
    assertClose(r[1], [1, 0, 0.55, 0.45], TOL, 'R1');
  });

  it('matches a hand-computed three-token example', () => {
    // Layer 0: every query looks at token 0 only. Ã0 rows: [1,0,0], [.5,.5,0], [.5,0,.5]
    // Layer 1: uniform over the prefix. Ã1 rows: [1,0,0], [.25,.75,0], [1/6,1/6,2/3]
    // R1 row 2 = 1/6·[1,0,0] + 1/6·[.5,.5,0] + 2/3·[.5,0,.5] = [7/12, 1/12, 1/3]
    const l0 = new Float32Array([1, 0, 0, 1, 0, 0, 1, 0, 0]);
    const l1 = new Float32Array([1, 0, 0, 0.5, 0.5, 0, 1 / 3, 1 / 3, 1 / 3]);
    const [r0, r1] = attentionRollout([l0, l1], 3);
    assertClose(r0, [1, 0, 0, 0.5, 0.5, 0, 0.5, 0, 0.5], TOL, 'R0');
    assertClose(r1, [1, 0, 0, 0.625, 0.375, 0, 7 / 12, 1 / 12, 1 / 3], TOL, 'R1');
  });

  it('the triangular product equals the dense product, rows still sum to 1', () => {
    const T = 9;
    for (let seed = 1; seed <= 5; seed++) {
      const a = withResidual(randomCausal(T, seed), T);
      const p = withResidual(randomCausal(T, seed + 100), T);
      const fast = rolloutStep(a, p, T);
      assertClose(fast, matmul(a, p, T), 1e-5, `seed ${seed}`);
      for (let i = 0; i < T; i++) {
        let sum = 0;
        for (let j = 0; j < T; j++) sum += fast[i * T + j];
        assert.ok(Math.abs(sum - 1) < 1e-5, `row ${i} sums to ${sum}`);
        for (let j = i + 1; j < T; j++) assert.strictEqual(fast[i * T + j], 0, 'stays causal');
      }
    }
  });

  it('stops at upTo', () => {
    const layers = [randomCausal(4, 1), randomCausal(4, 2), randomCausal(4, 3)];
    const all = attentionRollout(layers, 4);
    const two = attentionRollout(layers, 4, 1);
    assert.strictEqual(two.length, 2);
    assertClose(two[1], all[1]);
  });
});
