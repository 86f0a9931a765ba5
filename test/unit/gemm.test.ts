// Our GEMM (src/engine/gemm): both kernels against a float64 product computed here, over shapes
// that exercise every edge of the tiling (one row, an odd row count, widths below, at and past a
// panel of 16, a single input), the transposed packing of the tied LM head, a column range (a
// shard's vocabulary), growth of the memory with matrices already packed, and the committed
// .wasm files against the generator's text.
import * as assert from 'assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assembleKernel } from '../../scripts/assembleGemm';
import { EngineError } from '../../src/engine/errors';
import { bf16ToF32, f32ToBf16 } from '../../src/engine/safetensors';
import { Gemm } from '../../src/engine/gemm/gemm';
import { KERNEL_FILES, type KernelKind } from '../../src/engine/gemm/kernelWat';
import { reference, tol, values } from '../helpers/gemmReference';
import { assertClose } from '../helpers/numeric';

const KINDS: KernelKind[] = ['simd', 'relaxed'];

describe('GEMM kernel (WebAssembly SIMD)', function () {
  for (const kind of KINDS) {
    describe(kind, function () {
      it('multiplies every tile shape exactly like a float64 product, with and without bias', function () {
        const gemm = new Gemm(kind);
        assert.strictEqual(gemm.kind, kind);
        let seed = 1;
        for (const M of [1, 2, 3, 7]) {
          for (const K of [1, 5, 64]) {
            for (const N of [1, 15, 16, 17, 40]) {
              for (const withBias of [false, true]) {
                const w = values(K * N, seed++);
                const bias = withBias ? values(N, seed++) : undefined;
                const a = values(M * K, seed++);
                const got = gemm.pack(w, K, N, { bias }).matmul(a, M);
                assert.strictEqual(got.length, M * N);
                assertClose(got, reference(a, M, w, K, N, { bias }), tol(K), `M=${M} K=${K} N=${N} bias=${withBias}`);
              }
            }
          }
        }
      });

      it('packs a transposed matrix (the tied LM head) and a column range of it (a shard)', function () {
        const gemm = new Gemm(kind);
        const [K, N, M] = [24, 101, 5];
        const wte = values(N * K, 7); // [N × K]: the head is its transpose
        const a = values(M * K, 8);
        assertClose(gemm.pack(wte, K, N, { transposed: true }).matmul(a, M), reference(a, M, wte, K, N, { transposed: true }), tol(K), 'whole');
        const columns: [number, number] = [33, 70];
        assertClose(gemm.pack(wte, K, N, { transposed: true, columns }).matmul(a, M), reference(a, M, wte, K, N, { transposed: true, columns }), tol(K), 'columns 33…70');
        const w = values(K * N, 9); // and a column range of a [K × N] matrix
        assertClose(gemm.pack(w, K, N, { columns }).matmul(a, M), reference(a, M, w, K, N, { columns }), tol(K), 'plain columns');
      });

      it('product() multiplies by a matrix used once, plain or transposed, leaving packed ones intact', function () {
        const gemm = new Gemm(kind);
        const [M, K, N] = [13, 64, 37]; // q [T × hd] · kᵀ, then weights [T × Tk] · v
        const kept = values(K * N, 30);
        const packed = gemm.pack(kept, K, N);
        const a = values(M * K, 31);
        const before = packed.matmul(a, M);
        const k = values(N * K, 32); // [N × K], used as its transpose
        assertClose(gemm.product(a, M, k, K, N, { transposed: true }), reference(a, M, k, K, N, { transposed: true }), tol(K), 'a · kᵀ');
        const v = values(K * N, 33);
        assertClose(gemm.product(a, M, v, K, N), reference(a, M, v, K, N, {}), tol(K), 'a · v');
        assert.deepStrictEqual(packed.matmul(a, M), before, 'the packed matrix after two products');
      });

      it('product() with a causal offset skips what lies past the diagonal, for every row parity', function () {
        const gemm = new Gemm(kind);
        for (const [M, pos0] of [[1, 0], [2, 0], [7, 0], [8, 3], [5, 20]]) {
          const K = pos0 + M; // keys 0 … pos0 + M − 1
          const N = 19;
          // weights: zero just past the diagonal (a row pair's first row may read that one), then
          // garbage that must never be read
          const w = values(M * K, 40 + M);
          const zeroed = w.slice();
          for (let i = 0; i < M; i++) {
            zeroed.fill(0, i * K + pos0 + i + 1, (i + 1) * K);
            if (pos0 + i + 1 < K) w[i * K + pos0 + i + 1] = 0;
          }
          const v = values(K * N, 50 + M);
          const got = gemm.product(w, M, v, K, N, { causal: pos0 + 1 });
          assertClose(got, reference(zeroed, M, v, K, N, {}), tol(K), `M=${M} pos0=${pos0}`);
        }
        assert.throws(() => gemm.product(values(4, 1), 2, values(4, 2), 2, 2, { causal: 0 }), EngineError);
      });

      it('matmulInto writes a shard\'s columns into a wider result and nothing else', function () {
        const gemm = new Gemm(kind);
        const [M, K, N, stride, col] = [5, 12, 21, 50, 17];
        const w = values(K * N, 60);
        const bias = values(N, 61);
        const a = values(M * K, 62);
        const out = new Float32Array(M * stride).fill(7);
        gemm.pack(w, K, N, { bias }).matmulInto(a, M, out, stride, col);
        const want = reference(a, M, w, K, N, { bias });
        for (let i = 0; i < M; i++) {
          assertClose(out.subarray(i * stride + col, i * stride + col + N), want.subarray(i * N, (i + 1) * N), tol(K), `row ${i}`);
          for (let j = 0; j < stride; j++) if (j < col || j >= col + N) assert.equal(out[i * stride + j], 7, `row ${i} column ${j} untouched`);
        }
        assert.throws(() => gemm.pack(w, K, N).matmulInto(a, M, out, stride, stride - N + 1), EngineError);
      });

      it('a wide matrix runs in blocks of panels: the same result, and scratch for one block only (a 151936-column LM head)', function () {
        const [M, K, N, stride, col] = [9, 3, 250_007, 250_020, 5]; // M × N ≫ 2^20 floats: blocks of 116496 columns, the last one ragged
        const a = values(M * K, 72);
        const bias = values(N, 71);
        const bits = f32ToBf16(values(K * N, 70));
        for (const [dtype, w] of [['f32', bf16ToF32(bits)], ['bf16', bits]] as const) {
          const gemm = new Gemm(kind);
          const packed = gemm.pack(w, K, N, { bias, dtype });
          const afterPack = gemm.memoryBytes;
          const out = new Float32Array(M * stride).fill(7);
          packed.matmulInto(a, M, out, stride, col);
          assert.ok(gemm.memoryBytes - afterPack < 8 * 2 ** 20, `${dtype}: scratch grew by ${gemm.memoryBytes - afterPack} bytes, not the ${M * N * 4} of the whole result`);
          const want = reference(a, M, bf16ToF32(bits), K, N, { bias }); // [M × N]
          for (let i = 0; i < M; i++) {
            const got = out.subarray(i * stride + col, i * stride + col + N);
            assertClose(got, want.subarray(i * N, (i + 1) * N), tol(K), `${dtype} row ${i}`);
            for (const j of [0, col - 1, col + N, stride - 1]) assert.equal(out[i * stride + j], 7, `${dtype} row ${i} column ${j} untouched`);
          }
        }
      });

      it('keeps earlier matrices intact when a large product grows the memory', function () {
        const gemm = new Gemm(kind);
        const [K, N] = [32, 48];
        const w = values(K * N, 3);
        const bias = values(N, 4);
        const packed = gemm.pack(w, K, N, { bias });
        const small = values(2 * K, 5);
        const before = packed.matmul(small, 2);
        const bytes = gemm.memoryBytes;
        const M = Math.ceil((4 * bytes) / (4 * (K + N))); // activations four times the memory so far
        const big = values(M * K, 6);
        const out = packed.matmul(big, M);
        assert.ok(gemm.memoryBytes > bytes, `memory grew from ${bytes} to ${gemm.memoryBytes}`);
        for (const i of [0, M - 1]) {
          assertClose(out.subarray(i * N, (i + 1) * N), reference(big.subarray(i * K, (i + 1) * K), 1, w, K, N, { bias }), tol(K), `row ${i}`);
        }
        assert.deepStrictEqual(packed.matmul(small, 2), before, 'the same product after the growth');
      });

      it('refuses wrong sizes and use after dispose with an EngineError', function () {
        const gemm = new Gemm(kind);
        assert.throws(() => gemm.pack(new Float32Array(5), 2, 3), EngineError);
        assert.throws(() => gemm.pack(new Float32Array(6), 2, 3, { bias: new Float32Array(2) }), EngineError);
        const p = gemm.pack(new Float32Array(6), 2, 3);
        assert.throws(() => p.matmul(new Float32Array(3), 2), EngineError);
        gemm.dispose();
        assert.throws(() => p.matmul(new Float32Array(2), 1), (e: unknown) => e instanceof EngineError && e.code === 'NOT_LOADED');
      });
    });
  }

  it('the relaxed kernel fuses multiply-add or not, within rounding of the plain one', function () {
    const [M, K, N] = [9, 300, 33];
    const w = values(K * N, 21);
    const a = values(M * K, 22);
    const plain = new Gemm('simd').pack(w, K, N).matmul(a, M);
    const fused = new Gemm('relaxed').pack(w, K, N).matmul(a, M);
    assertClose(fused, plain, tol(K), 'relaxed vs simd');
  });

  it('the committed .wasm files are what the generator assembles (run `npm run gemm:build` after changing kernelWat.ts)', async function () {
    for (const kind of KINDS) {
      const committed = readFileSync(join(__dirname, '..', '..', 'src', 'engine', 'gemm', KERNEL_FILES[kind]));
      assert.ok(Buffer.from(await assembleKernel(kind)).equals(committed), `${KERNEL_FILES[kind]} is out of date`);
    }
  });
});
