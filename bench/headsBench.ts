// The head table's cost: every score of every head (analysis/headScores.ts) on GPT-2 small's shape
// (12 layers × 12 heads, random weights) at T = 128, from the attention a forward produced, beside
// that forward's own time (the table is scored after it, from the maps the engine already made).
// The ids are 64 random ids repeated twice, the probe's shape, so induction and duplicate-token
// have queries to average over. With --patch, also per-head activation patching (issue 15): the
// clean run's head outputs recorded, then one forward of a corrupted text (its first token changed)
// per layer × head with that head's output put back, as InterventionService.patch does (timed
// once, whole). `npm run bench:heads [-- --config gpt2|bundled|mini --t 128 --patch]`.
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { scoreHeads } from '../src/analysis/headScores';
import { initBackend } from '../src/engine/backend';
import { GPTModel } from '../src/engine/model';
import { benchConfig, randomIds } from './benchConfigs';
import { randomWeights } from './randomCheckpoint';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { config: { type: 'string', default: 'gpt2' }, t: { type: 'string', default: '128' }, reps: { type: 'string', default: '20' }, patch: { type: 'boolean', default: false } } });
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
  const patch = values.patch ? await perHeadPatching(model, ids) : undefined;
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
    ...(patch ? { perHeadPatchingMs: Number(patch.ms.toFixed(0)), patchingForwards: patch.forwards } : {}),
    reps,
    loadAverage: loadavg().map((x) => Number(x.toFixed(2))),
  };
  console.log(JSON.stringify(report));
}

/** Per-head patching as the session runs it: record the clean heads, then one forward per layer × head. */
async function perHeadPatching(model: GPTModel, clean: number[]): Promise<{ ms: number; forwards: number }> {
  const { nLayer: L, nHead: H, headDim: hd, vocabSize: V } = model.config;
  const T = clean.length;
  const corrupt = [(clean[0] + 1) % V, ...clean.slice(1)];
  const t0 = performance.now();
  const recordHeads = Array.from({ length: L }, () => model.sharedArray(H * T * hd)); // L × [H × T × hd]
  await model.forward(clean, { attentions: false, intervention: { recordHeads } });
  await model.forward(corrupt, { attentions: false });
  for (let l = 0; l < L; l++) {
    for (let h = 0; h < H; h++) {
      const values = recordHeads[l].slice(h * T * hd, (h + 1) * T * hd); // [T × hd]
      await model.forward(corrupt, { attentions: false, intervention: { heads: [{ layer: l, head: h, mode: 'replace', values }] } });
    }
  }
  return { ms: performance.now() - t0, forwards: L * H + 2 };
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
