// `npm run bench`: load time, forward-with-attentions time, KV-cache generation speed and peak
// memory on a GPT-2-small-shaped random checkpoint; the same forward in PyTorch when it is there.
// Not a test: it measures, it does not judge. Prints a table and one JSON line.
//
//   node dist/bench.js [--quick] [--json FILE] [--config gpt2|mini|PATH/config.json] [--backend wasm|cpu] [--no-torch]
// --config with a config.json (e.g. the bundled model's) benchmarks a random model of that shape.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../src/engine/backend';
import { loadCheckpoint } from '../src/engine/checkpoint';
import { parseConfig } from '../src/engine/config';
import { generateIds } from '../src/engine/generate';
import { GPTModel } from '../src/engine/model';
import type { GPTConfig } from '../src/engine/types';
import { gpt2Config, writeRandomCheckpoint } from './randomCheckpoint';

const CONFIGS: Record<string, GPTConfig> = {
  /** GPT-2 small: 124M parameters. */
  gpt2: gpt2Config({ vocabSize: 50257, nPositions: 1024, nEmbd: 768, nLayer: 12, nHead: 12, name: 'random-gpt2-small' }),
  /** A quick shape for smoke runs of the benchmark itself. */
  mini: gpt2Config({ vocabSize: 4096, nPositions: 1024, nEmbd: 256, nLayer: 4, nHead: 4, name: 'random-mini' }),
};
const PROMPT = 128;
const NEW_TOKENS = 64;
const RUNS = 3;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;
const peakRssMb = (): number => process.resourceUsage().maxRSS / 1024;

function randomIds(n: number, V: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % V;
  });
}

function torchAvailable(): boolean {
  return spawnSync('/usr/bin/python3', ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean' },
      json: { type: 'string' },
      config: { type: 'string', default: 'gpt2' },
      backend: { type: 'string', default: 'wasm' },
      'no-torch': { type: 'boolean' },
    },
    strict: true,
  });
  const config = values.config!.endsWith('.json')
    ? parseConfig(JSON.parse(readFileSync(values.config!, 'utf8')), values.config!)
    : CONFIGS[values.config!];
  if (!config) throw new Error(`--config must be one of ${Object.keys(CONFIGS).join(', ')} or a config.json`);
  const backendKind = values.backend === 'cpu' ? 'cpu' : 'wasm';
  const Ts = (values.quick ? [128] : [128, 512, 1024]).filter((t) => t <= config.nPositions);
  const dir = mkdtempSync(join(tmpdir(), 'al-bench-'));
  const report: Record<string, unknown> = { config: values.config, backend: backendKind, threads: 1 };
  try {
    let t0 = process.hrtime.bigint();
    writeRandomCheckpoint(dir, config, { seed: 1, std: 0.02 });
    report.writeCheckpointMs = ms(t0);

    t0 = process.hrtime.bigint();
    report.backend = await initBackend({ backend: backendKind, wasmDir: __dirname });
    report.backendInitMs = ms(t0);

    t0 = process.hrtime.bigint();
    const { config: loaded, weights } = loadCheckpoint(dir);
    const model = GPTModel.create(loaded, weights);
    weights.clear();
    report.loadMs = ms(t0);
    report.numParams = model.numParams;

    const ids = randomIds(Math.max(...Ts, PROMPT), config.vocabSize, 7);
    const idsFile = join(dir, 'ids.i32');
    writeFileSync(idsFile, Buffer.from(new Int32Array(ids).buffer));

    const forwardMs: Record<string, number> = {};
    let lastRow128: Float32Array | undefined;
    for (const T of Ts) {
      const x = ids.slice(0, T);
      const warm = await model.forward(x, { attentions: true });
      if (T === Ts[0]) lastRow128 = warm.logits.slice((T - 1) * config.vocabSize, T * config.vocabSize);
      const times: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        t0 = process.hrtime.bigint();
        await model.forward(x, { attentions: true });
        times.push(ms(t0));
      }
      forwardMs[T] = median(times);
      process.stderr.write(`forward T=${T}: ${forwardMs[T].toFixed(0)} ms\n`);
    }
    report.forwardMs = forwardMs;

    const prompt = ids.slice(0, PROMPT);
    const gen = { maxNewTokens: NEW_TOKENS, temperature: 0, stopAtEos: false };
    await generateIds(model, prompt, { ...gen, maxNewTokens: 2 }); // warm-up
    t0 = process.hrtime.bigint();
    await generateIds(model, prompt, { ...gen, maxNewTokens: 1 });
    const prefill = ms(t0);
    t0 = process.hrtime.bigint();
    const out = await generateIds(model, prompt, gen);
    const total = ms(t0);
    report.generation = {
      promptTokens: PROMPT,
      newTokens: out.ids.length,
      totalMs: total,
      prefillMs: prefill,
      tokensPerSecond: out.ids.length / (total / 1000),
      decodeTokensPerSecond: (out.ids.length - 1) / ((total - prefill) / 1000),
    };
    model.dispose();
    report.peakRssMb = peakRssMb();

    if (!values['no-torch'] && torchAvailable()) {
      const script = join(__dirname, '..', 'bench', 'torch_forward.py');
      const lastFile = join(dir, 'torch-last.f32');
      const stdout = execFileSync(
        '/usr/bin/python3',
        [script, dir, '--ts', Ts.join(','), '--threads', '2', '--runs', String(RUNS), '--ids-file', idsFile, '--dump-last-logits', lastFile],
        { encoding: 'utf8', maxBuffer: 1 << 20 },
      );
      const torch = JSON.parse(stdout.trim().split('\n').pop()!) as { torch: string; threads: number; ms: Record<string, number> };
      const ratio: Record<string, number> = {};
      for (const T of Ts) ratio[T] = forwardMs[T] / torch.ms[T];
      let maxDiff = 0;
      const theirs = new Float32Array(readFileSync(lastFile).buffer.slice(0));
      for (let i = 0; i < theirs.length; i++) maxDiff = Math.max(maxDiff, Math.abs(theirs[i] - lastRow128![i]));
      report.torch = { version: torch.torch, threads: torch.threads, forwardMs: torch.ms, oursOverTorch: ratio, maxAbsLogitDiffLastRow: maxDiff };
    } else {
      report.torch = null;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  printTable(report);
  const line = JSON.stringify(report);
  process.stdout.write(`${line}\n`);
  if (values.json) writeFileSync(values.json, `${line}\n`);
}

