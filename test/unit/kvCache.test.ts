// The KV cache grows its stores by doubling (up to the context length) and keeps every cached row
// where attention reads it: head h's row j at (h · stride + j) · headDim.
import * as assert from 'assert';
import { initBackend, tf } from '../../src/engine/backend';
import { EngineError } from '../../src/engine/errors';
import { KVCache } from '../../src/engine/kvCache';

describe('KVCache', function () {
  before(async () => {
    await initBackend();
  });

  it('grows past its first capacity and keeps every row of every head and layer', function () {
    const H = 2;
    const hd = 3;
    const max = KVCache.INITIAL_CAPACITY * 2 + 10;
    const cache = new KVCache(2, max, H, hd);
    const row = (l: number, h: number, j: number, which: number) => Array.from({ length: hd }, (_, i) => l * 1e6 + which * 1e5 + h * 1e4 + j * 10 + i);
    assert.strictEqual(cache.stride, KVCache.INITIAL_CAPACITY);
    for (let j = 0; j < max; j += 7) {
      const n = Math.min(7, max - j);
      for (let l = 0; l < 2; l++) {
        const k = new Float32Array(H * n * hd);
        const v = new Float32Array(H * n * hd);
        for (let h = 0; h < H; h++) for (let t = 0; t < n; t++) {
          k.set(row(l, h, j + t, 0), (h * n + t) * hd);
          v.set(row(l, h, j + t, 1), (h * n + t) * hd);
        }
        cache.write(l, k, v, n);
      }
      cache.advance(n);
    }
    assert.strictEqual(cache.stride, max); // 256 → 512 → capped at the context length
    for (let l = 0; l < 2; l++) {
      const { k, v } = cache.layer(l);
      for (const j of [0, 255, 256, 511, max - 1]) for (let h = 0; h < H; h++) {
        assert.deepStrictEqual([...k.subarray((h * cache.stride + j) * hd, (h * cache.stride + j + 1) * hd)], row(l, h, j, 0));
        assert.deepStrictEqual([...v.subarray((h * cache.stride + j) * hd, (h * cache.stride + j + 1) * hd)], row(l, h, j, 1));
      }
    }
    const t = tf.tidy(() => cache.tensors(1).v!.arraySync() as number[][][]); // [H, length, hd]
    assert.deepStrictEqual(t[1][300], row(1, 1, 300, 1));
    assert.throws(() => cache.reserve(max + 1), (e: unknown) => e instanceof EngineError && e.code === 'CONTEXT_TOO_LONG');
    cache.dispose();
  });
});
