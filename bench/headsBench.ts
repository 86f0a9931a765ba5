// The head table's cost: every score of every head (analysis/headScores.ts) on GPT-2 small's shape
// (12 layers × 12 heads, random weights) at T = 128, from the attention a forward produced, beside
// that forward's own time (the table is scored after it, from the maps the engine already made).
// The ids are 64 random ids repeated twice, the probe's shape, so induction and duplicate-token
// have queries to average over. `npm run bench:heads [-- --config gpt2|bundled|mini --t 128]`.
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { scoreHeads } from '../src/analysis/headScores';
import { initBackend } from '../src/engine/backend';
import { GPTModel } from '../src/engine/model';
import { benchConfig, randomIds } from './benchConfigs';
import { randomWeights } from './randomCheckpoint';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { config: { type: 'string', default: 'gpt2' }, t: { type: 'string', default: '128' }, reps: { type: 'string', default: '20' } } });
  const config = benchConfig(values.config!);
  const T = Number(values.t);
  const reps = Number(values.reps);
  await initBackend({ backend: 'wasm' });
  const model = GPTModel.create(config, randomWeights(config, { seed: 1 }));
  const half = randomIds(T / 2, config.vocabSize, 7);
  const ids = [...half, ...half]; // [T]
  await model.forward(ids, { attentions: true }); // warm-up
  const forwardMs: number[] = [];
  let attentions: Float32Array[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const out = await model.forward(ids, { attentions: true });
    forwardMs.push(performance.now() - t0);
    attentions = out.attentions ?? []; // L × [H, T, T]
  }
  model.dispose();
  scoreHeads(attentions, config.nHead, T, ids); // warm-up
  const scoreMs: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    scoreHeads(attentions, config.nHead, T, ids);
    scoreMs.push(performance.now() - t0);
  }
  const report = {
    model: config.name,
    nLayer: config.nLayer,
    nHead: config.nHead,
    T,
    headTableMs: Number(median(scoreMs).toFixed(2)),
    forwardWithAttentionsMs: Number(median(forwardMs).toFixed(1)),
    reps,
    loadAverage: loadavg().map((x) => Number(x.toFixed(2))),
  };
  console.log(JSON.stringify(report));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
