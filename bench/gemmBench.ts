// Our GEMM alone (src/engine/gemm) on Qwen2.5-0.5B's weight shapes, f32 panels against 16-bit
// (bfloat16, binary16) ones: GFLOP/s (2·M·K·N per call) and, for decoding's single row, the weight
// bytes read per second. One thread, the best of a few timed rounds, timed by the process's CPU
// time (on a machine shared with other work, wall time counts what they ran too).
// `npm run bench:gemm [-- --ts 1,512] [--kernel simd|relaxed] [--widen auto|loop|panel] [--rounds 5]`
// --widen: where 16-bit panels are widened: auto (Gemm's choice by row count), loop (in the k
// loop, always) or panel (each panel once into f32 scratch, always).
import { parseArgs } from 'node:util';
import { Gemm } from '../src/engine/gemm/gemm';
import type { KernelKind, PanelDtype } from '../src/engine/gemm/kernelWat';
import { f32ToBf16, f32ToF16 } from '../src/engine/safetensors';

/** [K, N, name]: the MLP's up/gate and down projections and the (tied) LM head. */
const SHAPES: [number, number, string][] = [
  [896, 4864, 'mlp up'],
  [4864, 896, 'mlp down'],
  [896, 151936, 'lm head'],
];
/** The head is only timed for decoding (a prompt's forward asks for the last row's logits). */
const HEAD_ROWS = 1;

/** n values like a trained layer's: uniform in ±0.05 (a few binary16 subnormals among them). */
function weights(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * 0.1;
  }
  return out;
}

/** CPU seconds this process has used. */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** Best CPU seconds per call over `rounds` rounds of at least ~0.2 s each. */
function time(run: () => void, rounds: number): number {
  run(); // warm-up
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    let calls = 0;
    const t0 = cpuSeconds();
    let t = t0;
    while (t - t0 < 0.2 || calls < 2) {
      run();
      calls++;
      t = cpuSeconds();
    }
    best = Math.min(best, (t - t0) / calls);
  }
  return best;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      ts: { type: 'string', default: '1,512' },
      kernel: { type: 'string' },
      widen: { type: 'string', default: 'auto' },
      rounds: { type: 'string', default: '5' },
    },
  });
  const kind = values.kernel as KernelKind | undefined;
  if (kind !== undefined && kind !== 'simd' && kind !== 'relaxed') throw new Error('--kernel must be simd or relaxed');
  const from = { auto: undefined, loop: Infinity, panel: 1 }[values.widen!];
  if (!(values.widen! in { auto: 0, loop: 0, panel: 0 })) throw new Error('--widen must be auto, loop or panel');
  const rounds = Number(values.rounds);
  const ts = values.ts!.split(',').map(Number);
  const dtypes: PanelDtype[] = ['f32', 'bf16', 'f16'];
  process.stdout.write(`kernel ${kind ?? new Gemm().kind}, widen ${values.widen}, one thread, best of ${rounds}\n`);
  process.stdout.write(`${'shape'.padEnd(28)}${'T'.padStart(5)}${dtypes.map((d) => `${d} GFLOP/s`.padStart(16)).join('')}${dtypes.map((d) => `${d} GB/s`.padStart(12)).join('')}\n`);
  for (const [K, N, name] of SHAPES) {
    const w = weights(K * N, K + N);
    const half = { bf16: f32ToBf16(w), f16: f32ToF16(w) };
    for (const T of ts) {
      if (name === 'lm head' && T !== HEAD_ROWS) continue;
      const a = weights(T * K, 7);
      const out = new Float32Array(T * N);
      const gflops: string[] = [];
      const gbps: string[] = [];
      for (const dtype of dtypes) {
        const gemm = new Gemm(kind);
        if (from !== undefined) gemm.widenFromRows = { bf16: from, f16: from };
        const packed = dtype === 'f32' ? gemm.pack(w, K, N) : gemm.pack(half[dtype], K, N, { dtype });
        const s = time(() => packed.matmulInto(a, T, out, N, 0), rounds);
        gflops.push(((2 * T * K * N) / s / 1e9).toFixed(1).padStart(16));
        gbps.push((T === 1 ? (packed.bytes / s / 1e9).toFixed(1) : '-').padStart(12));
        gemm.dispose();
      }
      process.stdout.write(`${`${name} ${K}×${N}`.padEnd(28)}${String(T).padStart(5)}${gflops.join('')}${gbps.join('')}\n`);
    }
  }
}

main();
