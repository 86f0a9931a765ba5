// Reading and writing the safetensors format: an 8-byte little-endian header length, a JSON header
// { name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: {..} }, then the raw data.
// Reads are positioned (fs.readSync at offsets): a checkpoint may pass 2 GiB, so the whole file is
// never read at once, and only the tensors asked for are touched.
import * as fs from 'fs';
import { EngineError } from './errors';
import { parseSafetensorsHeader } from './safetensorsHeader';

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16';

export interface SafetensorsEntry {
  dtype: SafetensorsDtype;
  shape: number[];
  /** Byte offsets into the data section (the header's `data_offsets`), end exclusive. */
  begin: number;
  end: number;
}

export type TensorToWrite = { shape: number[]; data: Float32Array };

/** A tensor's values as the file stores them: F32 as float32, F16 and BF16 as their 16-bit patterns. */
export type StoredTensor = { dtype: 'F32'; data: Float32Array } | { dtype: 'F16' | 'BF16'; data: Uint16Array };

const DTYPE_SIZE: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2 };

/** A tensor whose dtype the format knows but this engine does not compute with. */
export interface OtherEntry {
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}
/** The reference implementation refuses headers above 100 MB; so do we. */
const MAX_HEADER_BYTES = 100_000_000;
/** fs.readSync reads at most this many bytes per call (2 GiB - 1 on most platforms). */
const READ_CHUNK = 1 << 30;

function isSupported(dtype: string): dtype is SafetensorsDtype {
  return dtype === 'F32' || dtype === 'F16' || dtype === 'BF16';
}

/** Reads exactly `length` bytes at `position` into `into` (looping over short reads). */
function readExactly(fd: number, into: Uint8Array, position: number, file: string): void {
  let done = 0;
  while (done < into.byteLength) {
    const want = Math.min(READ_CHUNK, into.byteLength - done);
    const n = fs.readSync(fd, into, done, want, position + done);
    if (n <= 0) {
      throw new EngineError('BAD_SAFETENSORS', `${file}: file ended early (wanted ${into.byteLength} bytes at offset ${position})`, file);
    }
    done += n;
  }
}

export class SafetensorsFile {
  readonly path: string;
  readonly entries: Map<string, SafetensorsEntry>;
  /**
   * Tensors of other valid safetensors dtypes (F64, I8, BOOL, …). Opening succeeds so that callers
   * may skip them (mask buffers); reading one throws UNKNOWN_DTYPE.
   */
  readonly otherEntries: Map<string, OtherEntry>;
  readonly metadata?: Record<string, string>;
  /** File offset where the data section starts (8 + header length). */
  readonly dataStart: number;
  private fd: number | undefined;

  private constructor(
    path: string,
    fd: number,
    entries: Map<string, SafetensorsEntry>,
    otherEntries: Map<string, OtherEntry>,
    dataStart: number,
    metadata?: Record<string, string>,
  ) {
    this.path = path;
    this.fd = fd;
    this.entries = entries;
    this.otherEntries = otherEntries;
    this.dataStart = dataStart;
    if (metadata) this.metadata = metadata;
  }

