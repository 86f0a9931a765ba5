// The engine's matrix multiplications by weights: one WebAssembly instance (kernelWat.ts) per model
// and thread, holding that thread's weights packed once at load, and a scratch area above them for
// the activations of each call. The tfjs graph around it hands over plain arrays (see layers.ts).
// Memory only grows (wasm memories cannot shrink); it is freed with the instance, on dispose().
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { EngineError } from '../errors';
import { f32ToBf16, f32ToF16 } from '../safetensors';
import { KERNEL_FILES, PANEL, SHUFFLE16, type HalfDtype, type KernelKind, type PanelDtype } from './kernelWat';

const PAGE = 65536;
const MAX_PAGES = 65536; // 4 GiB, the most a wasm32 memory can hold
const ALIGN = 64; // bytes: a cache line

/** The most floats of C one kernel call writes (4 MiB): wider products run in blocks of panels. */
const SCRATCH_C_FLOATS = 1 << 20;

/** Columns of a packed matrix: n rounded up to whole panels. */
const padded = (n: number): number => Math.ceil(n / PANEL) * PANEL;

interface KernelExports {
  memory: WebAssembly.Memory;
  gemm(a: number, b: number, bias: number, c: number, M: number, K: number, Np: number, causal: number): void;
  /** 16-bit panels; w > 0: widen each panel into f32 scratch at byte w first, w = 0: in the k loop. */
  gemm_bf16(a: number, b: number, bias: number, c: number, M: number, K: number, Np: number, w: number): void;
  gemm_f16(a: number, b: number, bias: number, c: number, M: number, K: number, Np: number, w: number): void;
}

/** Bytes per packed value. */
const VALUE_BYTES: Record<PanelDtype, number> = { f32: 4, bf16: 2, f16: 2 };

/**
 * From this many rows of A on, a 16-bit matrix's panels are widened once each into f32 scratch
 * (the cost shared by the rows); below it, in the kernel's k loop (decoding's single row). Where
 * the two cross on Qwen2.5-0.5B's MLP [896 × 4864] (`npm run bench:gemm -- --widen loop|panel`):
 * bfloat16 widens with two integer operations per 8 values, cheap enough in the loop up to some
 * 32 rows; binary16 needs seven, and the loop falls behind from about 6.
 */
export const WIDEN_FROM_ROWS: Readonly<Record<HalfDtype, number>> = { bf16: 32, f16: 6 };

/** Where the .wasm files are: beside the bundle (dist/), or beside this source file (tests, tsx). */
function kernelBytes(kind: KernelKind): Uint8Array<ArrayBuffer> {
  const file = KERNEL_FILES[kind];
  const dirs = [__dirname, join(__dirname, 'gemm'), join(__dirname, '..', '..', '..', 'dist')];
  const dir = dirs.find((d) => existsSync(join(d, file)));
  if (!dir) throw new EngineError('FILE_NOT_FOUND', `cannot find ${file} (looked in ${dirs.join(', ')})`, join(dirs[0], file));
  return new Uint8Array(readFileSync(join(dir, file)));
}

const compiled = new Map<KernelKind, WebAssembly.Module>();

/** The instances not yet disposed on this thread (the engine's diagnostics sum their memories). */
const liveInstances = new Set<Gemm>();

let relaxedAnswer: boolean | undefined;

/** Whether the runtime validates relaxed SIMD, turning on V8's flag for it where it needs one (found out once). */
function relaxedSupported(): boolean {
  if (relaxedAnswer === undefined) {
    const relaxed = kernelBytes('relaxed');
    if (!WebAssembly.validate(relaxed)) setFlagsFromString('--experimental-wasm-relaxed-simd');
    relaxedAnswer = WebAssembly.validate(relaxed);
  }
  return relaxedAnswer;
}

/**
 * The relaxed-SIMD kernel where the runtime takes it, else the plain one. V8 ships relaxed SIMD
 * from 11.4 (Chrome 114; every desktop VS Code since 1.80); Node 20 (V8 11.3, what code-server
 * runs extensions on) has it behind --experimental-wasm-relaxed-simd, a flag that only changes
 * which instructions validate, so it is turned on here when needed. ATTENTION_LENS_GEMM=simd or
 * =relaxed forces one (tests and benchmarks compare them).
 */
