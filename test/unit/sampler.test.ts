// The sampler: seeded reproducibility, greedy, temperature, top-k, top-p and the drawn distribution.
import * as assert from 'assert';
import { argmax, filterTopK, filterTopP, logSoftmax, Rng, sampleNext } from '../../src/engine/sampler';
import { Mulberry32 } from '../../src/shared/mulberry32';

const kept = (a: Float32Array) => [...a.keys()].filter((i) => a[i] > -Infinity);

function softmax(logits: Float32Array): number[] {
  const lp = logSoftmax(logits);
  return [...lp].map(Math.exp);
}

describe('Rng (mulberry32)', function () {
  it('is reproducible for a seed, differs across seeds, and stays in [0, 1)', function () {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const xs = Array.from({ length: 1000 }, () => a.next());
    assert.deepStrictEqual(Array.from({ length: 1000 }, () => b.next()), xs);
    const ys = Array.from({ length: 1000 }, () => c.next());
    assert.notDeepStrictEqual(ys, xs);
    for (const x of [...xs, ...ys]) assert.ok(x >= 0 && x < 1, `${x}`);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`);
  });

  it('is mulberry32 started at seed ^ 0x6d2b79f5 (reference values)', function () {
    // Seed 0 draws what the canonical mulberry32(0x6d2b79f5) draws: these five, × 2^32, come from
    // an independent (Python) mulberry32; seed 42 must match the shared generator at 42 ^ 0x6d2b79f5.
    const r = new Rng(0);
    assert.deepStrictEqual(
      Array.from({ length: 5 }, () => r.next() * 4294967296),
      [1416247, 958946056, 627933444, 2007157716, 2340967985],
    );
    const a = new Rng(42);
    const b = new Mulberry32(42 ^ 0x6d2b79f5);
    for (let i = 0; i < 100; i++) assert.strictEqual(a.next(), b.next());
    const c = new Rng(42.9); // the seed is floored first
    const d = new Rng(42);
    for (let i = 0; i < 10; i++) assert.strictEqual(c.next(), d.next());
  });
});

describe('logSoftmax', function () {
  it('exponentiates to a distribution and keeps logit differences', function () {
    const l = new Float32Array([1, 2, 3, -Infinity, 1000]);
    const lp = logSoftmax(l);
    const p = [...lp].map(Math.exp);
    assert.ok(Math.abs(p.reduce((s, x) => s + x, 0) - 1) < 1e-6);
    assert.strictEqual(lp[3], -Infinity);
    assert.ok(Math.abs(lp[4]) < 1e-6);
    assert.ok(Math.abs(lp[2] - lp[1] - 1) < 1e-4);
  });
});

describe('filters', function () {
  const logits = new Float32Array([0.5, 3, 1, 3, -2, 2, 1, 0]);

  it('top-k keeps exactly k, breaking ties towards the lowest id', function () {
    for (let k = 1; k <= logits.length; k++) assert.strictEqual(kept(filterTopK(logits, k)).length, k, `k=${k}`);
    assert.deepStrictEqual(kept(filterTopK(logits, 1)), [1]);
    assert.deepStrictEqual(kept(filterTopK(logits, 3)), [1, 3, 5]);
    assert.deepStrictEqual(kept(filterTopK(logits, 4)), [1, 2, 3, 5]); // 1 at ids 2 and 6: 2 wins
    const f = filterTopK(logits, 2);
    assert.strictEqual(f[1], logits[1]);
    assert.throws(() => filterTopK(logits, 0), RangeError);
  });

  it('top-p keeps the smallest prefix with mass ≥ p', function () {
    const probs = softmax(logits);
    const order = [1, 3, 5, 2, 6, 0, 7, 4];
    for (const p of [0.05, 0.3, 0.5, 0.7, 0.9, 0.99, 0.999999]) {
      const ids = kept(filterTopP(logits, p));
      const n = ids.length;
      assert.deepStrictEqual(ids, order.slice(0, n).sort((a, b) => a - b), `p=${p}`);
      const mass = order.slice(0, n).reduce((s, i) => s + probs[i], 0);
      const lessMass = order.slice(0, n - 1).reduce((s, i) => s + probs[i], 0);
      assert.ok(mass >= p - 1e-7, `p=${p}: kept mass ${mass}`);
      assert.ok(lessMass < p, `p=${p}: a smaller prefix (${lessMass}) already reaches p`);
    }
    assert.strictEqual(kept(filterTopP(logits, 1)).length, logits.length);
  });
});

describe('filters over a whole vocabulary', function () {
  /** The k-th largest by a full sort, the definition the heap in filterTopK must match. */
  const byFullSort = (xs: Float32Array, k: number): number => xs.slice().sort()[xs.length - k];

  it('top-k keeps exactly the entries a full sort picks, ties included, and top-p after it sorts only what is left', function () {
    const rng = new Rng(11);
    for (const V of [7, 1000, 50257]) {
      // a coarse grid of values, so that ties are common
      const logits = Float32Array.from({ length: V }, () => Math.round(rng.next() * 40) / 4 - 5);
      for (const k of [1, 2, 40, V - 1].filter((k) => k < V)) {
        const out = filterTopK(logits, k);
        const t = byFullSort(logits, k);
        let kept = 0;
        for (let i = 0; i < V; i++) {
          if (out[i] !== -Infinity) {
            kept++;
            assert.ok(logits[i] >= t, `V=${V} k=${k}: kept ${logits[i]} below the threshold ${t}`);
          } else assert.ok(logits[i] <= t, `V=${V} k=${k}: dropped ${logits[i]} above the threshold ${t}`);
        }
        assert.strictEqual(kept, k, `V=${V} k=${k}`);
        const p = filterTopP(out, 0.9);
        for (let i = 0; i < V; i++) if (out[i] === -Infinity) assert.strictEqual(p[i], -Infinity);
      }
    }
  });
});

describe('sampleNext', function () {
  const logits = new Float32Array([0.1, 2.5, -1, 2.4, 0.3]);

  it('is greedy (argmax, lowest id on ties) at temperature 0 or with no sampling options', function () {
    const rng = new Rng(1);
    assert.strictEqual(sampleNext(logits, { temperature: 0 }, rng), 1);
    assert.strictEqual(sampleNext(logits, {}, rng), 1);
    assert.strictEqual(sampleNext(new Float32Array([1, 5, 5, 2]), { temperature: 0 }, rng), 1);
    assert.strictEqual(argmax(new Float32Array([-3, -1, -1])), 1);
  });

  it('tends to argmax as the temperature goes to 0', function () {
    const rng = new Rng(9);
    for (let i = 0; i < 200; i++) assert.strictEqual(sampleNext(logits, { temperature: 1e-3 }, rng), 1);
    assert.strictEqual(sampleNext(logits, { temperature: 1e-300 }, rng), 1);
  });

  it('is reproducible with a seed and differs across seeds', function () {
    const draw = (seed: number) => {
      const rng = new Rng(seed);
      return Array.from({ length: 50 }, () => sampleNext(logits, { temperature: 1.5 }, rng));
    };
    assert.deepStrictEqual(draw(5), draw(5));
    assert.notDeepStrictEqual(draw(5), draw(6));
  });

  it('never draws outside top-k / top-p', function () {
    const rng = new Rng(3);
    for (let i = 0; i < 500; i++) {
      assert.ok([1, 3].includes(sampleNext(logits, { temperature: 1, topK: 2 }, rng)));
      const id = sampleNext(logits, { temperature: 2, topK: 3, topP: 0.5 }, rng);
      assert.ok([1, 3].includes(id), `${id}`);
    }
  });

  it('draws from softmax(logits / T): chi-square over 5000 draws', function () {
    const l = new Float32Array([1, 0, 2, -1, 0.5, 1.5]);
    const temperature = 1.3;
    const p = softmax(l.map((x) => x / temperature));
    const rng = new Rng(2024);
    const N = 5000;
    const counts = new Array(l.length).fill(0);
    for (let i = 0; i < N; i++) counts[sampleNext(l, { temperature }, rng)]++;
    const chi2 = counts.reduce((s, c, i) => s + (c - N * p[i]) ** 2 / (N * p[i]), 0);
    // 5 degrees of freedom: P(chi2 > 20.5) ≈ 0.001.
    assert.ok(chi2 < 20.5, `chi-square ${chi2.toFixed(2)} for counts ${counts} vs p ${p.map((x) => x.toFixed(3))}`);
    // And a wrong temperature is detected by the same statistic.
    const q = softmax(l);
    const chi2Wrong = counts.reduce((s, c, i) => s + (c - N * q[i]) ** 2 / (N * q[i]), 0);
    assert.ok(chi2Wrong > 20.5, `temperature-1 distribution should not fit (chi-square ${chi2Wrong.toFixed(2)})`);
  });

  it('renormalises over the top-k set', function () {
    const l = new Float32Array([2, 1, 0, -1]);
    const rng = new Rng(77);
    const N = 5000;
    let zero = 0;
    for (let i = 0; i < N; i++) if (sampleNext(l, { temperature: 1, topK: 2 }, rng) === 0) zero++;
    const expected = Math.exp(2) / (Math.exp(2) + Math.exp(1));
    assert.ok(Math.abs(zero / N - expected) < 0.03, `${zero / N} vs ${expected}`);
  });

  it('rejects a negative temperature', function () {
    assert.throws(() => sampleNext(logits, { temperature: -1 }, new Rng(1)), RangeError);
  });
});
