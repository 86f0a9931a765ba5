import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineErrorCode } from '../../src/engine/errors';
import { expectError } from '../helpers/engineErrors';
import {
  SafetensorsFile,
  bf16ToF32,
  f16BitsToF32,
  f16ToF32,
  f32BitsToBf16,
  f32BitsToF16,
  writeSafetensors,
} from '../../src/engine/safetensors';

const bitsOf = (x: number): number => new Uint32Array(new Float32Array([x]).buffer)[0];
const f32 = (x: number): number => Math.fround(x);

/** Writes a safetensors file by hand: `header` (object or raw text) and `dataBytes` bytes of data. */
function rawFile(path: string, header: unknown, data: Uint8Array | number = 0, lengthOverride?: bigint): string {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(lengthOverride ?? BigInt(json.length));
  const body = typeof data === 'number' ? new Uint8Array(data) : data;
  fs.writeFileSync(path, Buffer.concat([len, json, body]));
  return path;
}


describe('16-bit float conversion', () => {
  it('widens hand-written F16 bit patterns exactly', () => {
    const cases: [number, number][] = [
      [0x0000, 0],
      [0x3c00, 1],
      [0xc000, -2],
      [0x3555, 0.333251953125],
      [0x7bff, 65504], // largest finite
      [0x0400, 2 ** -14], // smallest normal
      [0x03ff, 1023 * 2 ** -24], // largest subnormal
      [0x0001, 2 ** -24], // smallest subnormal
      [0x8001, -(2 ** -24)],
      [0x7c00, Infinity],
      [0xfc00, -Infinity],
    ];
    const out = f16ToF32(new Uint16Array(cases.map(([h]) => h)));
    cases.forEach(([h, v], i) => assert.equal(out[i], v, `0x${h.toString(16)}`));
    assert.ok(Object.is(f16BitsToF32(0x8000), -0));
    for (const nan of [0x7e00, 0x7c01, 0xfe00, 0x7fff]) assert.ok(Number.isNaN(f16ToF32(new Uint16Array([nan]))[0]));
  });

  it('widens hand-written BF16 bit patterns exactly', () => {
    const cases: [number, number][] = [
      [0x3f80, 1],
      [0xc000, -2],
      [0x4049, 3.140625],
      [0x7f7f, 3.3895313892515355e38], // largest finite
      [0x0080, 2 ** -126], // smallest normal
      [0x0001, 2 ** -133], // smallest subnormal
      [0x7f80, Infinity],
      [0xff80, -Infinity],
    ];
    const out = bf16ToF32(new Uint16Array(cases.map(([h]) => h)));
    cases.forEach(([h, v], i) => assert.equal(out[i], v, `0x${h.toString(16)}`));
    assert.ok(Object.is(bf16ToF32(new Uint16Array([0x8000]))[0], -0));
    assert.ok(Number.isNaN(bf16ToF32(new Uint16Array([0x7fc0]))[0]));
  });

  it('narrows to F16 with round-to-nearest-even, overflow to inf, subnormals and NaN', () => {
    const cases: [number, number][] = [
      [1, 0x3c00],
      [-2, 0xc000],
      [-0, 0x8000],
      [1 + 2 ** -11, 0x3c00], // halfway: ties to even (down)
      [1 + 3 * 2 ** -11, 0x3c02], // halfway: ties to even (up)
      [1 + 2 ** -11 + 2 ** -20, 0x3c01], // just above halfway
      [65504, 0x7bff],
      [65519, 0x7bff], // below the halfway point to 65536
      [65520, 0x7c00], // halfway to 65536: ties to even = overflow to inf
      [1e6, 0x7c00],
      [-1e6, 0xfc00],
      [2 ** -24, 0x0001],
      [2 ** -25, 0x0000], // halfway between 0 and the smallest subnormal: even = 0
      [1.5 * 2 ** -25, 0x0001],
      [3 * 2 ** -25, 0x0002], // halfway between 1 and 2 subnormal units: even = 2
      [2 ** -14 - 2 ** -25, 0x0400], // rounds up from the largest subnormal into the smallest normal
      [1e-9, 0x0000],
      [Infinity, 0x7c00],
      [-Infinity, 0xfc00],
    ];
    for (const [x, h] of cases) assert.equal(f32BitsToF16(bitsOf(x)), h, `${x}`);
    const nan = f32BitsToF16(bitsOf(NaN));
    assert.equal(nan & 0x7c00, 0x7c00);
    assert.notEqual(nan & 0x3ff, 0);
  });

  it('narrows to BF16 with round-to-nearest-even', () => {
    const cases: [number, number][] = [
      [1, 0x3f80],
      [1 + 2 ** -8, 0x3f80], // halfway: ties to even (down)
      [1 + 3 * 2 ** -8, 0x3f82], // halfway: ties to even (up)
      [1 + 2 ** -8 + 2 ** -20, 0x3f81],
      [-2, 0xc000],
      [3.4028234663852886e38, 0x7f80], // float32 max rounds to inf
      [Infinity, 0x7f80],
      [-Infinity, 0xff80],
    ];
    for (const [x, h] of cases) assert.equal(f32BitsToBf16(bitsOf(x)), h, `${x}`);
    const nan = f32BitsToBf16(bitsOf(NaN));
    assert.equal(nan & 0x7f80, 0x7f80);
    assert.notEqual(nan & 0x7f, 0);
  });

  it('every finite or infinite F16 and BF16 pattern survives widen → narrow', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const wide16 = f16ToF32(all);
    const wideB = bf16ToF32(all);
    const bits16 = new Uint32Array(wide16.buffer);
    const bitsB = new Uint32Array(wideB.buffer);
    for (let h = 0; h < 65536; h++) {
      if (!Number.isNaN(wide16[h])) assert.equal(f32BitsToF16(bits16[h]), h, `F16 0x${h.toString(16)}`);
      if (!Number.isNaN(wideB[h])) assert.equal(f32BitsToBf16(bitsB[h]), h, `BF16 0x${h.toString(16)}`);
    }
  });
});