export function defaultKernelKind(): KernelKind {
  const forced = process.env.ATTENTION_LENS_GEMM;
  if (forced === 'simd' || forced === 'relaxed') return forced;
  return relaxedSupported() ? 'relaxed' : 'simd';
}

function kernelModule(kind: KernelKind): WebAssembly.Module {
  let module = compiled.get(kind);
  if (module) return module;
  if (kind === 'relaxed' && !relaxedSupported()) {
    throw new EngineError('INTERNAL', 'this runtime has no WebAssembly relaxed SIMD');
  }
  const bytes = kernelBytes(kind);
  if (!WebAssembly.validate(bytes)) {
    throw new EngineError('INTERNAL', 'this runtime has no WebAssembly SIMD, which the engine needs (Node 16.4 or newer)');
  }
  module = new WebAssembly.Module(bytes);
  compiled.set(kind, module);
  return module;
}

export interface PackOptions {
  bias?: Float32Array;
  /** W is given as its transpose, stored [N × K]. */
  transposed?: boolean;
  /** Only columns [c0, c1) of W. */
  columns?: [number, number];
  /**
   * How the panels hold W: f32 (the default), or 16-bit bfloat16 / binary16 (half the memory;
   * widened to f32 by the kernel, products and sums stay f32). A Uint16Array W holds that
   * dtype's bit patterns (a checkpoint's own, packed as they are); a Float32Array W is rounded
   * to it (nearest even).
   */
  dtype?: PanelDtype;
}

/** A weight matrix W [K × N] (with its bias) packed into a Gemm's memory. */
export class PackedMatrix {
  constructor(
    /** The instance holding it (whose product() serves the activations' own products). */
    readonly owner: Gemm,
    /** Rows of W: the input width. */
    readonly inDim: number,
    /** Columns of W: the output width. */
    readonly outDim: number,
    /** Byte offsets of the panels and of the bias [Np]. */
    readonly offset: number,
    readonly biasOffset: number,
    /** How its panels hold W. */
    readonly dtype: PanelDtype = 'f32',
  ) {}

  /** Bytes its panels take in the owner's memory (the bias not counted). */
  get bytes(): number {
    return this.inDim * padded(this.outDim) * VALUE_BYTES[this.dtype];
  }

  /** a [M × inDim] (row-major) · W + bias → a new [M × outDim]. */
  matmul(a: Float32Array, M: number): Float32Array {
    return this.owner.matmul(a, M, this);
  }

  /** The same product written into `out`: row i at out[i · stride + col …]. */
  matmulInto(a: Float32Array, M: number, out: Float32Array, stride: number, col: number): void {
    this.owner.matmulInto(a, M, this, out, stride, col);
  }
}

/**
 * Throws if the binary16 panels h[from … to) hold an infinity or a NaN (exponent bits all ones),
 * naming its row and column of W [K × N] (whose packed columns start at c0).
 */
function checkFinite16(h: Uint16Array, from: number, to: number, K: number, N: number, c0: number): void {
  let bad = 0;
  for (let i = from; i < to; i++) bad |= ((h[i] & 0x7c00) + 0x400) & 0x8000; // 0x7c00 + 0x400 carries into bit 15
  if (!bad) return;
  let i = from;
  while ((h[i] & 0x7c00) !== 0x7c00) i++;
  const at = i - from;
  const panel = Math.floor(at / (K * PANEL));
  const k = Math.floor((at % (K * PANEL)) / PANEL);
  const column = c0 + panel * PANEL + SHUFFLE16.indexOf(at % PANEL);
  throw new EngineError('BAD_WEIGHTS', `a binary16 matrix [${K} × ${N}] holds ${h[i] & 0x3ff ? 'NaN' : 'an infinity'} at row ${k}, column ${column}`);
}

