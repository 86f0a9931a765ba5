// `npm run bench -- --config smollm2-135m|qwen2.5-0.5b`: the Llama-family benchmark of issue 13 on a
// random-weight checkpoint of the real shape (bench/random_family_checkpoint.py; made once, then
// reused from the cache folder): load time (read + pack, as the extension loads: BF16 kept 16-bit),
// forward with all attentions at each T, generation (64 new tokens after 128, greedy, KV cache),
// peak RSS after each stage, and the same forward and generation in PyTorch on the same weights in
// the same run (bench/torch_families.py, float32, 2 threads) with ours ÷ PyTorch, by wall time and
// by the process's CPU time (both sides: every thread), which a loaded machine distorts less.
// Measures, does not judge. Prints a table and one JSON line.
//
//   node dist/bench.js --config qwen2.5-0.5b [--ts 128,512,2048] [--dtype BF16|F32] [--runs 3]
//                      [--threads N] [--cache DIR] [--no-torch] [--json FILE]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { initBackend } from '../src/engine/backend';
import { loadCheckpoint, readConfig } from '../src/engine/checkpoint';
import { familyOf } from '../src/engine/families';
import { generateIds } from '../src/engine/generate';
import { checkFits, storedBytesPerValue } from '../src/engine/memoryPlan';
import { GPTModel } from '../src/engine/model';
import { chooseThreads } from '../src/engine/session';
import { randomIds } from './benchConfigs';

/** The presets bench/random_family_checkpoint.py makes. */
export const FAMILY_PRESETS = ['smollm2-135m', 'qwen2.5-0.5b'];

const PROMPT = 128;
const NEW_TOKENS = 64;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;
/** CPU ms of the whole process (every thread): a loaded machine inflates it less than wall time. */
const cpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const peakRssMb = (): number => Math.round(process.resourceUsage().maxRSS / 1024);
const log = (s: string): void => void process.stderr.write(`${s}\n`);

export interface FamilyBenchOptions {
  config: string;
  ts?: string;
  dtype?: string;
  runs?: string;
  threads?: string;
  cache?: string;
  'no-torch'?: boolean;
  json?: string;
}

