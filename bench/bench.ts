// `npm run bench`: load time, forward-with-attentions time, KV-cache generation speed (time to
// first token, tokens/s) and peak memory on a random checkpoint of a given shape; the same forward
// in PyTorch (2 threads) when it is there. Not a test: it measures, it does not judge. Prints a
// table and one JSON line.
//
//   node dist/bench.js [--quick] [--json FILE] [--config gpt2|bundled|mini|PATH/config.json]
//                      [--ts 128,512] [--backend wasm|cpu] [--threads N] [--no-torch]
// --threads: threads the model is split over (tensor parallelism); default as the extension
// chooses (chooseThreads: 2 for GPT-2 small on a machine with 2 cores, 1 for the bundled shape).
// gpt2: GPT-2 small (12 layers, 12 heads, 768 wide, vocab 50257), forward at T = 128, 512, 1024.
// bundled: the bundled model's shape (4 layers, 4 heads, 128 wide, context 256, vocab 4096),
// forward at T = 128, 256. Generation: 64 new tokens after a 128-token prompt, greedy.
// smollm2-135m, qwen2.5-0.5b: the Llama-family benchmark (bench/familyBench.ts), which also takes
// --dtype BF16|F32 (default BF16), --runs N and --cache DIR (default .bench-cache/).
// The whole job (`dump`'s work, T = 512 or the longest T asked): load, the model's first forward
// with every attention, and writing logits.f32 [T, V] and attentions.f32 [L, H, T, T], beside
// PyTorch doing the same (torch_forward.py --job). Every time also as the process's CPU time
// (every thread), which a machine loaded by other work distorts less than wall time.
// --long: attention on demand at T = 1,024 / 2,048 / 4,096 on the SmolLM2-135M shape (bench/longBench.ts).
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { logSumExp, topKSoftmax } from '../src/analysis/topk';
import { surprisals } from '../src/analysis/surprisal';
import { initBackend } from '../src/engine/backend';
import { loadCheckpoint } from '../src/engine/checkpoint';
import { generateIds } from '../src/engine/generate';
import { GPTModel } from '../src/engine/model';
import type { ForwardResult } from '../src/engine/types';
import { countParams } from '../src/engine/families/gpt2';
import { chooseThreads } from '../src/engine/session';
import { benchConfig, randomIds } from './benchConfigs';
import { FAMILY_PRESETS, familyBench } from './familyBench';
import { longBench } from './longBench';
import { writeRandomCheckpoint } from './randomCheckpoint';

const PROMPT = 128;
const NEW_TOKENS = 64;
const RUNS = 3;
const DEFAULT_TS: Record<string, number[]> = { gpt2: [128, 512, 1024], bundled: [128, 256], mini: [128, 512] };

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;
const cpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const peakRssMb = (): number => process.resourceUsage().maxRSS / 1024;