  /** Opens `path` and validates its header; tensor data is only read by `read`. */
  static open(path: string): SafetensorsFile {
    let fd: number;
    try {
      // A directory or a named pipe under the file's name: opening a pipe would wait for a writer forever.
      if (!fs.statSync(path).isFile()) throw new EngineError('BAD_SAFETENSORS', `${path}: not a regular file`, path);
      fd = fs.openSync(path, 'r');
    } catch (err) {
      if (err instanceof EngineError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new EngineError('FILE_NOT_FOUND', `${path}: file not found`, path);
      throw new EngineError('BAD_SAFETENSORS', `${path}: cannot open (${code ?? String(err)})`, path);
    }
    try {
      const { entries, otherEntries, metadata, dataStart } = parseHeader(fd, path);
      return new SafetensorsFile(path, fd, entries, otherEntries, dataStart, metadata);
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
  }

  /** Reads one tensor as float32 (F16 and BF16 are widened exactly). */
  read(name: string): Float32Array {
    const t = this.readStored(name);
    if (t.dtype === 'F32') return t.data;
    return t.dtype === 'F16' ? f16ToF32(t.data) : bf16ToF32(t.data);
  }

  /**
   * Reads one tensor as the file stores it: F16 and BF16 stay 16-bit (their bit patterns, in
   * native byte order), for the GEMM's 16-bit panels (half the memory of widening them).
   */
  readStored(name: string): StoredTensor {
    const entry = this.entries.get(name);
    const other = this.otherEntries.get(name);
    if (other) throw unsupportedDtype(this.path, name, other.dtype);
    if (!entry) throw new EngineError('BAD_SAFETENSORS', `${this.path}: no tensor named "${name}"`, this.path);
    if (this.fd === undefined) throw new EngineError('BAD_SAFETENSORS', `${this.path}: file already closed`, this.path);
    const count = (entry.end - entry.begin) / DTYPE_SIZE[entry.dtype];
    const position = this.dataStart + entry.begin;
    if (entry.dtype === 'F32') {
      const out = new Float32Array(count);
      readExactly(this.fd, new Uint8Array(out.buffer), position, this.path);
      if (!LITTLE_ENDIAN) byteSwap(new Uint8Array(out.buffer), 4);
      return { dtype: 'F32', data: out };
    }
    const raw = new Uint16Array(count);
    readExactly(this.fd, new Uint8Array(raw.buffer), position, this.path);
    if (!LITTLE_ENDIAN) byteSwap(new Uint8Array(raw.buffer), 2);
    return { dtype: entry.dtype, data: raw };
  }

  close(): void {
    if (this.fd !== undefined) {
      fs.closeSync(this.fd);
      this.fd = undefined;
    }
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function byteSwap(bytes: Uint8Array, width: number): void {
  for (let i = 0; i < bytes.length; i += width) {
    for (let a = i, b = i + width - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

export function unsupportedDtype(file: string, name: string, dtype: string): EngineError {
  return new EngineError('UNKNOWN_DTYPE', `${file}: tensor "${name}" has dtype ${dtype}, which is not supported (F32, F16 or BF16)`, file);
}

interface Header {
  entries: Map<string, SafetensorsEntry>;
  otherEntries: Map<string, OtherEntry>;
  metadata?: Record<string, string>;
  dataStart: number;
}

function parseHeader(fd: number, file: string): Header {
  const fail = (problem: string) => new EngineError('BAD_SAFETENSORS', `${file}: ${problem}`, file);
  const size = fs.fstatSync(fd).size;
  if (size < 8) throw fail(`too short to be a safetensors file (${size} bytes)`);
  const lenBuf = Buffer.alloc(8);
  readExactly(fd, lenBuf, 0, file);
  const headerLen = lenBuf.readBigUInt64LE(0);
  // Both checks come before the header is allocated: the length field is the file's claim.
  if (headerLen < 2n || headerLen > BigInt(MAX_HEADER_BYTES)) {
    throw fail(`header length ${headerLen} is not plausible (expected 2..${MAX_HEADER_BYTES} bytes)`);
  }
  const n = Number(headerLen);
  if (8 + n > size) throw fail(`header length ${n} runs past the end of the file (${size} bytes)`);
  const headerBuf = Buffer.alloc(n);
  readExactly(fd, headerBuf, 8, file);

  const dataStart = 8 + n;
  const { tensors, metadata } = parseSafetensorsHeader(headerBuf, size - dataStart, file);
  const entries = new Map<string, SafetensorsEntry>();
  const otherEntries = new Map<string, OtherEntry>();
  for (const [name, t] of tensors) {
    if (isSupported(t.dtype)) entries.set(name, { ...t, dtype: t.dtype });
    else otherEntries.set(name, t);
  }
  return { entries, otherEntries, metadata, dataStart };
}

/**
 * Writes `tensors` to `path` in safetensors format, converting each to `opts.dtype` (default F32).
 * The header is padded with spaces to a multiple of 8 bytes; tensors are written one at a time.
 */
export function writeSafetensors(
  path: string,
  tensors: Map<string, TensorToWrite> | [string, TensorToWrite][],
  opts: { dtype?: SafetensorsDtype; metadata?: Record<string, string> } = {},
): void {
  const dtype = opts.dtype ?? 'F32';
  const list = tensors instanceof Map ? [...tensors.entries()] : tensors;
  const header: Record<string, unknown> = {};
  if (opts.metadata) header.__metadata__ = opts.metadata;
  let offset = 0;
  for (const [name, t] of list) {
    if (name === '__metadata__' || name in header) {
      throw new EngineError('BAD_ARGUMENT', `${path}: tensor name "${name}" is reserved or repeated`, path);
    }
    const elements = t.shape.reduce((a, b) => a * b, 1);
    if (elements !== t.data.length) {
      throw new EngineError('BAD_ARGUMENT', `${path}: tensor "${name}" has ${t.data.length} values but shape [${t.shape.join(', ')}]`, path);
    }
    const bytes = elements * DTYPE_SIZE[dtype];
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (8 - (json.length % 8)) % 8;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const lenBuf = Buffer.alloc(8);
  lenBuf.writeBigUInt64LE(BigInt(json.length));

  const fd = fs.openSync(path, 'w');
  try {
    fs.writeSync(fd, lenBuf);
    fs.writeSync(fd, json);
    for (const [, t] of list) {
      const bytes = encode(t.data, dtype);
      let done = 0;
      while (done < bytes.length) done += fs.writeSync(fd, bytes, done, Math.min(READ_CHUNK, bytes.length - done));
    }
  } finally {
    fs.closeSync(fd);
  }
}

function encode(data: Float32Array, dtype: SafetensorsDtype): Uint8Array {
  if (dtype === 'F32') {
    const copy = LITTLE_ENDIAN ? data : new Float32Array(data);
    const bytes = new Uint8Array(copy.buffer, copy.byteOffset, copy.byteLength);
    if (!LITTLE_ENDIAN) byteSwap(bytes, 4);
    return bytes;
  }
  const half = dtype === 'F16' ? f32ToF16(data) : f32ToBf16(data);
  const bytes = new Uint8Array(half.buffer);
  if (!LITTLE_ENDIAN) byteSwap(bytes, 2);
  return bytes;
}

// ---- 16-bit float conversions (exported for the tests' hand-written bit patterns) ----

let f16Table: Float32Array | undefined;

/** IEEE binary16 bits → float32, exact for every pattern (subnormals, ±inf, NaN). */
export function f16BitsToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24; // zero and subnormals
  if (exp === 31) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Widens an array of binary16 bit patterns (through a 64 Ki-entry table built once). */
export function f16ToF32(raw: Uint16Array): Float32Array {
  if (!f16Table) {
    f16Table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) f16Table[h] = f16BitsToF32(h);
  }
  const table = f16Table;
  const out = new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = table[raw[i]];
  return out;
}

/** Widens bfloat16 bit patterns: they are the top 16 bits of a float32. */
export function bf16ToF32(raw: Uint16Array): Float32Array {
  const bits = new Uint32Array(raw.length);
  for (let i = 0; i < raw.length; i++) bits[i] = raw[i] << 16;
  return new Float32Array(bits.buffer);
}

/** float32 → binary16 bits, round to nearest even; overflow → ±inf, NaN stays NaN. */
export function f32BitsToF16(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | (mant ? 0x7e00 : 0x7c00);
  const e = exp - 127 + 15; // rebiased exponent
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal (or zero): value = M · 2^(e-38) with M the 24-bit significand; half units are 2^-24.
    const shift = 14 - e;
    if (shift > 24) return sign;
    const m = mant | 0x800000;
    let q = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && q & 1)) q++;
    return sign | q; // q may carry into the smallest normal: the bit pattern is still right
  }
  let q = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && q & 1)) q++; // a carry may reach 0x7c00 = inf, as it should
  return sign | q;
}

export function f32ToF16(data: Float32Array): Uint16Array {
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  const out = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = f32BitsToF16(bits[i]);
  return out;
}

/** float32 → bfloat16 bits, round to nearest even; NaN stays (quiet) NaN. */
export function f32BitsToBf16(bits: number): number {
  if ((bits & 0x7f800000) === 0x7f800000 && bits & 0x7fffff) return ((bits >>> 16) | 0x40) & 0xffff;
  const lsb = (bits >>> 16) & 1;
  return ((bits >>> 0) + 0x7fff + lsb) >>> 16;
}

export function f32ToBf16(data: Float32Array): Uint16Array {
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  const out = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = f32BitsToBf16(bits[i]);
  return out;
}
