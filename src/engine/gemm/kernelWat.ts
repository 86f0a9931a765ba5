// The WebAssembly text of our GEMM: C = A·B + bias, with B packed once into panels of 16 columns.
// `npm run gemm:build` turns it into the two .wasm files beside this one (scripts/buildGemm.ts,
// with wabt); a unit test checks that they are up to date.
//
// Why our own kernel and not tfjs's (XNNPACK) matMul: on this project's machines XNNPACK's f32
// GEMM ran the model's shapes at ~30 GFLOP/s per thread; this 2 × 16 register tile reaches ~40 with
// plain WASM SIMD (mul + add) and ~50 with relaxed SIMD's fused multiply-add (f32x4.relaxed_madd),
// measured on [512 × 768] · [768 × 3072] and the other shapes of GPT-2 small. No npm package
// offers a wasm SIMD GEMM we could use instead (we looked for gemm/blas/matmul/simd).
//
// Layout (all offsets in bytes; A, bias and C are f32):
//   A    [M × K] row-major.
//   B    packed: panel p holds columns 16p … 16p+15 as [K × 16] row-major; panels follow each
//        other, so N is padded to Np = 16·⌈N/16⌉ with zero columns. B's values are f32 (`gemm`),
//        or the checkpoint's own 16-bit bfloat16 / binary16 (`gemm_bf16`, `gemm_f16`: half the
//        memory, and half the bytes a decoding step reads), each panel row of 16 stored in the
//        order of SHUFFLE16 so that one i32x4 operation widens 4 of them (halves16() below).
//   bias [Np] (zeros when the layer has none).
//   C    [M × Np] row-major.
// Loop order: panels outer, rows inner, k innermost. A panel is K·64 bytes (48 KB for K = 768),
// so it stays in L2 while every row pair of A streams past it. A 16-bit panel is widened either
// once into f32 scratch, then multiplied by the f32 tiles (many rows: the widening is shared by
// all of them), or in the k loop itself (one or a few rows: decoding).

/** Columns per panel of a packed B. */
export const PANEL = 16;

/** The kernel flavours: plain 128-bit SIMD, or relaxed SIMD's fused multiply-add. */
export type KernelKind = 'simd' | 'relaxed';

/** How a packed B stores its values. */
export type PanelDtype = 'f32' | HalfDtype;

/** The 16-bit ones: bfloat16 (a float32's top half) and IEEE binary16. */
export type HalfDtype = 'bf16' | 'f16';

/**
 * Where column j (0 … 15) of a 16-bit panel row is stored: pairs (j, j + 4) of each half share one
 * 32-bit lane, column j in the low 16 bits. Widening a v128 of 8 values is then one operation per
 * 4 columns: `lanes << 16` gives columns 0…3 (bfloat16 is the top half of a float32), `lanes &
 * 0xffff0000` columns 4…7.
 */
export const SHUFFLE16: readonly number[] = Array.from({ length: PANEL }, (_, j) => (j & 8) | ((j & 3) << 1) | ((j >> 2) & 1));

function accName(r: number, j: number): string {
  return `$c${r}_${j}`;
}

/**
 * Sets $b0 … $b3 to one panel row of B at $bk, widened to f32. binary16 → f32: the magnitude's
 * 15 bits shifted to bits 27…13 of a float32 are the same number scaled by 2^−112 (exponent bias
 * 127 − 15, and binary16's subnormals land on float32 subnormals), so one multiply by 2^112
 * finishes it, the sign riding along in bit 31 (an arithmetic shift by 3 copies it into bits
 * 31…28; the mask keeps 31). Infinities and NaNs would come out finite: pack() refuses them.
 */
function halves16(dtype: HalfDtype, indent: string, ptr = '$bk'): string[] {
  const L: string[] = [];
  for (let h = 0; h < 2; h++) {
    L.push(`(local.set $h (v128.load offset=${16 * h} (local.get ${ptr})))`);
    const low = '(i32x4.shl (local.get $h) (i32.const 16))'; // columns 0…3 of this half, in the top 16 bits
    if (dtype === 'bf16') {
      L.push(`(local.set $b${2 * h} ${low})`);
      L.push(`(local.set $b${2 * h + 1} (v128.and (local.get $h) (local.get $mask)))`);
    } else {
      const f16 = (top: string) => `(f32x4.mul (v128.and (i32x4.shr_s ${top} (i32.const 3)) (local.get $mask)) (local.get $scale))`;
      L.push(`(local.set $b${2 * h} ${f16(low)})`);
      L.push(`(local.set $b${2 * h + 1} ${f16('(local.get $h)')})`);
    }
  }
  return L.map((l) => indent + l);
}