function printTable(r: Record<string, unknown>): void {
  const f = (x: number, digits = 0): string => x.toFixed(digits);
  const rows: [string, string][] = [
    ['model', `${r.config} (${((r.numParams as number) / 1e6).toFixed(1)}M params), backend ${r.backend}`],
    ['load (read + tensors)', `${f(r.loadMs as number)} ms`],
  ];
  const fw = r.forwardMs as Record<string, number>;
  const torch = r.torch as { forwardMs: Record<string, number>; oursOverTorch: Record<string, number>; threads: number; maxAbsLogitDiffLastRow: number } | null;
  for (const T of Object.keys(fw)) {
    const vs = torch ? `   PyTorch (${torch.threads} threads) ${f(torch.forwardMs[T])} ms, ours/PyTorch ${f(torch.oursOverTorch[T], 2)}` : '';
    rows.push([`forward + attentions T=${T}`, `${f(fw[T])} ms${vs}`]);
  }
  const g = r.generation as { newTokens: number; tokensPerSecond: number; decodeTokensPerSecond: number; prefillMs: number };
  rows.push([`generate ${g.newTokens} after ${PROMPT} (greedy, KV cache)`, `${f(g.tokensPerSecond, 1)} tok/s overall, ${f(g.decodeTokensPerSecond, 1)} tok/s decode, prefill ${f(g.prefillMs)} ms`]);
  rows.push(['peak RSS', `${f(r.peakRssMb as number)} MB`]);
  if (torch) rows.push(['max |logit diff| vs PyTorch (last row, T=128)', torch.maxAbsLogitDiffLastRow.toExponential(2)]);
  const w = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(w)}  ${v}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
