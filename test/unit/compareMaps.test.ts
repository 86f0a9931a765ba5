// Compare's numbers: maps carried onto aligned groups, their difference, its mean size per head,
// layers paired by relative depth, surprisal per group, and the ranking over head pairs.
import * as assert from 'node:assert/strict';
import {
  differenceOnAligned,
  groupSurprisal,
  headPairs,
  meanAbsDifference,
  pairedRanges,
  projectAttention,
  relativeDepthPairs,
  relativeIndex,
} from '../../src/analysis/compareMaps';
import { rankHeads } from '../../src/analysis/compareRuns';
import { mulberry32 } from '../../src/shared/mulberry32';

/** Named tolerance: float32 sums of a few terms. */
const TOL = 1e-6;

/** A causal attention map [T, T] with random rows that sum to 1. */
function randomAttention(T: number, seed: number): Float32Array {
  const rnd = mulberry32(seed);
  const m = new Float32Array(T * T); // [T, T]
  for (let q = 0; q < T; q++) {
    let s = 0;
    for (let k = 0; k <= q; k++) s += m[q * T + k] = rnd() + 0.01;
    for (let k = 0; k <= q; k++) m[q * T + k] /= s;
  }
  return m;
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= tol)) assert.fail(`${what}[${i}]: ${actual[i]} vs ${expected[i]} (tolerance ${tol})`);
  }
}

describe('projectAttention', () => {
  it('is the map itself with one token per group', () => {
    const m = randomAttention(6, 1);
    const ranges = Array.from({ length: 6 }, (_, k): [number, number] => [k, k + 1]);
    assertClose(projectAttention(m, 6, ranges), m, TOL, 'identity projection');
  });

  it('sums over key groups and averages over query groups', () => {
    // T = 3, groups {0} and {1, 2}
    const m = new Float32Array([1, 0, 0, 0.4, 0.6, 0, 0.2, 0.3, 0.5]); // [3, 3]
    const p = projectAttention(m, 3, [
      [0, 1],
      [1, 3],
    ]);
    // row 1: mean over queries 1 and 2 of (attention to 0) and (attention to 1 + 2)
    assertClose(p, [1, 0, (0.4 + 0.2) / 2, (0.6 + 0.3 + 0.5) / 2], TOL, 'grouped');
  });

  it('keeps each row summing to 1 when every token is in a group, and drops the share of uncompared keys', () => {
    const T = 9;
    const m = randomAttention(T, 2);
    const all: [number, number][] = [
      [0, 2],
      [2, 3],
      [3, 7],
      [7, 9],
    ];
    const p = projectAttention(m, T, all);
    for (let g = 0; g < 4; g++) assert.ok(Math.abs(p[g * 4] + p[g * 4 + 1] + p[g * 4 + 2] + p[g * 4 + 3] - 1) < 1e-5);
    const some = projectAttention(m, T, [all[0], all[2]]); // tokens 2, 7, 8 not compared
    const row1 = some[2] + some[3];
    let expected = 0;
    for (let q = 3; q < 7; q++) for (const k of [0, 1, 3, 4, 5, 6]) expected += k <= q ? m[q * T + k] : 0;
    assert.ok(Math.abs(row1 - expected / 4) < 1e-5);
  });
});

describe('differenceOnAligned and meanAbsDifference', () => {
  it('is zero for a map against itself, and B − A on aligned groups otherwise', () => {
    const a = randomAttention(5, 3);
    const b = randomAttention(7, 4);
    // A's 5 tokens against B's 7: A0↔B0, A1↔B1–2, (A2 only in A), A3↔B3, A4↔B4–6
    const paired = pairedRanges([
      { kind: 'same', a: [0, 1], b: [0, 1] },
      { kind: 'merged', a: [1, 2], b: [1, 3] },
      { kind: 'onlyA', a: [2, 3], b: [3, 3] },
      { kind: 'same', a: [3, 4], b: [3, 4] },
      { kind: 'merged', a: [4, 5], b: [4, 7] },
    ]);
    assert.deepEqual(paired.groups, [0, 1, 3, 4]);
    const self = differenceOnAligned(a, 5, a, 5, pairedRanges([0, 1, 2, 3, 4].map((k) => ({ kind: 'same' as const, a: [k, k + 1] as [number, number], b: [k, k + 1] as [number, number] }))));
    assert.ok(self.diff.every((x) => x === 0));
    assert.equal(meanAbsDifference(self.diff, self.G), 0);
    const d = differenceOnAligned(a, 5, b, 7, paired);
    assert.equal(d.G, 4);
    const pa = projectAttention(a, 5, paired.a);
    const pb = projectAttention(b, 7, paired.b);
    assertClose(d.diff, Array.from(pb, (x, i) => x - pa[i]), TOL, 'B − A');
    // mean over the 10 causal cells of a 4 × 4 map
    let s = 0;
    for (let g = 0; g < 4; g++) for (let h = 0; h <= g; h++) s += Math.abs(d.diff[g * 4 + h]);
    assert.ok(Math.abs(meanAbsDifference(d.diff, 4) - s / 10) < TOL);
    assert.ok(Number.isNaN(meanAbsDifference(new Float32Array(0), 0)));
  });
});

