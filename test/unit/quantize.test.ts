import * as assert from 'assert';
import { poolMatrix } from '../../src/analysis/thumbnail';
import { dequantize, dequantizeAt, quantizationErrorBound, quantize, reviveQuantized } from '../../src/shared/quantize';

function weights(n: number, seed: number): Float32Array {
  let s = seed;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  out[0] = 0;
  out[1] = 1;
  out[2] = 1e-7; // tiny weights must not blow up
  return out;
}

describe('shared/quantize', () => {
  for (const bits of [8, 16] as const) {
    it(`round-trips within the ${bits}-bit error bound`, () => {
      const v = weights(5000, bits);
      const q = quantize(v, bits, 1);
      assert.ok(bits === 8 ? q.data instanceof Uint8Array : q.data instanceof Uint16Array);
      const back = dequantize(q);
      const bound = quantizationErrorBound(bits, 1);
      let worst = 0;
      for (let i = 0; i < v.length; i++) {
        worst = Math.max(worst, Math.abs(back[i] - v[i]));
        assert.ok(Math.abs(dequantizeAt(q, i) - back[i]) < 1e-6);
      }
      assert.ok(worst <= bound + 1e-9, `worst ${worst} > bound ${bound}`);
      assert.ok(worst > bound / 4, 'the bound is tight, not vacuous');
      assert.strictEqual(back[0], 0);
      assert.strictEqual(back[1], 1);
    });
  }

  it('16 bits keep the three decimals the tooltip shows', () => {
    assert.ok(quantizationErrorBound(16, 1) < 0.0005 / 10);
    const v = new Float32Array([0.1234, 0.0005, 0.9996]);
    const back = dequantize(quantize(v, 16, 1));
    assert.deepStrictEqual(Array.from(back, (x) => x.toFixed(3)), ['0.123', '0.001', '1.000']);
  });

  it('uses the max as scale when none is given, and clamps out-of-range values', () => {
    const q = quantize([0.1, 0.2, 0.05], 8);
    assert.strictEqual(q.scale, 0.2);
    assert.strictEqual(q.data[1], 255);
    const c = quantize([-1, NaN, 2, 0.5], 8, 1);
    assert.deepStrictEqual(Array.from(c.data), [0, 0, 255, 128]);
    assert.strictEqual(quantize([0, 0], 8).scale, 1, 'all zeros: scale 1, no division by 0');
  });

  it('revives data that lost its typed array on the way', () => {
    const q = quantize([0.25, 0.5, 1], 16, 1);
    const asArray = reviveQuantized({ ...q, data: Array.from(q.data) as unknown as Uint16Array });
    const asObject = reviveQuantized(JSON.parse(JSON.stringify(q)));
    for (const r of [asArray, asObject]) {
      assert.ok(r.data instanceof Uint16Array);
      assert.deepStrictEqual(Array.from(dequantize(r)), Array.from(dequantize(q)));
    }
  });

  it('pools a matrix into a thumbnail by block means', () => {
    const T = 4;
    const m = new Float32Array(Array.from({ length: 16 }, (_, i) => i));
    const p = poolMatrix(m, T, 2);
    assert.strictEqual(p.size, 2);
    // block (0,0) = mean of 0,1,4,5 ; (0,1) = 2,3,6,7 ; (1,0) = 8,9,12,13 ; (1,1) = 10,11,14,15
    assert.deepStrictEqual(Array.from(p.data), [2.5, 4.5, 10.5, 12.5]);
    const same = poolMatrix(m, T, 10);
    assert.strictEqual(same.size, 4);
    assert.deepStrictEqual(Array.from(same.data), Array.from(m));
    const uneven = poolMatrix(new Float32Array(49).fill(0.5), 7, 3);
    assert.ok(uneven.data.every((x) => Math.abs(x - 0.5) < 1e-7));
  });
});
