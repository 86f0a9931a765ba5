// The forward's two block paths side by side on one thread, by the process's CPU time (which a
// machine loaded by other work distorts less than wall time): tensors (layers.ts + attention.ts,
// tfjs ops around our GEMM) against plain arrays (arrayLayers.ts), alternating, on GPT-2 small's
// shape with random weights, every attention kept.
// `tsx bench/blocksAB.ts [--config gpt2] [--t 512] [--runs 3]`
import { parseArgs } from 'node:util';
import { initBackend } from '../src/engine/backend';
import { GPTModel } from '../src/engine/model';
import { benchConfig, randomIds } from './benchConfigs';
import { randomWeights } from './randomCheckpoint';

const cpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { config: { type: 'string', default: 'gpt2' }, t: { type: 'string', default: '512' }, runs: { type: 'string', default: '3' } } });
  await initBackend({ backend: 'wasm' });
  const config = benchConfig(values.config!);
  const model = GPTModel.create(config, randomWeights(config, { seed: 1, std: 0.02 }), { release: true });
  const ids = randomIds(Number(values.t), config.vocabSize, 7);
  const cpu: Record<string, number[]> = { tensors: [], arrays: [] };
  for (let r = 0; r <= Number(values.runs); r++) {
    for (const mode of ['tensors', 'arrays'] as const) {
      process.env.ATTENTION_LENS_BLOCKS = mode;
      const c0 = cpuMs();
      await model.forward(ids, { attentions: true });
      if (r > 0) cpu[mode].push(cpuMs() - c0); // run 0 warms up
    }
  }
  const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const { loadavg } = await import('node:os');
  for (const [mode, xs] of Object.entries(cpu)) process.stdout.write(`${mode.padEnd(8)} forward T=${values.t}: CPU median ${med(xs).toFixed(0)} ms [${xs.map((x) => x.toFixed(0)).join(', ')}]\n`);
  process.stdout.write(`load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}\n`);
  model.dispose();
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
