// WeightReader with 16-bit weights (WeightArray16, as SafetensorsFile.readStored gives them): a
// matrix is packed into 16-bit panels from its own bit patterns, anything else is widened, each
// weight is counted once, and a bad value names the weight.
import * as assert from 'assert';
import { EngineError } from '../../src/engine/errors';
import { Gemm } from '../../src/engine/gemm/gemm';
import { storedWeight, WeightReader, widenWeight } from '../../src/engine/modelWeights';
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from '../../src/engine/safetensors';
import type { AnyWeightArray } from '../../src/engine/types';
import { reference, tol, values } from '../helpers/gemmReference';
import { assertClose } from '../helpers/numeric';

describe('WeightReader with 16-bit weights', function () {
  const [K, N, M] = [20, 35, 3];
  const up = f32ToBf16(values(K * N, 1)); // a Conv1D [K, N] in bfloat16
  const down = f32ToF16(values(N * K, 2)); // an nn.Linear [out = N, in = K] in binary16
  const bias = values(N, 3);
  const norm = f32ToBf16(values(K, 4));
  const weights = new Map<string, AnyWeightArray>([
    ['up.weight', storedWeight([K, N], { dtype: 'BF16', data: up })],
    ['up.bias', { shape: [N], data: bias }],
    ['down.weight', storedWeight([N, K], { dtype: 'F16', data: down })],
    ['norm.weight', { shape: [K], dtype: 'bf16', data: norm }],
  ]);
  const a = values(M * K, 5);

  it('packs 16-bit matrices into 16-bit panels, plain and transposed, and widens the rest', function () {
    const r = new WeightReader(weights, new Gemm());
    const c = r.conv1d('up', K, N);
    assert.strictEqual(c.dtype, 'bf16');
    assertClose(c.matmul(a, M), reference(a, M, bf16ToF32(up), K, N, { bias }), tol(K), 'conv1d');
    const lin = r.matrix('down.weight', [N, K], { transposed: true, columns: [4, 30] });
    assert.strictEqual(lin.dtype, 'f16');
    assertClose(lin.matmul(a, M), reference(a, M, f16ToF32(down), K, N, { transposed: true, columns: [4, 30] }), tol(K), 'linear');
    assert.deepStrictEqual(r.array('norm.weight', [K]), bf16ToF32(norm));
    assert.deepStrictEqual(r.copy('norm.weight'), bf16ToF32(norm));
    assert.deepStrictEqual(widenWeight(weights.get('up.bias')!), bias);
    r.matrix('down.weight', [N, K], { transposed: true }); // a second use is not a second weight
    assert.strictEqual(r.numParams, K * N + N + N * K + K);
    r.discard();
  });

  it('refuses a wrong shape and a binary16 infinity, naming the weight', function () {
    const r = new WeightReader(weights, new Gemm());
    assert.throws(() => r.matrix('down.weight', [K, N]), (e: unknown) => e instanceof EngineError && /"down.weight" has shape \[35,20\]/.test(e.message));
    const bad = down.slice();
    bad[5] = 0xfc00;
    const r2 = new WeightReader(new Map([['w', storedWeight([N, K], { dtype: 'F16', data: bad })]]), new Gemm());
    assert.throws(() => r2.matrix('w', [N, K], { transposed: true }), (e: unknown) => e instanceof EngineError && e.code === 'BAD_WEIGHTS' && /^"w": .*infinity/.test(e.message));
    r.discard();
    r2.discard();
  });
});