export class Gemm {
  readonly kind: KernelKind;
  private exports: KernelExports | undefined;
  /** First free byte above the packed weights. */
  private top = ALIGN;
  /** See WIDEN_FROM_ROWS (tests and benchmarks set it to force one way or the other). */
  widenFromRows: Record<HalfDtype, number> = { ...WIDEN_FROM_ROWS };

  constructor(kind: KernelKind = defaultKernelKind()) {
    this.kind = kind;
    this.exports = new WebAssembly.Instance(kernelModule(kind)).exports as unknown as KernelExports;
    liveInstances.add(this);
  }

  /** Bytes held by every instance on this thread not yet disposed (a leak shows as growth here). */
  static liveBytes(): { instances: number; bytes: number } {
    let bytes = 0;
    for (const g of liveInstances) bytes += g.memoryBytes;
    return { instances: liveInstances.size, bytes };
  }

  /** Bytes this instance's memory holds (weights and the largest scratch so far). */
  get memoryBytes(): number {
    return this.exports?.memory.buffer.byteLength ?? 0;
  }

  /**
   * Copies W into panels of 16 columns, once. W is [K × N] row-major, or with `transposed` its
   * transpose stored [N × K] (the tied LM head: wte [V × d] used as wteᵀ). `columns` takes only
   * columns [c0, c1) of W. `dtype`: see PackOptions (a Uint16Array W needs bf16 or f16).
   */
  pack(w: Float32Array | Uint16Array, K: number, N: number, opts: PackOptions = {}): PackedMatrix {
    const n = this.checkPack(w, K, N, opts);
    const dtype = opts.dtype ?? 'f32';
    const Np = padded(n);
    const offset = this.alloc(K * Np * VALUE_BYTES[dtype]);
    const biasOffset = this.alloc(Np * 4);
    if (dtype === 'f32') {
      if (!(w instanceof Float32Array)) throw new EngineError('INTERNAL', `cannot pack 16-bit values as f32 (pack them with dtype bf16 or f16)`);
      this.packAt(offset, w, K, N, opts);
    } else {
      this.pack16At(offset, w, K, N, opts, dtype);
    }
    this.biasAt(biasOffset, Np, opts.bias);
    return new PackedMatrix(this, K, n, offset, biasOffset, dtype);
  }

  /**
   * a [M × K] · B [K × N] for a B used once (attention's q·kᵀ and weights·v): B is packed into the
   * scratch area, not kept. B is [K × N] row-major, or with `transposed` stored [N × K]. With
   * `causal` = c ≥ 1, row i of `a` must be zero past column c + i − 1 (causal attention weights,
   * c = pos0 + 1): those columns are skipped, all but the first of them for the first row of a
   * pair of rows, which runs as far as the second row.
   */
  product(a: Float32Array, M: number, b: Float32Array, K: number, N: number, opts: { transposed?: boolean; causal?: number } = {}): Float32Array {
    this.checkPack(b, K, N, opts);
    const Np = padded(N);
    const offset = this.top;
    const biasOffset = offset + K * Np * 4;
    this.ensure(biasOffset + Np * 4);
    this.packAt(offset, b, K, N, opts);
    this.biasAt(biasOffset, Np);
    const out = new Float32Array(M * N);
    this.multiply(a, M, new PackedMatrix(this, K, N, offset, biasOffset), biasOffset + Np * 4, opts.causal ?? -1, out, N, 0);
    return out;
  }

  private checkPack(w: Float32Array | Uint16Array, K: number, N: number, opts: PackOptions): number {
    const [c0, c1] = opts.columns ?? [0, N];
    const n = c1 - c0;
    if (w.length !== K * N || c0 < 0 || c1 > N || n < 1 || K < 1) {
      throw new EngineError('INTERNAL', `cannot pack ${w.length} values as [${K} × ${N}] columns ${c0}…${c1}`);
    }
    if (opts.bias && opts.bias.length !== n) throw new EngineError('INTERNAL', `a bias of ${opts.bias.length} for ${n} columns`);
    return n;
  }

