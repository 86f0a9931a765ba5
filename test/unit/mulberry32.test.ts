// The one seeded PRNG: its streams against values from an independent implementation (Python's
// arbitrary-precision integers, masked to 32 bits), and its state as a resume point.
import * as assert from 'assert';
import { Mulberry32, mulberry32 } from '../../src/shared/mulberry32';

/** First five outputs × 2^32, from a Python mulberry32 (mulberry32(0)'s first is the often-quoted 0.26642920868471265). */
const REFERENCE: [number, number[]][] = [
  [0, [1144304738, 1416247, 958946056, 627933444, 2007157716]],
  [1, [2693262067, 11749833, 2265367787, 4213581821, 4159151403]],
  [20240501, [3315845991, 2835607262, 1064707525, 3452959134, 102141572]],
];

describe('mulberry32', function () {
  it('draws the reference streams', function () {
    for (const [seed, ints] of REFERENCE) {
      const r = new Mulberry32(seed);
      assert.deepStrictEqual(ints.map(() => r.next() * 4294967296), ints, `seed ${seed}`);
      const f = mulberry32(seed);
      assert.deepStrictEqual(ints.map(() => f() * 4294967296), ints, `mulberry32(${seed})`);
    }
  });

  it('takes its seed as an unsigned 32-bit integer', function () {
    const a = new Mulberry32(-1);
    const b = new Mulberry32(0xffffffff);
    assert.strictEqual(a.state, 0xffffffff);
    for (let i = 0; i < 10; i++) assert.strictEqual(a.next(), b.next());
    assert.strictEqual(new Mulberry32(2 ** 32 + 1).state, 1);
  });

  it('resumes from a saved state exactly where it left off', function () {
    const r = new Mulberry32(7);
    for (let i = 0; i < 100; i++) r.next();
    const saved = r.state;
    assert.ok(Number.isInteger(saved) && saved >= 0 && saved < 2 ** 32);
    const rest = Array.from({ length: 50 }, () => r.next());
    const resumed = new Mulberry32(123);
    resumed.state = saved;
    assert.deepStrictEqual(Array.from({ length: 50 }, () => resumed.next()), rest);
  });
});
