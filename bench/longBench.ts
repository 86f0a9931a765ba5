// `npm run bench -- --long`: attention on demand at long T (issue 18) on a random SmolLM2-135M-shaped
// checkpoint (bench/random_family_checkpoint.py, BF16 kept 16-bit as the extension loads it): at
// T = 1,024 / 2,048 / 4,096, the forward keeping each layer's q and k instead of the maps (with the
// overview's 48 × 48 thumbnails pooled as it runs, as the panel asks), the process's peak RSS after
// it, the bytes of q/k kept (and what every map would take), and the time to rebuild one head's
// map (AttentionMaps.head, median of 5 over heads of several layers); beside PyTorch's forward
// with output_attentions off (bench/torch_long.py: SDPA, float32, 2 threads) in the same run, right
// after ours at each T, with its own peak RSS and the load average.
// Measures, does not judge. Prints a table and one JSON line.
//
//   node dist/bench.js --long [--ts 1024,2048,4096] [--threads N] [--cache DIR] [--no-torch] [--json FILE]
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { AttentionMaps } from '../src/engine/attentionMaps';
import { initBackend } from '../src/engine/backend';
import { loadCheckpoint } from '../src/engine/checkpoint';
import { familyOf } from '../src/engine/families';
import { GPTModel } from '../src/engine/model';
import { chooseThreads } from '../src/engine/session';
import { randomIds } from './benchConfigs';
import { checkpoint } from './familyBench';

const THUMB = 48; // the panel's OVERVIEW_SIZE
const MiB = 2 ** 20;
const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;
const cpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const peakRssMb = (): number => Math.round(process.resourceUsage().maxRSS / 1024);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const log = (s: string): void => void process.stderr.write(`${s}\n`);

export interface LongBenchOptions {
  ts?: string;
  threads?: string;
  cache?: string;
  'no-torch'?: boolean;
  json?: string;
}

interface Row {
  T: number;
  forwardMs: number;
  forwardCpuMs: number;
  peakRssMb: number;
  keptQkMb: number;
  allMapsMb: number;
  recomputeMs: number;
  torchMs?: number;
  torchCpuMs?: number;
  torchPeakRssMb?: number;
  loadavg?: number;
}

export async function longBench(o: LongBenchOptions): Promise<void> {
  const cache = resolve(o.cache ?? join(__dirname, '..', '.bench-cache'));
  const { dir } = checkpoint('smollm2-135m', 'BF16', cache);
  const report: Record<string, unknown> = { config: 'smollm2-135m', dtype: 'BF16', loadavgBefore: loadavg()[0] };
  const backend = { backend: 'wasm' as const, wasmDir: __dirname };
  await initBackend(backend);
  const { config, weights } = loadCheckpoint(dir, { keep16: true });
  const threads = chooseThreads(o.threads === undefined ? undefined : Number(o.threads), familyOf(config).countParams(config), config.nHead);
  const model = await GPTModel.createParallel(config, weights, { threads, backend, release: true });
  weights.clear();
  report.threads = model.threads;
  report.rssAfterLoadMb = peakRssMb();
  const maps = new AttentionMaps(config);
  const Ts = (o.ts ?? '1024,2048,4096').split(',').map(Number);
  const ids = randomIds(Math.max(...Ts), config.vocabSize, 7);
  await model.forward(ids.slice(0, 64), { onDemand: { thumbSize: THUMB } }); // warm-up
  const rows: Row[] = [];
  for (const T of Ts) {
    const t0 = process.hrtime.bigint();
    const c0 = cpuMs();
    const out = await model.forward(ids.slice(0, T), { onDemand: { thumbSize: THUMB } });
    const forwardMs = ms(t0);
    const forwardCpuMs = cpuMs() - c0;
    const qk = out.qk!;
    const keptQkMb = qk.reduce((s, a) => s + (a?.byteLength ?? 0), 0) / MiB;
    const times: number[] = [];
    for (const [l, h] of [[0, 0], [7, 3], [15, 8], [22, 1], [29, 5]]) {
      const t1 = process.hrtime.bigint();
      maps.head(qk[l]!, T, l, h);
      times.push(ms(t1));
    }
    const row: Row = { T, forwardMs, forwardCpuMs, peakRssMb: peakRssMb(), keptQkMb, allMapsMb: (config.nLayer * config.nHead * T * T * 4) / MiB, recomputeMs: median(times) };
    if (!o['no-torch']) {
      // PyTorch right after ours at each T (the load of a busy machine drifts): its own process, the same weights
      const stdout = execFileSync('/usr/bin/python3', [join(__dirname, '..', 'bench', 'torch_long.py'), dir, '--ts', String(T), '--threads', '2'], { encoding: 'utf8', maxBuffer: 1 << 20 });
      const torch = JSON.parse(stdout.trim().split('\n').pop()!) as { torch: string; forwardMs: Record<string, number>; forwardCpuMs: Record<string, number>; peakRssMb: number };
      row.torchMs = torch.forwardMs[String(T)];
      row.torchCpuMs = torch.forwardCpuMs[String(T)];
      row.torchPeakRssMb = torch.peakRssMb;
      report.torch = torch.torch;
    }
    row.loadavg = loadavg()[0];
    rows.push(row);
    log(`T=${T}: forward ${forwardMs.toFixed(0)} ms, peak RSS ${row.peakRssMb} MB, q/k ${keptQkMb.toFixed(0)} MB, one head rebuilt in ${row.recomputeMs.toFixed(0)} ms [${times.map((t) => t.toFixed(0)).join(', ')}]; PyTorch ${row.torchMs ?? '–'} ms; load ${row.loadavg.toFixed(1)}`);
  }
  maps.dispose();
  model.dispose();
  report.rows = rows;
  report.loadavgAfter = loadavg()[0];
  const f = (x: number | undefined, d = 0): string => (x === undefined ? '–' : x.toFixed(d));
  process.stdout.write(`SmolLM2-135M shape, BF16, ${model.threads} thread(s), load average ${f(report.loadavgBefore as number, 1)} → ${f(report.loadavgAfter as number, 1)}\n`);
  process.stdout.write('T      forward on demand (CPU)   PyTorch, no weights (CPU) ours/PyTorch  peak RSS (PyTorch)  q/k kept  every map  one head rebuilt\n');
  for (const r of rows) {
    const ratio = r.torchMs ? (r.forwardMs / r.torchMs).toFixed(2) : '–';
    process.stdout.write(
      `${String(r.T).padEnd(6)} ${`${f(r.forwardMs)} ms (${f(r.forwardCpuMs)})`.padEnd(25)} ${`${f(r.torchMs)} ms (${f(r.torchCpuMs)})`.padEnd(22)} ${ratio.padEnd(13)} ${`${r.peakRssMb} MB (${f(r.torchPeakRssMb)})`.padEnd(19)} ${`${f(r.keptQkMb)} MB`.padEnd(9)} ${`${f(r.allMapsMb)} MB`.padEnd(10)} ${f(r.recomputeMs)} ms\n`,
    );
  }
  const line = JSON.stringify(report);
  process.stdout.write(`${line}\n`);
  if (o.json) writeFileSync(o.json, `${line}\n`);
}