  /** Writes W's panels at `offset`, as f32. */
  private packAt(offset: number, w: Float32Array, K: number, N: number, opts: PackOptions): void {
    const [c0, c1] = opts.columns ?? [0, N];
    const n = c1 - c0;
    const f = this.f32();
    let dst = offset / 4;
    for (let p = 0; p < n; p += PANEL) {
      const width = Math.min(PANEL, n - p);
      for (let k = 0; k < K; k++, dst += PANEL) {
        if (opts.transposed) {
          for (let j = 0; j < width; j++) f[dst + j] = w[(c0 + p + j) * K + k];
        } else {
          const src = k * N + c0 + p;
          for (let j = 0; j < width; j++) f[dst + j] = w[src + j];
        }
        if (width < PANEL) f.fill(0, dst + width, dst + PANEL); // padding columns (this memory may have been scratch)
      }
    }
  }

  /**
   * Writes W's panels at `offset` as 16-bit `dtype`, each row of 16 in SHUFFLE16's order (see
   * kernelWat.ts): bit patterns as they are from a Uint16Array, rounded from a Float32Array.
   * binary16 infinities and NaNs are refused (the kernel's widening would make them finite).
   */
  private pack16At(offset: number, w: Float32Array | Uint16Array, K: number, N: number, opts: PackOptions, dtype: HalfDtype): void {
    const src = w instanceof Uint16Array ? w : dtype === 'bf16' ? f32ToBf16(w) : f32ToF16(w);
    const [c0, c1] = opts.columns ?? [0, N];
    const n = c1 - c0;
    const h = new Uint16Array(this.live().memory.buffer);
    // element (k, column c0 + p + j) of W is at src[k · kStep + (p + j) · jStep + base]
    const [kStep, jStep, base] = opts.transposed ? [1, K, c0 * K] : [N, 1, c0];
    let dst = offset / 2;
    for (let p = 0; p < n; p += PANEL) {
      const width = Math.min(PANEL, n - p);
      for (let k = 0; k < K; k++, dst += PANEL) {
        const at = base + k * kStep + p * jStep;
        if (width === PANEL) {
          // SHUFFLE16 written out: columns q + (0, 4, 1, 5, 2, 6, 3, 7) of each half q
          for (let q = 0; q < PANEL; q += 8) {
            const b = at + q * jStep;
            const d = dst + q;
            h[d] = src[b];
            h[d + 1] = src[b + 4 * jStep];
            h[d + 2] = src[b + jStep];
            h[d + 3] = src[b + 5 * jStep];
            h[d + 4] = src[b + 2 * jStep];
            h[d + 5] = src[b + 6 * jStep];
            h[d + 6] = src[b + 3 * jStep];
            h[d + 7] = src[b + 7 * jStep];
          }
        } else {
          for (let j = 0; j < PANEL; j++) h[dst + SHUFFLE16[j]] = j < width ? src[at + j * jStep] : 0; // padding columns are zeros
        }
      }
    }
    if (dtype === 'f16') checkFinite16(h, offset / 2, dst, K, N, c0);
  }

  /** Writes the bias (or zeros) [Np] at `biasOffset`. */
  private biasAt(biasOffset: number, Np: number, bias?: Float32Array): void {
    const f = this.f32();
    f.fill(0, biasOffset / 4, biasOffset / 4 + Np);
    if (bias) f.set(bias, biasOffset / 4);
  }

  /** a [M × K] · W + bias → a new [M × N]. */
  matmul(a: Float32Array, M: number, w: PackedMatrix): Float32Array {
    const out = new Float32Array(M * w.outDim);
    this.multiply(a, M, w, this.top, -1, out, w.outDim, 0);
    return out;
  }

  /** a [M × K] · W + bias written into `out`: row i at out[i · stride + col …] (a shard's columns of a wider result). */
  matmulInto(a: Float32Array, M: number, w: PackedMatrix, out: Float32Array, stride: number, col: number): void {
    const N = w.outDim;
    if (col < 0 || col + N > stride || out.length < (M - 1) * stride + col + N) {
      throw new EngineError('INTERNAL', `matmulInto: [${M} × ${N}] does not fit at column ${col} of rows of ${stride} in ${out.length} values`);
    }
    this.multiply(a, M, w, this.top, -1, out, stride, col);
  }

