import * as assert from 'assert';
import { headsPerKv, kvGroupOf, kvGroups } from '../../src/shared/kvGroups';

describe('K/V groups (grouped-query attention labels)', () => {
  it('SmolLM2-135M: 9 query heads over 3 K/V heads, three to a group in order', () => {
    assert.strictEqual(headsPerKv(9, 3), 3);
    assert.deepStrictEqual(
      [0, 2, 3, 5, 6, 8].map((h) => kvGroupOf(h, 9, 3).group),
      [0, 0, 1, 1, 2, 2],
    );
    assert.deepStrictEqual(kvGroups(9, 3), [
      { group: 0, first: 0, last: 2 },
      { group: 1, first: 3, last: 5 },
      { group: 2, first: 6, last: 8 },
    ]);
  });

  it('Qwen2.5-0.5B: 14 heads over 2 K/V heads; multi-query: every head in group 0', () => {
    assert.deepStrictEqual(kvGroupOf(13, 14, 2), { group: 1, first: 7, last: 13 });
    assert.deepStrictEqual(kvGroups(4, 1), [{ group: 0, first: 0, last: 3 }]);
  });

  it('multi-head attention, or a K/V count that is absent or does not divide: one head per group', () => {
    for (const kv of [undefined, 12, 5, 0, -3, 2.5]) {
      assert.strictEqual(headsPerKv(12, kv), 1, String(kv));
      assert.deepStrictEqual(kvGroupOf(7, 12, kv), { group: 7, first: 7, last: 7 });
    }
    assert.strictEqual(kvGroups(12, undefined).length, 12);
  });
});