/**
 * One row tile: `rows` rows of A (1 or 2) times the current panel, k from 0 to K, into C.
 * Expects $ap (A's row), $bq (the panel), $cp (C's row) set; uses $k. `dtype`: the panel's
 * values, widened here when 16-bit.
 */
function tile(rows: number, fma: boolean, dtype: PanelDtype): string[] {
  const L: string[] = [];
  const J = PANEL / 4; // v128 columns per panel row
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < J; j++) L.push(`(local.set ${accName(r, j)} (v128.load offset=${16 * j} (local.get $biasp)))`);
  }
  // causal: this tile's rows see keys 0 … $causal + last row − 1, so k stops there
  L.push('(local.set $k (local.get $K))');
  L.push('(if (i32.ge_s (local.get $causal) (i32.const 0)) (then');
  L.push(`  (local.set $kc (i32.add (local.get $causal) (i32.add (local.get $row) (i32.const ${rows - 1}))))`);
  L.push('  (if (i32.lt_u (local.get $kc) (local.get $k)) (then (local.set $k (local.get $kc))))))');
  L.push('(local.set $bk (local.get $bq))');
  L.push('(local.set $ak (local.get $ap))');
  L.push('(loop $kloop');
  if (dtype === 'f32') {
    for (let j = 0; j < J; j++) L.push(`  (local.set $b${j} (v128.load offset=${16 * j} (local.get $bk)))`);
  } else {
    L.push(...halves16(dtype, '  '));
  }
  for (let r = 0; r < rows; r++) {
    // row r of A is K floats after row r - 1
    const addr = r === 0 ? '(local.get $ak)' : '(i32.add (local.get $ak) (local.get $rowBytes))';
    L.push(`  (local.set $a${r} (v128.load32_splat ${addr}))`);
    for (let j = 0; j < J; j++) {
      const c = accName(r, j);
      L.push(
        fma
          ? `  (local.set ${c} (f32x4.relaxed_madd (local.get $a${r}) (local.get $b${j}) (local.get ${c})))`
          : `  (local.set ${c} (f32x4.add (local.get ${c}) (f32x4.mul (local.get $a${r}) (local.get $b${j}))))`,
      );
    }
  }
  L.push(`  (local.set $bk (i32.add (local.get $bk) (i32.const ${PANEL * (dtype === 'f32' ? 4 : 2)})))`);
  L.push('  (local.set $ak (i32.add (local.get $ak) (i32.const 4)))');
  L.push('  (local.set $k (i32.sub (local.get $k) (i32.const 1)))');
  L.push('  (br_if $kloop (local.get $k)))');
  for (let r = 0; r < rows; r++) {
    const addr = r === 0 ? '(local.get $cp)' : '(i32.add (local.get $cp) (local.get $cRowBytes))';
    for (let j = 0; j < J; j++) L.push(`(v128.store offset=${16 * j} ${addr} (local.get ${accName(r, j)}))`);
  }
  return L;
}

/** Every row of A (pairs, then the odd last one) times the panel at $bq, whose values are `dtype`. */
function rowLoops(fma: boolean, dtype: PanelDtype): string[] {
  return [
    '(local.set $i (i32.const 0))',
    '(local.set $ap (local.get $a))',
    `(local.set $cp (i32.add (local.get $c) (i32.shl (local.get $p) (i32.const 2))))`,
    '(block $idone (loop $iloop',
    '(br_if $idone (i32.ge_u (local.get $i) (local.get $pairs)))',
    '(local.set $row (i32.shl (local.get $i) (i32.const 1)))',
    ...tile(2, fma, dtype),
    '(local.set $ap (i32.add (local.get $ap) (i32.shl (local.get $rowBytes) (i32.const 1))))',
    '(local.set $cp (i32.add (local.get $cp) (i32.shl (local.get $cRowBytes) (i32.const 1))))',
    '(local.set $i (i32.add (local.get $i) (i32.const 1)))',
    '(br $iloop)))',
    // the last row when M is odd
    '(if (i32.and (local.get $M) (i32.const 1)) (then',
    '(local.set $row (i32.sub (local.get $M) (i32.const 1)))',
    ...tile(1, fma, dtype),
    '))',
  ];
}

