// `npm run bench:panel`: the host side of Show Attention, through the real engine worker
// (dist/engine-worker.js): from the client.analyze() call to the first heatmap's data ready on the
// host (layer 0 head 0, quantised to 16 bits exactly as AnalysisRun.quantized serves it to the
// webview). Two paths, interleaved run by run in the same process (A/B): "two-phase" (what the
// panel does: the run starts from the analysis's first phase, whose layers stream in as the blocks
// run, so layer 0 is served as soon as it has run) and "after analyze" (the old path: wait for the
// whole analysis, then fetch the head); for the two-phase path also when the predictions (the
// second phase) arrive. The first run after the model loads (wasm code cold) is a two-phase one.
// Random weights; the bundled shape at 128 tokens and GPT-2 small at 256 tokens. The webview's
// paint is NOT included here (`npm run bench:paint` measures it, in VS Code for the Web). Also the
// extension's activation: require('dist/extension.js') + activate() with a minimal stand-in for
// the `vscode` module (a benchmark shortcut, not a test).
//
//   npm run build && npx tsx bench/panelBench.ts [--runs 3] [--only bundled|gpt2]
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import Module from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EngineClient, type EarlyAttentions } from '../src/engine/client';
import { AnalysisRun } from '../src/panel/analysisRun';
import { BENCH_CONFIGS } from './benchConfigs';
import { writeRandomCheckpoint } from './randomCheckpoint';
import { PROSE, writeTokenizer } from './benchText';

const ROOT = resolve(__dirname, '..');
const DIST = join(ROOT, 'dist');
const now = (): number => performance.now();
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

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
  /** Two-phase, the first Show Attention after the model loaded (wasm code still cold): first heatmap data. */
  firstMs: number;
  /** …and its predictions (the whole analysis). */
  firstPredictionsMs: number;
  /** Medians over the warm runs. Two-phase: first heatmap data, then the predictions. */
  warmTwoPhaseMs: number;
  warmTwoPhasePredictionsMs: number;
  /** The old path: the whole analysis, then the heatmap fetched from the engine. */
  warmAfterAnalyzeMs: number;
  warmAfterAnalyzeAnalyzeMs: number;
}

interface Timing {
  /** First heatmap data ready. */
  heatmap: number;
  /** The analysis promise resolved (predictions ready). */
  analyze: number;
}

async function panelCase(name: 'bundled' | 'gpt2', T: number, runs: number): Promise<PanelFigures> {
  const dir = mkdtempSync(join(tmpdir(), `al-panel-${name}-`));
  const client = EngineClient.start({ workerPath: join(DIST, 'engine-worker.js'), wasmDir: DIST });
  try {
    writeRandomCheckpoint(dir, BENCH_CONFIGS[name], { seed: 1, std: 0.02 });
    writeTokenizer(dir, name);
    const t0 = now();
    await client.load(dir);
    const loadMs = now() - t0;
    const text = await textOfTokens(client, T);
    const check = (q: { data: ArrayLike<number> }, summaryT: number): void => {
      if (summaryT !== T || q.data.length !== T * T) throw new Error(`expected ${T} tokens, got ${summaryT}`);
    };
    /** The old path: the whole analysis, then the head from the engine. */
    const afterAnalyze = async (): Promise<Timing> => {
      const t = now();
      const summary = await client.analyze(text);
      const analyzed = now();
      const run = new AnalysisRun(client, summary);
      const q = await run.quantized({ kind: 'head', layer: 0, head: 0 });
      const done = now();
      check(q, summary.T);
      await run.release();
      return { heatmap: done - t, analyze: analyzed - t };
    };
    /** The panel's path: the run from the first phase, served from the early attentions. */
    const twoPhase = async (): Promise<Timing> => {
      const t = now();
      let heatmap: Promise<number> | undefined;
      const serve = async (early: EarlyAttentions): Promise<number> => {
        const run = new AnalysisRun(client, early.summary, undefined, early.layers);
        const q = await run.quantized({ kind: 'head', layer: 0, head: 0 });
        const done = now();
        check(q, early.summary.T);
        return done - t;
      };
      const summary = await client.analyze(text, {}, undefined, (early) => {
        heatmap = serve(early);
        heatmap.catch(() => undefined); // awaited below; this only keeps a failure from being "unhandled" meanwhile
      });
      const analyzed = now();
      if (!heatmap) throw new Error('no first phase');
      const h = await heatmap;
      await client.release(summary.runId);
      return { heatmap: h, analyze: analyzed - t };
    };
    const first = await twoPhase();
    const a: Timing[] = [];
    const b: Timing[] = [];
    for (let r = 0; r < runs; r++) {
      // Alternate which goes first, so that neither path always runs right after the other.
      if (r % 2 === 0) {
        b.push(await twoPhase());
        a.push(await afterAnalyze());
      } else {
        a.push(await afterAnalyze());
        b.push(await twoPhase());
      }
    }
    const med = (xs: Timing[], k: keyof Timing): number => median(xs.map((x) => x[k]));
    return {
      model: name,
      tokens: T,
      loadMs,
      firstMs: first.heatmap,
      firstPredictionsMs: first.analyze,
      warmTwoPhaseMs: med(b, 'heatmap'),
      warmTwoPhasePredictionsMs: med(b, 'analyze'),
      warmAfterAnalyzeMs: med(a, 'heatmap'),
      warmAfterAnalyzeAnalyzeMs: med(a, 'analyze'),
    };
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
      `${name} ${T} tokens: load ${r.loadMs.toFixed(0)} ms; command → first heatmap data (L0 H0, 16-bit) ready: ` +
        `two-phase first ${r.firstMs.toFixed(0)} ms (predictions at ${r.firstPredictionsMs.toFixed(0)}); ` +
        `warm medians over ${runs} interleaved A/B runs: two-phase ${r.warmTwoPhaseMs.toFixed(0)} ms (predictions at ${r.warmTwoPhasePredictionsMs.toFixed(0)}) ` +
        `vs after analyze ${r.warmAfterAnalyzeMs.toFixed(0)} ms (analyze ${r.warmAfterAnalyzeAnalyzeMs.toFixed(0)})\n`,
    );
  }
  process.stdout.write(`${JSON.stringify({ loadavg: loadavg()[0], activationMs: act, panel: results, webviewPaintIncluded: false })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`panel bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
