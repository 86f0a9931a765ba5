// Per-kernel profile of one forward pass (tf.profile): where the time of a forward with attentions
// goes, grouped by kernel name, and the time in our GEMM (src/engine/gemm, outside tfjs: timed
// here by wrapping its two entry points), grouped by shape. One thread.
// `tsx bench/profileForward.ts [--config gpt2|bundled] [--ts 128,512]`
import { parseArgs } from 'node:util';
import { initBackend, tf } from '../src/engine/backend';
import { Gemm } from '../src/engine/gemm/gemm';
import { GPTModel } from '../src/engine/model';
import { benchConfig, randomIds } from './benchConfigs';
import { randomWeights } from './randomCheckpoint';

/** Milliseconds spent in Gemm.matmul / Gemm.product, by "M×K×N", while `on`. */
const gemmMs = new Map<string, { ms: number; n: number }>();
let on = false;
function timeGemm(): void {
  for (const name of ['matmul', 'product'] as const) {
    const orig = Gemm.prototype[name] as (...args: unknown[]) => Float32Array;
    (Gemm.prototype as unknown as Record<string, unknown>)[name] = function (this: Gemm, ...args: unknown[]): Float32Array {
      const t0 = performance.now();
      const out = orig.apply(this, args);
      if (on) {
        const M = args[1] as number;
        const [K, N] = name === 'matmul' ? [(args[2] as { inDim: number }).inDim, (args[2] as { outDim: number }).outDim] : [args[3] as number, args[4] as number];
        const key = `gemm ${name} ${M}×${K}×${N}`;
        const e = gemmMs.get(key) ?? { ms: 0, n: 0 };
        e.ms += performance.now() - t0;
        e.n++;
        gemmMs.set(key, e);
      }
      return out;
    };
  }
}

async function main(): Promise<void> {
  timeGemm();
  const { values } = parseArgs({ options: { config: { type: 'string', default: 'gpt2' }, ts: { type: 'string', default: '128' } } });
  const config = benchConfig(values.config!);
  await initBackend({ backend: 'wasm' });
  const model = GPTModel.create(config, randomWeights(config, { seed: 1 }));
  for (const T of values.ts!.split(',').map(Number)) {
    const ids = randomIds(T, config.vocabSize, 7);
    await model.forward(ids, { attentions: true }); // warm-up
    gemmMs.clear();
    on = true;
    const t0 = performance.now();
    await model.forward(ids, { attentions: true });
    const wall = performance.now() - t0;
    on = false;
    const info = await tf.profile(async () => {
      await model.forward(ids, { attentions: true });
    });
    const byKernel = new Map<string, { ms: number; n: number }>();
    for (const k of info.kernels) {
      if (k.name.endsWith('__op')) continue; // an op wrapper around a kernel counted on its own
      const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      const key = /MatMul/.test(k.name) ? `${k.name} ${JSON.stringify(k.inputShapes.slice(0, 2))}` : k.name;
      const e = byKernel.get(key) ?? { ms: 0, n: 0 };
      e.ms += ms;
      e.n++;
      byKernel.set(key, e);
    }
    const total = [...byKernel.values()].reduce((s, e) => s + e.ms, 0);
    process.stdout.write(`T=${T}: wall ${wall.toFixed(0)} ms (unprofiled), kernels ${total.toFixed(0)} ms, peak ${(info.peakBytes / 2 ** 20).toFixed(0)} MiB\n`);
    const gemmTotal = [...gemmMs.values()].reduce((s, e) => s + e.ms, 0);
    process.stdout.write(`  our GEMM (with its copies in and out): ${gemmTotal.toFixed(0)} ms\n`);
    for (const [name, e] of [...gemmMs].sort((a, b) => b[1].ms - a[1].ms)) {
      process.stdout.write(`  ${name.padEnd(40)} ${e.ms.toFixed(0).padStart(7)} ms  ×${e.n}\n`);
    }
    process.stdout.write('  tfjs kernels:\n');
    for (const [name, e] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, 14)) {
      process.stdout.write(`  ${name.padEnd(40)} ${e.ms.toFixed(0).padStart(7)} ms  ${((100 * e.ms) / total).toFixed(1).padStart(5)}%  ×${e.n}\n`);
    }
  }
  model.dispose();
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