  /**
   * a · W with the activations in the scratch area from byte `scratch` on (causal: see product(),
   * −1 for none); row i of the result goes to out[i · stride + col …]. The panels run in blocks
   * whose [M × block] result fits SCRATCH_C_FLOATS (a wide W such as a 151936-column LM head
   * would otherwise need its whole [M × N] result in this memory, which never shrinks: 311 MB at
   * M = 512); the kernel already streams A past each panel, so blocks cost nothing more.
   */
  private multiply(a: Float32Array, M: number, w: PackedMatrix, scratch: number, causal: number, out: Float32Array, stride: number, col: number): void {
    const { inDim: K, outDim: N } = w;
    if (!Number.isInteger(M) || M < 1 || a.length < M * K) {
      throw new EngineError('INTERNAL', `matmul: ${a.length} values are not [${M} × ${K}]`);
    }
    if (causal !== -1 && !(Number.isInteger(causal) && causal >= 1)) throw new EngineError('INTERNAL', `causal offset ${causal}`);
    const Np = padded(N);
    const block = Math.min(Np, Math.max(PANEL, Math.floor(SCRATCH_C_FLOATS / M / PANEL) * PANEL)); // columns per call
    const aligned = (bytes: number) => Math.ceil(bytes / ALIGN) * ALIGN;
    // a 16-bit matrix times many rows: one panel at a time widened into f32 [K × 16] here first
    const wOff = w.dtype !== 'f32' && M >= this.widenFromRows[w.dtype] ? aligned(scratch) : 0;
    const aOff = wOff ? wOff + aligned(K * PANEL * 4) : aligned(scratch);
    const cOff = aOff + aligned(M * K * 4);
    this.ensure(cOff + M * block * 4);
    const ex = this.live();
    this.f32().set(a.subarray(0, M * K), aOff / 4);
    const panelBytes = K * PANEL * VALUE_BYTES[w.dtype];
    for (let p0 = 0; p0 < Np; p0 += block) {
      const width = Math.min(block, Np - p0); // padded columns of this block
      const b = w.offset + (p0 / PANEL) * panelBytes;
      const bias = w.biasOffset + p0 * 4;
      if (w.dtype === 'f32') ex.gemm(aOff, b, bias, cOff, M, K, width, causal);
      else if (w.dtype === 'bf16') ex.gemm_bf16(aOff, b, bias, cOff, M, K, width, wOff);
      else ex.gemm_f16(aOff, b, bias, cOff, M, K, width, wOff);
      const c = this.f32();
      const n = Math.min(width, N - p0); // real columns
      for (let i = 0; i < M; i++) out.set(c.subarray(cOff / 4 + i * width, cOff / 4 + i * width + n), i * stride + col + p0);
    }
  }

  dispose(): void {
    this.exports = undefined;
    liveInstances.delete(this);
  }

  private live(): KernelExports {
    if (!this.exports) throw new EngineError('NOT_LOADED', 'the model has been disposed');
    return this.exports;
  }

  private f32(): Float32Array {
    return new Float32Array(this.live().memory.buffer);
  }

  private alloc(bytes: number): number {
    const at = this.top;
    this.top = at + Math.ceil(bytes / ALIGN) * ALIGN;
    this.ensure(this.top);
    return at;
  }

  /** Grows the memory to hold `end` bytes. */
  private ensure(end: number): void {
    const memory = this.live().memory;
    const pages = Math.ceil(end / PAGE);
    const have = memory.buffer.byteLength / PAGE;
    if (pages <= have) return;
    if (pages > MAX_PAGES) {
      throw new EngineError('OUT_OF_MEMORY', `the model's weights and activations need ${(end / 2 ** 30).toFixed(1)} GiB in one thread; WebAssembly holds at most 4 GiB (try more threads, a shorter text or a smaller model)`);
    }
    try {
      memory.grow(pages - have);
    } catch {
      throw new EngineError('OUT_OF_MEMORY', `could not grow the engine's memory to ${(end / 2 ** 30).toFixed(1)} GiB`);
    }
  }
}
