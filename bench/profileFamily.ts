// Where a family model's forward and decoding step spend their time, on one thread, by the
// process's CPU time (on a loaded machine wall time counts other work too): our GEMM by shape
// (Gemm's multiply, copies in and out included), and the rest. For a whole call graph, run it
// under `node --cpu-prof`.
// `npm run build && tsx bench/profileFamily.ts --dir .bench-cache/qwen2.5-0.5b-BF16 [--ts 128,512] [--steps 16]`
import { parseArgs } from 'node:util';
import { initBackend } from '../src/engine/backend';
import { loadCheckpoint } from '../src/engine/checkpoint';
import { Gemm } from '../src/engine/gemm/gemm';
import { GPTModel } from '../src/engine/model';
import { randomIds } from './benchConfigs';

const cpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** CPU ms spent in Gemm's multiply by "M×K×N", while `on`. */
const gemmMs = new Map<string, { ms: number; n: number }>();
let on = false;
function timeGemm(): void {
  const proto = Gemm.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const orig = proto.multiply;
  proto.multiply = function (this: Gemm, ...args: unknown[]): unknown {
    if (!on) return orig.apply(this, args);
    const t0 = cpuMs();
    const out = orig.apply(this, args);
    const w = args[2] as { inDim: number; outDim: number; dtype: string };
    const key = `${args[1] as number}×${w.inDim}×${w.outDim} ${w.dtype}`;
    const e = gemmMs.get(key) ?? { ms: 0, n: 0 };
    e.ms += cpuMs() - t0;
    e.n++;
    gemmMs.set(key, e);
    return out;
  };
}

function report(what: string, total: number): void {
  const g = [...gemmMs.values()].reduce((s, e) => s + e.ms, 0);
  process.stdout.write(`${what}: ${total.toFixed(0)} ms CPU, GEMM ${g.toFixed(0)} ms, rest ${(total - g).toFixed(0)} ms\n`);
  for (const [k, e] of [...gemmMs].sort((a, b) => b[1].ms - a[1].ms).slice(0, 12)) process.stdout.write(`  ${k.padEnd(32)} ${e.ms.toFixed(0).padStart(7)} ms ×${e.n}\n`);
  gemmMs.clear();
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { dir: { type: 'string' }, ts: { type: 'string', default: '128,512' }, steps: { type: 'string', default: '16' }, attentions: { type: 'boolean', default: true } } });
  timeGemm();
  await initBackend({ backend: 'wasm' });
  const { config, weights } = loadCheckpoint(values.dir!, { keep16: true });
  const model = GPTModel.create(config, weights, { release: true });
  weights.clear();
  for (const T of values.ts!.split(',').map(Number)) {
    const ids = randomIds(T, config.vocabSize, 7);
    await model.forward(ids, { attentions: values.attentions });
    on = true;
    const t0 = cpuMs();
    await model.forward(ids, { attentions: values.attentions });
    report(`forward T=${T}`, cpuMs() - t0);
    on = false;
  }
  const cache = model.newCache();
  await model.step(cache, randomIds(128, config.vocabSize, 3));
  const steps = Number(values.steps);
  on = true;
  const t0 = cpuMs();
  for (let i = 0; i < steps; i++) await model.step(cache, [i + 5]);
  report(`${steps} decoding steps after 128`, cpuMs() - t0);
  on = false;
  process.stdout.write(`peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB\n`);
  cache.dispose();
  model.dispose();
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