/** The checkpoint of `preset` in `dtype` under `cache`, made by the Python generator when it is not there yet. */
export function checkpoint(preset: string, dtype: string, cache: string): { dir: string; madeMs?: number } {
  const dir = join(cache, `${preset}-${dtype}`);
  if (existsSync(join(dir, 'model.safetensors')) && existsSync(join(dir, 'config.json'))) return { dir };
  mkdirSync(cache, { recursive: true });
  log(`writing a random ${preset} checkpoint (${dtype}) to ${dir} …`);
  const t0 = process.hrtime.bigint();
  execFileSync('/usr/bin/python3', [join(__dirname, '..', 'bench', 'random_family_checkpoint.py'), '--dtype', dtype, preset, dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  return { dir, madeMs: ms(t0) };
}

interface TorchResult {
  torch: string;
  threads: number;
  forwardMs: Record<string, number>;
  forwardCpuMs: Record<string, number>;
  generate: { prompt: number; newTokens: number; prefillMs: number; decodeMs: number; cpuMs: number; tokensPerSecond: number };
}

export async function familyBench(o: FamilyBenchOptions): Promise<void> {
  const dtype = o.dtype ?? 'BF16';
  const runs = Number(o.runs ?? 3);
  const cache = resolve(o.cache ?? join(__dirname, '..', '.bench-cache'));
  const { dir, madeMs } = checkpoint(o.config, dtype, cache);
  const report: Record<string, unknown> = { config: o.config, dtype, dir, loadavgBefore: loadavg()[0], ...(madeMs ? { writeCheckpointMs: madeMs } : {}) };

  report.backend = await initBackend({ backend: 'wasm', wasmDir: __dirname });
  let t0 = process.hrtime.bigint();
  const { config: planned, raw, file } = readConfig(dir);
  const params = familyOf(planned).countParams(planned);
  const threads = chooseThreads(o.threads === undefined ? undefined : Number(o.threads), params, planned.nHead);
  const plan = checkFits(planned, threads, storedBytesPerValue(dir, raw, params), { name: o.config, file });
  const { config, weights } = loadCheckpoint(dir, { keep16: true });
  const model = await GPTModel.createParallel(config, weights, { threads, backend: { backend: 'wasm', wasmDir: __dirname }, release: true });
  weights.clear();
  report.loadMs = ms(t0);
  report.threads = model.threads;
  report.numParams = model.numParams;
  report.estimatedWasmMbPerThread = plan.wasmBytes.map((b) => Math.round(b / 2 ** 20));
  const rss: Record<string, number> = { afterLoad: peakRssMb() };
  log(`loaded in ${(report.loadMs as number).toFixed(0)} ms on ${model.threads} threads, peak RSS ${rss.afterLoad} MB`);

  const Ts = (o.ts ?? '128,512,2048').split(',').map(Number).filter((T) => T <= config.nPositions);
  const ids = randomIds(Math.max(...Ts, PROMPT), config.vocabSize, 7);
  const forwardMs: Record<string, number> = {};
  const forwardCpuMs: Record<string, number> = {};
  for (const T of Ts) {
    const x = ids.slice(0, T);
    await model.forward(x, { attentions: true }); // warm-up
    const times: number[] = [];
    const cpus: number[] = [];
    for (let r = 0; r < runs; r++) {
      t0 = process.hrtime.bigint();
      const c0 = cpuMs();
      await model.forward(x, { attentions: true });
      times.push(ms(t0));
      cpus.push(cpuMs() - c0);
    }
    forwardMs[T] = median(times);
    forwardCpuMs[T] = median(cpus);
    rss[`afterT${T}`] = peakRssMb();
    log(`forward T=${T}: ${forwardMs[T].toFixed(0)} ms [${times.map((t) => t.toFixed(0)).join(', ')}], peak RSS ${rss[`afterT${T}`]} MB`);
  }
  report.forwardMs = forwardMs;
  report.forwardCpuMs = forwardCpuMs;

  const prompt = ids.slice(0, PROMPT);
  const gen = { maxNewTokens: NEW_TOKENS, temperature: 0, stopAtEos: false };
  await generateIds(model, prompt, { ...gen, maxNewTokens: 2 }); // warm-up
  const gens: { total: number; first: number; n: number; cpu: number }[] = [];
  for (let r = 0; r < runs; r++) {
    let first = 0;
    t0 = process.hrtime.bigint();
    const c0 = cpuMs();
    const out = await generateIds(model, prompt, gen, { onId: (_id, _lp, i) => void (i === 0 && (first = ms(t0))) });
    gens.push({ total: ms(t0), first, n: out.ids.length, cpu: cpuMs() - c0 });
  }
  const g = gens.sort((a, b) => a.total - b.total)[Math.floor(gens.length / 2)];
  report.generation = {
    promptTokens: PROMPT,
    newTokens: g.n,
    timeToFirstTokenMs: g.first,
    cpuMs: g.cpu,
    tokensPerSecond: g.n / (g.total / 1000),
    decodeTokensPerSecond: (g.n - 1) / ((g.total - g.first) / 1000),
  };
  rss.afterGeneration = peakRssMb();
  report.peakRssMb = rss;
  model.dispose();
  log(`generation: ${(report.generation as { tokensPerSecond: number }).tokensPerSecond.toFixed(1)} tok/s`);

  if (!o['no-torch']) {
    log('PyTorch (bench/torch_families.py) …');
    const stdout = execFileSync(
      '/usr/bin/python3',
      [join(__dirname, '..', 'bench', 'torch_families.py'), dir, '--ts', Ts.join(','), '--threads', '2', '--runs', String(runs), '--prompt', String(PROMPT), '--new', String(NEW_TOKENS)],
      { encoding: 'utf8', maxBuffer: 1 << 20 },
    );
    const torch = JSON.parse(stdout.trim().split('\n').pop()!) as TorchResult;
    const ratio: Record<string, number> = {};
    const cpuRatio: Record<string, number> = {};
    for (const T of Ts) {
      ratio[T] = forwardMs[T] / torch.forwardMs[String(T)];
      cpuRatio[T] = forwardCpuMs[T] / torch.forwardCpuMs[String(T)];
    }
    report.torch = { version: torch.torch, threads: torch.threads, forwardMs: torch.forwardMs, forwardCpuMs: torch.forwardCpuMs, oursOverTorch: ratio, oursOverTorchCpu: cpuRatio, generate: torch.generate };
  } else {
    report.torch = null;
  }
  report.loadavgAfter = loadavg()[0];
  printTable(report);
  const line = JSON.stringify(report);
  process.stdout.write(`${line}\n`);
  if (o.json) writeFileSync(o.json, `${line}\n`);
}

function printTable(r: Record<string, unknown>): void {
  const f = (x: number, digits = 0): string => x.toFixed(digits);
  const torch = r.torch as { threads: number; forwardMs: Record<string, number>; forwardCpuMs: Record<string, number>; oursOverTorch: Record<string, number>; oursOverTorchCpu: Record<string, number>; generate: TorchResult['generate'] } | null;
  const rss = r.peakRssMb as Record<string, number>;
  const rows: [string, string][] = [
    ['model', `${r.config} ${r.dtype} (${((r.numParams as number) / 1e6).toFixed(1)}M params), ${r.threads} thread(s), load average ${f(r.loadavgBefore as number, 1)} → ${f(r.loadavgAfter as number, 1)}`],
    ['load (read + pack)', `${f(r.loadMs as number)} ms, peak RSS ${rss.afterLoad} MB (estimated wasm per thread ${(r.estimatedWasmMbPerThread as number[]).join(' / ')} MB)`],
  ];
  const fw = r.forwardMs as Record<string, number>;
  const fc = r.forwardCpuMs as Record<string, number>;
  for (const T of Object.keys(fw)) {
    const vs = torch ? `   PyTorch (${torch.threads} threads) ${f(torch.forwardMs[T])} ms (CPU ${f(torch.forwardCpuMs[T])}), ours/PyTorch ${f(torch.oursOverTorch[T], 2)} (CPU ${f(torch.oursOverTorchCpu[T], 2)})` : '';
    rows.push([`forward + attentions T=${T}`, `${f(fw[T])} ms (CPU ${f(fc[T])})${vs}   peak RSS ${rss[`afterT${T}`]} MB`]);
  }
  const g = r.generation as { promptTokens: number; newTokens: number; tokensPerSecond: number; decodeTokensPerSecond: number; timeToFirstTokenMs: number; cpuMs: number };
  const tg = torch ? `   PyTorch ${f(torch.generate.tokensPerSecond, 1)} tok/s (CPU ${f(torch.generate.cpuMs)} ms)` : '';
  rows.push([`generate ${g.newTokens} after ${g.promptTokens} (greedy, KV cache)`, `${f(g.tokensPerSecond, 1)} tok/s overall, ${f(g.decodeTokensPerSecond, 1)} tok/s decode, first token ${f(g.timeToFirstTokenMs)} ms, CPU ${f(g.cpuMs)} ms${tg}`]);
  rows.push(['peak RSS (whole run)', `${rss.afterGeneration} MB`]);
  const w = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(w)}  ${v}\n`);
}