/**
 * One row of A times two 16-bit panels at once ($bq and the next), widened in the k loop: decoding's
 * single row. Why: a 1 × 16 tile has 4 accumulators, 4 chains of dependent multiply-adds, too few
 * to keep the FMA units busy (see the note on chains in tile()); two panels give 8. Each column is
 * still summed over k in order, so the result is the same, bit for bit.
 */
function pairTile16(fma: boolean, dtype: HalfDtype): string[] {
  const J = PANEL / 4;
  const L: string[] = [];
  for (let r = 0; r < 2; r++) for (let j = 0; j < J; j++) L.push(`(local.set ${accName(r, j)} (v128.load offset=${64 * r + 16 * j} (local.get $biasp)))`);
  L.push('(local.set $k (local.get $K))', '(local.set $bk (local.get $bq))', '(local.set $bk2 (i32.add (local.get $bq) (local.get $panelBytes)))', '(local.set $ak (local.get $a))');
  L.push('(loop $kpair', '  (local.set $a0 (v128.load32_splat (local.get $ak)))');
  for (let r = 0; r < 2; r++) {
    L.push(...halves16(dtype, '  ', r === 0 ? '$bk' : '$bk2'));
    for (let j = 0; j < J; j++) {
      const c = accName(r, j);
      L.push(
        fma
          ? `  (local.set ${c} (f32x4.relaxed_madd (local.get $a0) (local.get $b${j}) (local.get ${c})))`
          : `  (local.set ${c} (f32x4.add (local.get ${c}) (f32x4.mul (local.get $a0) (local.get $b${j}))))`,
      );
    }
  }
  L.push(
    `  (local.set $bk (i32.add (local.get $bk) (i32.const ${PANEL * 2})))`,
    `  (local.set $bk2 (i32.add (local.get $bk2) (i32.const ${PANEL * 2})))`,
    '  (local.set $ak (i32.add (local.get $ak) (i32.const 4)))',
    '  (local.set $k (i32.sub (local.get $k) (i32.const 1)))',
    '  (br_if $kpair (local.get $k)))',
  );
  L.push(`(local.set $cp (i32.add (local.get $c) (i32.shl (local.get $p) (i32.const 2))))`);
  for (let r = 0; r < 2; r++) for (let j = 0; j < J; j++) L.push(`(v128.store offset=${64 * r + 16 * j} (local.get $cp) (local.get ${accName(r, j)}))`);
  return L;
}

/** The panel at $bp widened into f32 at $w (K rows of 16), for the f32 tiles to read. */
function widenPanel(dtype: HalfDtype): string[] {
  const J = PANEL / 4;
  return [
    '(local.set $bk (local.get $bp))',
    '(local.set $wk (local.get $w))',
    '(local.set $k (local.get $K))',
    '(loop $wloop',
    ...halves16(dtype, '  '),
    ...Array.from({ length: J }, (_, j) => `  (v128.store offset=${16 * j} (local.get $wk) (local.get $b${j}))`),
    `  (local.set $bk (i32.add (local.get $bk) (i32.const ${PANEL * 2})))`,
    `  (local.set $wk (i32.add (local.get $wk) (i32.const ${PANEL * 4})))`,
    '  (local.set $k (i32.sub (local.get $k) (i32.const 1)))',
    '  (br_if $wloop (local.get $k)))',
  ];
}

const splat = (bits: number): string => `(v128.const i32x4 ${bits} ${bits} ${bits} ${bits})`;

/**
 * One exported function. f32: `gemm(a, b, bias, c, M, K, Np, causal)`; causal ≥ 1: A is
 * lower-triangular by rows, row i's values past column causal + i − 1 are zeros (attention
 * weights·v: query i sees keys 0 … pos0 + i, causal = pos0 + 1), so they are skipped (a row pair
 * runs as far as its second row needs); causal < 0: a full product. 16-bit: `gemm_bf16(a, b,
 * bias, c, M, K, Np, w)` (and gemm_f16), never causal; w > 0: each panel is widened into f32
 * scratch at byte w (K · 64 bytes) first, w = 0: in the k loop. K ≥ 1.
 */
