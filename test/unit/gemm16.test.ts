// Our GEMM with 16-bit panels (bfloat16 and binary16, PackOptions.dtype): both kernels and both
// places the widening happens (in the k loop, or once per panel into f32 scratch) against a
// float64 product of the widened values over every tile edge, every 16-bit bit pattern widened
// exactly, the transposed packing and column ranges, matmulInto, the memory they take (half of
// f32's), and what pack() refuses.
import * as assert from 'assert';
import { EngineError } from '../../src/engine/errors';
import { Gemm } from '../../src/engine/gemm/gemm';
import type { HalfDtype, KernelKind } from '../../src/engine/gemm/kernelWat';
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from '../../src/engine/safetensors';
import { reference, tol, values } from '../helpers/gemmReference';
import { assertClose } from '../helpers/numeric';

const KINDS: KernelKind[] = ['simd', 'relaxed'];
const DTYPES: HalfDtype[] = ['bf16', 'f16'];
/** Gemm.widenFromRows for each way of widening. */
const WAYS = { loop: Infinity, panel: 1 } as const;

/** `n` deterministic values in [-1, 1) as `dtype` bit patterns, and those values widened. */
function halves(dtype: HalfDtype, n: number, seed: number): { bits: Uint16Array; wide: Float32Array } {
  const bits = dtype === 'bf16' ? f32ToBf16(values(n, seed)) : f32ToF16(values(n, seed));
  return { bits, wide: dtype === 'bf16' ? bf16ToF32(bits) : f16ToF32(bits) };
}

function gemmOf(kind: KernelKind, way: keyof typeof WAYS): Gemm {
  const gemm = new Gemm(kind);
  gemm.widenFromRows = { bf16: WAYS[way], f16: WAYS[way] };
  return gemm;
}