describe('writeSafetensors → SafetensorsFile', () => {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(join(tmpdir(), 'st-test-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const values = new Float32Array([0, -0, 1, -2.5, 0.1, 1e-7, 3e-5, 123.456, -65504, 7e4, Infinity, -Infinity]);

  for (const dtype of ['F32', 'F16', 'BF16'] as const) {
    it(`round-trips ${dtype}, rounded as the dtype rounds`, () => {
      const file = join(dir, `rt-${dtype}.safetensors`);
      const scalar = new Float32Array([42]);
      writeSafetensors(
        file,
        [
          ['a', { shape: [3, 4], data: values }],
          ['scalar', { shape: [], data: scalar }],
          ['empty', { shape: [0, 5], data: new Float32Array(0) }],
        ],
        { dtype, metadata: { format: 'pt', note: 'hi' } },
      );
      const raw = fs.readFileSync(file);
      const headerLen = Number(raw.readBigUInt64LE(0));
      assert.equal(headerLen % 8, 0, 'header padded to 8 bytes');
      const headerText = raw.subarray(8, 8 + headerLen).toString('utf8');
      assert.match(headerText, /^\{.*\} *$/);

      const f = SafetensorsFile.open(file);
      try {
        assert.deepEqual(f.metadata, { format: 'pt', note: 'hi' });
        assert.deepEqual([...f.entries.keys()], ['a', 'scalar', 'empty']);
        const a = f.entries.get('a')!;
        assert.deepEqual(a, { dtype, shape: [3, 4], begin: 0, end: 12 * (dtype === 'F32' ? 4 : 2) });
        assert.equal(raw.length, 8 + headerLen + a.end + (dtype === 'F32' ? 4 : 2));
        const got = f.read('a');
        const expected = Array.from(values, (x) => {
          if (dtype === 'F32') return x;
          if (dtype === 'F16') return f16BitsToF32(f32BitsToF16(bitsOf(x)));
          return new Float32Array(new Uint32Array([(f32BitsToBf16(bitsOf(x)) << 16) >>> 0]).buffer)[0];
        });
        assert.deepEqual(Array.from(got), expected);
        if (dtype !== 'F32') {
          assert.notEqual(got[4], f32(0.1), 'narrowed, not stored as F32');
          assert.ok(Math.abs(got[4] - 0.1) < 1e-3);
        }
        if (dtype === 'F16') assert.equal(got[9], Infinity, '7e4 overflows F16');
        assert.deepEqual(Array.from(f.read('scalar')), [42]);
        assert.equal(f.read('empty').length, 0);
        // as stored: F16 / BF16 stay their 16-bit patterns, F32 is the same float32 read
        const stored = f.readStored('a');
        assert.equal(stored.dtype, dtype);
        if (stored.dtype === 'F32') assert.deepEqual(Array.from(stored.data), expected);
        else {
          assert.ok(stored.data instanceof Uint16Array, '16-bit data');
          assert.deepEqual(Array.from(stored.data), Array.from(values, (x) => (dtype === 'F16' ? f32BitsToF16(bitsOf(x)) : f32BitsToBf16(bitsOf(x)))));
        }
      } finally {
        f.close();
      }
    });
  }

  it('accepts a Map and keeps its order; refuses data that does not match the shape', () => {
    const file = join(dir, 'map.safetensors');
    writeSafetensors(file, new Map([['z', { shape: [2], data: new Float32Array([1, 2]) }], ['y', { shape: [1], data: new Float32Array([3]) }]]));
    const f = SafetensorsFile.open(file);
    assert.deepEqual([...f.entries.keys()], ['z', 'y']);
    assert.deepEqual(Array.from(f.read('y')), [3]);
    assert.equal(f.metadata, undefined);
    f.close();
    expectError(() => f.read('y'), 'BAD_SAFETENSORS', file, /closed/);
    assert.throws(() => writeSafetensors(file, [['x', { shape: [3], data: new Float32Array(2) }]]), /2 values but shape \[3\]/);
  });
});

describe('SafetensorsFile validation', () => {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(join(tmpdir(), 'st-bad-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const ok = (begin: number, end: number, shape = [2], dtype = 'F32') => ({ dtype, shape, data_offsets: [begin, end] });

  it('a missing file is FILE_NOT_FOUND', () => {
    const file = join(dir, 'nope.safetensors');
    expectError(() => SafetensorsFile.open(file), 'FILE_NOT_FOUND', file);
  });

  const bad: [string, (file: string) => void, EngineErrorCode, RegExp][] = [
    ['a file shorter than the length field', (f) => fs.writeFileSync(f, Buffer.from([1, 2, 3])), 'BAD_SAFETENSORS', /too short/],
    ['a header length past the end of the file', (f) => rawFile(f, { a: ok(0, 8) }, 8, 5000n), 'BAD_SAFETENSORS', /past the end of the file/],
    ['an absurd header length', (f) => rawFile(f, { a: ok(0, 8) }, 8, 2n ** 62n), 'BAD_SAFETENSORS', /not plausible/],
    ['a header that is not JSON', (f) => rawFile(f, '{"a": {"dtype": "F32",', 8), 'BAD_SAFETENSORS', /not valid JSON/],
    ['a header that is a JSON array', (f) => rawFile(f, '[1, 2]', 8), 'BAD_SAFETENSORS', /not a JSON object/],
    ['an entry without dtype', (f) => rawFile(f, { a: { shape: [2], data_offsets: [0, 8] } }, 8), 'BAD_SAFETENSORS', /"a" has no dtype/],
    ['an entry without shape', (f) => rawFile(f, { a: { dtype: 'F32', data_offsets: [0, 8] } }, 8), 'BAD_SAFETENSORS', /"a" has no valid shape/],
    ['an entry without data_offsets', (f) => rawFile(f, { a: { dtype: 'F32', shape: [2] } }, 8), 'BAD_SAFETENSORS', /"a" has no valid data_offsets/],
    ['reversed data_offsets', (f) => rawFile(f, { a: ok(8, 0) }, 8), 'BAD_SAFETENSORS', /data_offsets/],
    ['a byte length that does not match the shape', (f) => rawFile(f, { a: ok(0, 12) }, 12), 'BAD_SAFETENSORS', /"a" spans 12 bytes but F32 \[2\] needs 8/],
    ['offsets past the end of the file', (f) => rawFile(f, { a: ok(0, 8), b: ok(8, 16) }, 12), 'BAD_SAFETENSORS', /"b" ends at byte 16, past the data section \(12 bytes\)/],
    ['overlapping tensors', (f) => rawFile(f, { a: ok(0, 8), b: ok(4, 12) }, 12), 'BAD_SAFETENSORS', /"a" and "b" overlap/],
    ['a dtype the format does not have', (f) => rawFile(f, { w: ok(0, 8, [2], 'Q4_K') }, 8), 'UNKNOWN_DTYPE', /"w" has dtype Q4_K/],
    ['a non-string metadata value', (f) => rawFile(f, { __metadata__: { n: 1 }, a: ok(0, 8) }, 8), 'BAD_SAFETENSORS', /__metadata__/],
    // What the reference reader (safetensors' Metadata::validate) refuses besides:
    ['a gap between tensors', (f) => rawFile(f, { a: ok(0, 8), b: ok(12, 20) }, 20), 'BAD_SAFETENSORS', /bytes 8\.\.12 .* belong to no tensor/],
    ['data that does not start at byte 0', (f) => rawFile(f, { a: ok(4, 12) }, 12), 'BAD_SAFETENSORS', /bytes 0\.\.4/],
    ['bytes after the last tensor', (f) => rawFile(f, { a: ok(0, 8) }, 12), 'BAD_SAFETENSORS', /4 more bytes after them/],
    ['a shape whose byte length overflows 2⁶⁴', (f) => rawFile(f, { a: ok(0, 0, [2 ** 52, 2 ** 52, 0x10000]) }, 0), 'BAD_SAFETENSORS', /needs 5316911983139663491615228241121378304/],
    ['a tensor name given twice', (f) => rawFile(f, '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', 8), 'BAD_SAFETENSORS', /key "a" twice/],
    ['a field given twice in an entry', (f) => rawFile(f, '{"a":{"dtype":"F32","shape":[2],"shape":[2],"data_offsets":[0,8]}}', 8), 'BAD_SAFETENSORS', /key "shape" twice/],
    ['a header that is not UTF-8', (f) => fs.writeFileSync(f, Buffer.from([6, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x22, 0xff, 0x22, 0x3a, 0x7d])), 'BAD_SAFETENSORS', /not valid UTF-8/],
  ];
  bad.forEach(([what, make, code, pattern], i) => {
    it(`rejects ${what} (${code})`, () => {
      const file = join(dir, `bad-${i}.safetensors`);
      make(file);
      expectError(() => SafetensorsFile.open(file), code, file, pattern);
    });
  });

  it('opens a file holding F64 / I8 / BOOL tensors, and reading one is UNKNOWN_DTYPE naming it', () => {
    const file = rawFile(join(dir, 'other.safetensors'), {
      w: ok(0, 16, [2], 'F64'),
      q: ok(16, 19, [3], 'I8'),
      m: ok(19, 23, [2, 2], 'BOOL'),
      x: ok(23, 31, [2], 'F32'),
    }, 31);
    const f = SafetensorsFile.open(file);
    try {
      assert.deepEqual([...f.entries.keys()], ['x']);
      assert.deepEqual([...f.otherEntries.keys()], ['w', 'q', 'm']);
      expectError(() => f.read('w'), 'UNKNOWN_DTYPE', file, /tensor "w" has dtype F64/);
      expectError(() => f.read('q'), 'UNKNOWN_DTYPE', file, /tensor "q" has dtype I8/);
      expectError(() => f.readStored('q'), 'UNKNOWN_DTYPE', file, /tensor "q" has dtype I8/);
      expectError(() => f.read('nope'), 'BAD_SAFETENSORS', file, /no tensor named "nope"/);
      assert.deepEqual(Array.from(f.read('x')), [0, 0]);
    } finally {
      f.close();
    }
  });

  it('also checks the byte length of tensors in other dtypes', () => {
    const file = rawFile(join(dir, 'other-len.safetensors'), { w: ok(0, 8, [2], 'F64') }, 8);
    expectError(() => SafetensorsFile.open(file), 'BAD_SAFETENSORS', file, /F64 \[2\] needs 16/);
  });
});

describe('SafetensorsFile on a 3 GiB file', () => {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(join(tmpdir(), 'st-big-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads tensors at its start and past 2 GiB without reading the rest (sparse file, RSS growth < 200 MB)', () => {
    const file = join(dir, 'big.safetensors');
    const size = 3 * 2 ** 30;
    // Lay out: "head" (4 floats) at 0; "far" (4 floats) at the very end of the data section.
    // The header is padded to 256 bytes, so the data section is known before writing it.
    const dataLen = size - 8 - 256;
    const header = JSON.stringify({
      __metadata__: { format: 'pt' },
      head: { dtype: 'F32', shape: [4], data_offsets: [0, 16] },
      // the tensors must tile the data section (as the reference reader requires): a U8 filler between
      middle: { dtype: 'U8', shape: [dataLen - 32], data_offsets: [16, dataLen - 16] },
      far: { dtype: 'F32', shape: [2, 2], data_offsets: [dataLen - 16, dataLen] },
    });
    const headerBuf = Buffer.from(header.padEnd(256), 'utf8');
    const dataStart = 8 + headerBuf.length;
    const fd = fs.openSync(file, 'w');
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(headerBuf.length));
    fs.writeSync(fd, len, 0, 8, 0);
    fs.writeSync(fd, headerBuf, 0, headerBuf.length, 8);
    fs.writeSync(fd, Buffer.from(new Float32Array([1, 2, 3, 4]).buffer), 0, 16, dataStart);
    fs.ftruncateSync(fd, size);
    fs.writeSync(fd, Buffer.from(new Float32Array([5, 6, 7, 8]).buffer), 0, 16, size - 16);
    fs.closeSync(fd);
    assert.equal(fs.statSync(file).size, size);

    const rss0 = process.memoryUsage().rss;
    const f = SafetensorsFile.open(file);
    try {
      assert.equal(f.entries.get('far')!.end, size - dataStart);
      assert.deepEqual(Array.from(f.read('head')), [1, 2, 3, 4]);
      assert.deepEqual(Array.from(f.read('far')), [5, 6, 7, 8]);
    } finally {
      f.close();
    }
    const grown = (process.memoryUsage().rss - rss0) / 2 ** 20;
    assert.ok(grown < 200, `RSS grew by ${grown.toFixed(0)} MB`);
  });
});