function gemmFunc(fma: boolean, dtype: PanelDtype): string {
  const J = PANEL / 4;
  const sixteen = dtype !== 'f32';
  const last = sixteen ? '(param $w i32)' : '(param $causal i32)';
  const ints = ['$k', '$kc', '$row', '$p', '$i', '$ap', '$bp', '$bq', '$cp', '$ak', '$bk', '$biasp', '$rowBytes', '$cRowBytes', '$panelBytes', '$pairs'];
  if (sixteen) ints.push('$causal', '$wk', '$bk2');
  const vectors = ['$a0', '$a1', ...Array.from({ length: J }, (_, j) => `$b${j}`)];
  for (let r = 0; r < 2; r++) for (let j = 0; j < J; j++) vectors.push(accName(r, j));
  if (sixteen) vectors.push('$h', '$mask', '$scale');
  const name = sixteen ? `gemm_${dtype}` : 'gemm';
  const body = sixteen
    ? [
        '(if (local.get $w) (then',
        ...widenPanel(dtype),
        '(local.set $bq (local.get $w))',
        ...rowLoops(fma, 'f32'),
        ') (else',
        '(local.set $bq (local.get $bp))',
        // one row and two panels left: both at once (pairTile16), then one panel more is done
        `(if (i32.and (i32.eq (local.get $M) (i32.const 1)) (i32.lt_u (i32.add (local.get $p) (i32.const ${PANEL})) (local.get $Np))) (then`,
        ...pairTile16(fma, dtype as HalfDtype),
        `(local.set $p (i32.add (local.get $p) (i32.const ${PANEL})))`,
        '(local.set $bp (i32.add (local.get $bp) (local.get $panelBytes)))',
        `(local.set $biasp (i32.add (local.get $biasp) (i32.const ${PANEL * 4})))`,
        ') (else',
        ...rowLoops(fma, dtype),
        '))',
        '))',
      ]
    : ['(local.set $bq (local.get $bp))', ...rowLoops(fma, 'f32')];
  return [
    `(func (export "${name}") (param $a i32) (param $b i32) (param $bias i32) (param $c i32) (param $M i32) (param $K i32) (param $Np i32) ${last}`,
    ints.map((n) => `(local ${n} i32)`).join(' '),
    vectors.map((n) => `(local ${n} v128)`).join(' '),
    ...(sixteen
      ? [
          '(local.set $causal (i32.const -1))',
          `(local.set $mask ${splat(dtype === 'bf16' ? 0xffff0000 | 0 : 0x8fffe000 | 0)})`,
          `(local.set $scale ${splat(0x77800000)})`, // 2^112 as f32
        ]
      : []),
    '(local.set $rowBytes (i32.shl (local.get $K) (i32.const 2)))',
    '(local.set $cRowBytes (i32.shl (local.get $Np) (i32.const 2)))',
    `(local.set $panelBytes (i32.mul (local.get $K) (i32.const ${PANEL * (sixteen ? 2 : 4)})))`,
    '(local.set $pairs (i32.shr_u (local.get $M) (i32.const 1)))',
    '(local.set $p (i32.const 0))',
    '(local.set $bp (local.get $b))',
    '(local.set $biasp (local.get $bias))',
    '(block $pdone (loop $ploop',
    '(br_if $pdone (i32.ge_u (local.get $p) (local.get $Np)))',
    ...body,
    `(local.set $p (i32.add (local.get $p) (i32.const ${PANEL})))`,
    '(local.set $bp (i32.add (local.get $bp) (local.get $panelBytes)))',
    `(local.set $biasp (i32.add (local.get $biasp) (i32.const ${PANEL * 4})))`,
    '(br $ploop)))',
    ')',
  ].join('\n');
}

/** The module's text: exports `memory`, `gemm` (f32 panels), `gemm_bf16` and `gemm_f16` (see gemmFunc). */
export function kernelWat(kind: KernelKind): string {
  const fma = kind === 'relaxed';
  return [
    `;; Attention Lens GEMM (${kind}): generated by src/engine/gemm/kernelWat.ts`,
    '(module',
    '(memory (export "memory") 1 65536)',
    gemmFunc(fma, 'f32'),
    gemmFunc(fma, 'bf16'),
    gemmFunc(fma, 'f16'),
    ')',
    '',
  ].join('\n');
}

/** The file each kernel is committed as, beside this module (and copied beside the bundles). */
export const KERNEL_FILES: Record<KernelKind, string> = {
  simd: 'attention-lens-gemm-simd.wasm',
  relaxed: 'attention-lens-gemm-relaxed.wasm',
};