describe('GEMM kernel with 16-bit panels', function () {
  for (const kind of KINDS) {
    for (const dtype of DTYPES) {
      for (const way of ['loop', 'panel'] as const) {
        describe(`${kind}, ${dtype}, widened in the ${way}`, function () {
          it('multiplies every tile shape like a float64 product of the widened values, with and without bias', function () {
            const gemm = gemmOf(kind, way);
            let seed = 100;
            for (const M of [1, 2, 3, 7]) {
              for (const K of [1, 5, 64]) {
                for (const N of [1, 7, 8, 15, 16, 17, 40]) {
                  for (const withBias of [false, true]) {
                    const w = halves(dtype, K * N, seed++);
                    const bias = withBias ? values(N, seed++) : undefined;
                    const a = values(M * K, seed++);
                    const packed = gemm.pack(w.bits, K, N, { bias, dtype });
                    assert.strictEqual(packed.dtype, dtype);
                    const got = packed.matmul(a, M);
                    assert.strictEqual(got.length, M * N);
                    assertClose(got, reference(a, M, w.wide, K, N, { bias }), tol(K), `M=${M} K=${K} N=${N} bias=${withBias}`);
                  }
                }
              }
            }
          });

          it('packs a transposed matrix and column ranges of it and of a plain one', function () {
            const gemm = gemmOf(kind, way);
            const [K, N, M] = [24, 101, 5];
            const wte = halves(dtype, N * K, 7); // [N × K]: the tied head is its transpose
            const a = values(M * K, 8);
            const head = gemm.pack(wte.bits, K, N, { transposed: true, dtype });
            assertClose(head.matmul(a, M), reference(a, M, wte.wide, K, N, { transposed: true }), tol(K), 'whole');
            const columns: [number, number] = [33, 70];
            const shard = gemm.pack(wte.bits, K, N, { transposed: true, columns, dtype });
            assert.strictEqual(shard.outDim, 37);
            assertClose(shard.matmul(a, M), reference(a, M, wte.wide, K, N, { transposed: true, columns }), tol(K), 'columns 33…70');
            const w = halves(dtype, K * N, 9);
            assertClose(gemm.pack(w.bits, K, N, { columns, dtype }).matmul(a, M), reference(a, M, w.wide, K, N, { columns }), tol(K), 'plain columns');
          });

          it('matmulInto writes a shard\'s columns into a wider result and nothing else', function () {
            const gemm = gemmOf(kind, way);
            const [M, K, N, stride, col] = [5, 12, 21, 50, 17];
            const w = halves(dtype, K * N, 60);
            const bias = values(N, 61);
            const a = values(M * K, 62);
            const out = new Float32Array(M * stride).fill(7);
            gemm.pack(w.bits, K, N, { bias, dtype }).matmulInto(a, M, out, stride, col);
            const want = reference(a, M, w.wide, K, N, { bias });
            for (let i = 0; i < M; i++) {
              assertClose(out.subarray(i * stride + col, i * stride + col + N), want.subarray(i * N, (i + 1) * N), tol(K), `row ${i}`);
              for (let j = 0; j < stride; j++) if (j < col || j >= col + N) assert.equal(out[i * stride + j], 7, `row ${i} column ${j} untouched`);
            }
          });

          it('widens every bit pattern exactly (binary16: subnormals and zeros too; infinities and NaNs are refused)', function () {
            const gemm = gemmOf(kind, way);
            // K = 2, a = [1, 0] per row: each column's result is its first row's value itself
            const patterns = Array.from({ length: 65536 }, (_, h) => h).filter((h) => dtype === 'bf16' || (h & 0x7c00) !== 0x7c00);
            const N = patterns.length;
            const bits = new Uint16Array(2 * N);
            bits.set(patterns);
            bits.fill(0x3c00, N); // row 1: weights that a = 0 must cancel (1.0 in binary16, 1.875 in bfloat16)
            const want = dtype === 'bf16' ? bf16ToF32(Uint16Array.from(patterns)) : f16ToF32(Uint16Array.from(patterns));
            const M = 3; // a row pair and the odd row
            const got = gemm.pack(bits, 2, N, { dtype }).matmul(new Float32Array([1, 0, 1, 0, 1, 0]), M);
            for (let i = 0; i < M; i++) {
              for (let j = 0; j < N; j++) {
                const g = got[i * N + j];
                const ok = g === want[j] || (Number.isNaN(g) && Number.isNaN(want[j]));
                if (!ok) assert.fail(`row ${i}: pattern 0x${patterns[j].toString(16)} gave ${g}, expected ${want[j]}`);
              }
            }
          });
        });
      }

      it(`${kind}, ${dtype}: a Float32Array W is rounded to ${dtype} (nearest even), the same as its bit patterns`, function () {
        const gemm = new Gemm(kind);
        const [M, K, N] = [3, 33, 29];
        const w = values(K * N, 70);
        const a = values(M * K, 71);
        const bits = dtype === 'bf16' ? f32ToBf16(w) : f32ToF16(w);
        assert.deepStrictEqual(gemm.pack(w, K, N, { dtype }).matmul(a, M), gemm.pack(bits, K, N, { dtype }).matmul(a, M));
      });
    }
  }

  it('16-bit panels take half the memory of f32 ones', function () {
    const [K, N] = [256, 4096]; // 4 MiB as f32
    const w = values(K * N, 80);
    const bytes: Record<string, number> = {};
    const memory: Record<string, number> = {};
    for (const dtype of ['f32', ...DTYPES] as const) {
      const gemm = new Gemm();
      const before = gemm.memoryBytes;
      const packed = gemm.pack(dtype === 'f32' ? w : dtype === 'bf16' ? f32ToBf16(w) : f32ToF16(w), K, N, { dtype });
      bytes[dtype] = packed.bytes;
      memory[dtype] = gemm.memoryBytes - before;
      gemm.dispose();
    }
    assert.strictEqual(bytes.f32, K * N * 4);
    for (const dtype of DTYPES) {
      assert.strictEqual(bytes[dtype], K * N * 2, `${dtype} panels`);
      // the memory grows by whole 64 KiB pages; the bias [N] is f32 either way
      assert.ok(memory[dtype] <= K * N * 2 + N * 4 + 2 * 65536, `${dtype}: the memory grew by ${memory[dtype]} bytes`);
      assert.ok(memory[dtype] < 0.52 * memory.f32, `${dtype}: ${memory[dtype]} bytes against f32's ${memory.f32}`);
    }
  });

  it('refuses binary16 infinities and NaNs, and 16-bit values without a 16-bit dtype, with an EngineError', function () {
    const gemm = new Gemm();
    const bits = f32ToF16(values(12, 90));
    for (const bad of [0x7c00, 0xfc00, 0x7e00]) {
      const w = bits.slice();
      w[9] = bad; // row 1, column 3 of [2 × 6]
      assert.throws(() => gemm.pack(w, 2, 6, { dtype: 'f16' }), (e: unknown) => e instanceof EngineError && e.code === 'BAD_WEIGHTS' && /row 1, column 3/.test(e.message));
    }
    assert.throws(() => gemm.pack(bits, 2, 6), EngineError);
    assert.throws(() => gemm.pack(bits, 3, 6, { dtype: 'f16' }), EngineError);
  });
});