describe('relativeDepthPairs', () => {
  it('pairs one to one when the counts match', () => {
    assert.deepEqual(relativeDepthPairs(3, 3), { pairs: [{ a: 0, b: 0 }, { a: 1, b: 1 }, { a: 2, b: 2 }], relative: false });
  });

  it("pairs each layer of the shallower model with the deeper one's at the same relative depth (GPT-2 12 vs distilgpt2 6)", () => {
    const { pairs, relative } = relativeDepthPairs(12, 6);
    assert.equal(relative, true);
    assert.deepEqual(pairs.map((p) => [p.a, p.b]), [[1, 0], [3, 1], [5, 2], [7, 3], [9, 4], [11, 5]]);
    assert.deepEqual(relativeDepthPairs(2, 4).pairs.map((p) => [p.a, p.b]), [[0, 1], [1, 3]]);
    assert.deepEqual(relativeDepthPairs(1, 5).pairs, [{ a: 0, b: 2 }]);
    assert.equal(relativeIndex(3, 4, 4), 3);
    assert.equal(relativeIndex(0, 5, 1), 0);
  });

  it('pairs heads the same way, layer-major', () => {
    const { pairs, layersRelative, headsRelative } = headPairs({ nLayer: 4, nHead: 4 }, { nLayer: 2, nHead: 8 });
    assert.equal(layersRelative, true);
    assert.equal(headsRelative, true);
    assert.equal(pairs.length, 2 * 4);
    assert.deepEqual(pairs[0], { layerA: 1, headA: 0, layerB: 0, headB: 1 });
    assert.deepEqual(pairs[7], { layerA: 3, headA: 3, layerB: 1, headB: 7 });
  });
});

describe('groupSurprisal', () => {
  it('adds the surprisal of the tokens of each group (NaN with the first token or an empty range)', () => {
    const s = [NaN, 2, 3, 0.5, 1];
    const g = groupSurprisal(s, [
      [0, 1],
      [1, 3],
      [3, 5],
      [5, 5],
    ]);
    assert.ok(Number.isNaN(g[0]));
    assert.deepEqual(g.slice(1, 3), [5, 1.5]);
    assert.ok(Number.isNaN(g[3]));
  });
});

describe('rankHeads', () => {
  it('ranks the head pairs by the mean absolute difference of their maps, largest first', async () => {
    const T = 6;
    const shape = { nLayer: 2, nHead: 2, T };
    const ranges = Array.from({ length: T }, (_, k): [number, number] => [k, k + 1]);
    const paired = { groups: ranges.map((_, k) => k), a: ranges, b: ranges };
    const base = randomAttention(T, 5);
    // B equals A except head 1:0 (a different map) and head 0:1 (slightly nudged)
    const other = randomAttention(T, 6);
    const nudged = base.map((x, i) => (i % T === 0 && i > 0 ? x * 0.9 : x)); // attention to token 0 lowered
    const fetchA = (): Float32Array => base;
    const fetchB = (l: number, h: number): Float32Array => (l === 1 && h === 0 ? other : l === 0 && h === 1 ? nudged : base);
    const progress: number[] = [];
    const r = await rankHeads(shape, shape, paired, fetchA, fetchB, { onProgress: (done) => progress.push(done) });
    assert.deepEqual(progress, [1, 2, 3, 4]);
    assert.deepEqual(r.rows.map((x) => [x.layerA, x.headA]), [[1, 0], [0, 1], [0, 0], [1, 1]]);
    assert.ok(r.rows[0].meanAbsDiff > r.rows[1].meanAbsDiff && r.rows[1].meanAbsDiff > 0);
    assert.equal(r.rows[2].meanAbsDiff, 0);
    const stop = new AbortController();
    stop.abort();
    await assert.rejects(rankHeads(shape, shape, paired, fetchA, fetchB, { signal: stop.signal }));
  });
});