function torchAvailable(): boolean {
  return spawnSync('/usr/bin/python3', ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0;
}

interface Generation {
  promptTokens: number;
  newTokens: number;
  /** From the call to the first new id (prefill of the prompt + one sample). */
  timeToFirstTokenMs: number;
  totalMs: number;
  tokensPerSecond: number;
  /** Tokens after the first, over the time after the first. */
  decodeTokensPerSecond: number;
}

async function timeGeneration(model: GPTModel, prompt: number[]): Promise<Generation> {
  const gen = { maxNewTokens: NEW_TOKENS, temperature: 0, stopAtEos: false };
  await generateIds(model, prompt, { ...gen, maxNewTokens: 2 }); // warm-up
  const runs: Generation[] = [];
  for (let r = 0; r < RUNS; r++) {
    let first = 0;
    const t0 = process.hrtime.bigint();
    const out = await generateIds(model, prompt, gen, { onId: (_id, _lp, i) => void (i === 0 && (first = ms(t0))) });
    const total = ms(t0);
    runs.push({
      promptTokens: prompt.length,
      newTokens: out.ids.length,
      timeToFirstTokenMs: first,
      totalMs: total,
      tokensPerSecond: out.ids.length / (total / 1000),
      decodeTokensPerSecond: (out.ids.length - 1) / ((total - first) / 1000),
    });
  }
  return runs.sort((a, b) => a.totalMs - b.totalMs)[Math.floor(runs.length / 2)];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean' },
      json: { type: 'string' },
      config: { type: 'string', default: 'gpt2' },
      ts: { type: 'string' },
      backend: { type: 'string', default: 'wasm' },
      'no-torch': { type: 'boolean' },
      threads: { type: 'string' },
      dtype: { type: 'string' },
      runs: { type: 'string' },
      cache: { type: 'string' },
      long: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.long) return longBench(values);
  if (FAMILY_PRESETS.includes(values.config!)) return familyBench({ ...values, config: values.config! });
  const config = benchConfig(values.config!);
  const backendKind = values.backend === 'cpu' ? 'cpu' : 'wasm';
  const wanted = values.ts ? values.ts.split(',').map(Number) : values.quick ? [128] : (DEFAULT_TS[values.config!] ?? [128, 512, 1024]);
  const Ts = wanted.filter((t) => t <= config.nPositions);
  const dir = mkdtempSync(join(tmpdir(), 'al-bench-'));
  const report: Record<string, unknown> = { config: values.config, backend: backendKind, threads: 1, loadavg: (await import('node:os')).loadavg()[0] };
  try {
    let t0 = process.hrtime.bigint();
    writeRandomCheckpoint(dir, config, { seed: 1, std: 0.02 });
    report.writeCheckpointMs = ms(t0);

    t0 = process.hrtime.bigint();
    report.backend = await initBackend({ backend: backendKind, wasmDir: __dirname });
    report.backendInitMs = ms(t0);

    t0 = process.hrtime.bigint();
    const loadCpu0 = cpuMs();
    const { config: loaded, weights } = loadCheckpoint(dir);
    const threads = chooseThreads(values.threads === undefined ? undefined : Number(values.threads), countParams(loaded), loaded.nHead);
    const model = await GPTModel.createParallel(loaded, weights, { threads, backend: { backend: backendKind, wasmDir: __dirname } });
    weights.clear();
    report.loadMs = ms(t0);
    report.loadCpuMs = cpuMs() - loadCpu0;
    report.threads = model.threads;
    report.numParams = model.numParams;

    const V = config.vocabSize;
    const ids = randomIds(Math.max(...Ts, PROMPT), V, 7);
    const idsFile = join(dir, 'ids.i32');
    writeFileSync(idsFile, Buffer.from(new Int32Array(ids).buffer));

    // The whole job's forward and files: the model's first forward (cold, as in `dump`).
    const jobT = Ts.includes(512) ? 512 : Ts[Ts.length - 1];
    t0 = process.hrtime.bigint();
    let c0 = cpuMs();
    let first: ForwardResult | undefined = await model.forward(ids.slice(0, jobT), { attentions: true });
    const jobForward = { ms: ms(t0), cpuMs: cpuMs() - c0 };
    t0 = process.hrtime.bigint();
    c0 = cpuMs();
    writeFileSync(join(dir, 'logits.f32'), first.logits); // [T, V]
    const fd = openSync(join(dir, 'attentions.f32'), 'w');
    for (const a of first.attentions!) writeSync(fd, a); // [L, H, T, T], layer by layer
    closeSync(fd);
    first = undefined; // not kept through the rest (peak RSS)
    const jobWrite = { ms: ms(t0), cpuMs: cpuMs() - c0 };
    report.job = { T: jobT, forward: jobForward, write: jobWrite, ms: (report.loadMs as number) + jobForward.ms + jobWrite.ms, cpuMs: (report.loadCpuMs as number) + jobForward.cpuMs + jobWrite.cpuMs };

    const forwardMs: Record<string, number> = {};
    const forwardCpuMs: Record<string, number> = {};
    const analyzeJsMs: Record<string, number> = {};
    let lastRowFirst: Float32Array | undefined;
    for (const T of Ts) {
      const x = ids.slice(0, T);
      const warm = await model.forward(x, { attentions: true });
      if (T === Ts[0]) lastRowFirst = warm.logits.slice((T - 1) * V, T * V);
      const times: number[] = [];
      const cpus: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        t0 = process.hrtime.bigint();
        c0 = cpuMs();
        await model.forward(x, { attentions: true });
        times.push(ms(t0));
        cpus.push(cpuMs() - c0);
      }
      forwardMs[T] = median(times);
      forwardCpuMs[T] = median(cpus);
      // What EngineSession.analyze does on the host after the forward: top-10 + surprisal per position.
      t0 = process.hrtime.bigint();
      const lses: number[] = [];
      for (let t = 0; t < T; t++) {
        lses.push(logSumExp(warm.logits, t * V, V));
        topKSoftmax(warm.logits, V, t, 10, String, lses[t]);
      }
      surprisals(warm.logits, V, x, lses);
      analyzeJsMs[T] = ms(t0);
      process.stderr.write(`forward T=${T}: ${forwardMs[T].toFixed(0)} ms [${times.map((t) => t.toFixed(0)).join(', ')}]\n`);
    }
    report.forwardMs = forwardMs;
    report.forwardCpuMs = forwardCpuMs;
    report.analyzeTopKJsMs = analyzeJsMs;

    const prompt = ids.slice(0, Math.min(PROMPT, config.nPositions - NEW_TOKENS));
    t0 = process.hrtime.bigint();
    const cache = model.newCache();
    await model.step(cache, prompt);
    cache.dispose();
    report.prefillMs = ms(t0);
    report.generation = await timeGeneration(model, prompt);
    model.dispose();
    report.peakRssMb = peakRssMb();

    if (!values['no-torch'] && torchAvailable()) {
      const script = join(__dirname, '..', 'bench', 'torch_forward.py');
      const lastFile = join(dir, 'torch-last.f32');
      const stdout = execFileSync(
        '/usr/bin/python3',
        [script, dir, '--ts', Ts.join(','), '--threads', '2', '--runs', String(RUNS), '--ids-file', idsFile, '--dump-last-logits', lastFile, '--job', String(jobT), '--job-out', dir],
        { encoding: 'utf8', maxBuffer: 1 << 20 },
      );
      const torch = JSON.parse(stdout.trim().split('\n').pop()!) as { torch: string; threads: number; ms: Record<string, number>; cpuMs: Record<string, number>; job: { ms: number; cpuMs: number } };
      const ratio: Record<string, number> = {};
      const cpuRatio: Record<string, number> = {};
      for (const T of Ts) ratio[T] = forwardMs[T] / torch.ms[T];
      for (const T of Ts) cpuRatio[T] = forwardCpuMs[T] / torch.cpuMs[T];
      const job = report.job as { ms: number; cpuMs: number };
      let maxDiff = 0;
      const theirs = new Float32Array(readFileSync(lastFile).buffer.slice(0));
      for (let i = 0; i < theirs.length; i++) maxDiff = Math.max(maxDiff, Math.abs(theirs[i] - lastRowFirst![i]));
      report.torch = {
        version: torch.torch,
        threads: torch.threads,
        forwardMs: torch.ms,
        forwardCpuMs: torch.cpuMs,
        oursOverTorch: ratio,
        oursOverTorchCpu: cpuRatio,
        job: torch.job,
        jobOursOverTorch: job.ms / torch.job.ms,
        jobOursOverTorchCpu: job.cpuMs / torch.job.cpuMs,
        maxAbsLogitDiffLastRow: maxDiff,
      };
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
    ['model', `${r.config} (${((r.numParams as number) / 1e6).toFixed(1)}M params), backend ${r.backend}, ${r.threads} thread(s), load average ${f(r.loadavg as number, 1)}`],
    ['load (read + tensors)', `${f(r.loadMs as number)} ms (CPU ${f(r.loadCpuMs as number)} ms)`],
  ];
  const fw = r.forwardMs as Record<string, number>;
  const fc = r.forwardCpuMs as Record<string, number>;
  const js = r.analyzeTopKJsMs as Record<string, number>;
  type Torch = { forwardMs: Record<string, number>; forwardCpuMs: Record<string, number>; oursOverTorch: Record<string, number>; oursOverTorchCpu: Record<string, number>; threads: number; maxAbsLogitDiffLastRow: number; job: { ms: number; cpuMs: number }; jobOursOverTorch: number; jobOursOverTorchCpu: number };
  const torch = r.torch as Torch | null;
  const job = r.job as { T: number; ms: number; cpuMs: number; forward: { ms: number }; write: { ms: number } };
  const jobVs = torch ? `   PyTorch ${f(torch.job.ms)} ms (CPU ${f(torch.job.cpuMs)} ms), ours/PyTorch ${f(torch.jobOursOverTorch, 2)} (CPU ${f(torch.jobOursOverTorchCpu, 2)})` : '';
  rows.push([`whole job T=${job.T} (load + first forward + files)`, `${f(job.ms)} ms (CPU ${f(job.cpuMs)} ms; forward ${f(job.forward.ms)}, files ${f(job.write.ms)})${jobVs}`]);
  for (const T of Object.keys(fw)) {
    const vs = torch ? `   PyTorch (${torch.threads} threads) ${f(torch.forwardMs[T])} ms (CPU ${f(torch.forwardCpuMs[T])}), ours/PyTorch ${f(torch.oursOverTorch[T], 2)} (CPU ${f(torch.oursOverTorchCpu[T], 2)})` : '';
    rows.push([`forward + attentions T=${T}`, `${f(fw[T])} ms (CPU ${f(fc[T])} ms)${vs}`]);
    rows.push([`  + analyze's top-10/surprisal in JS T=${T}`, `${f(js[T])} ms`]);
  }
  const g = r.generation as Generation;
  rows.push([`prefill ${g.promptTokens} (KV cache, last logits only)`, `${f(r.prefillMs as number)} ms`]);
  rows.push([`generate ${g.newTokens} after ${g.promptTokens} (greedy, KV cache)`, `${f(g.tokensPerSecond, 1)} tok/s overall, ${f(g.decodeTokensPerSecond, 1)} tok/s decode`]);
  rows.push(['  time to first token', `${f(g.timeToFirstTokenMs)} ms`]);
  rows.push(['peak RSS', `${f(r.peakRssMb as number)} MB`]);
  if (torch) rows.push([`max |logit diff| vs PyTorch (last row, T=${Object.keys(fw)[0]})`, torch.maxAbsLogitDiffLastRow.toExponential(2)]);
  const w = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(w)}  ${v}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
