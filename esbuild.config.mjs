// One build, three bundles: the extension (node/cjs, `vscode` external), the webview (browser)
// and the CLI (node). The engine's worker is bundled on its own so it can run in a worker thread,
// and the .wasm files (the tfjs wasm backend's and our GEMM's, src/engine/gemm) are copied beside
// the bundles (they ship in the VSIX).
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'info' };

const node = {
  ...common,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['vscode'],
};

const entries = [
  { ...node, entryPoints: { extension: 'src/extension.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { 'engine-worker': 'src/engine/worker.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { 'engine-peer': 'src/engine/parallel/peerWorker.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { cli: 'src/cli.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { bench: 'bench/bench.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { train: 'src/train/cli.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { 'train-worker': 'src/train/gradWorker.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { 'train-bench': 'bench/trainBench.ts' }, outdir: 'dist' },
  {
    ...common,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    entryPoints: { panel: 'webview/panel/main.ts', stepper: 'webview/stepper/main.ts' },
    outdir: 'dist/webview',
  },
  // The HTML report's painter: inlined into every report (src/export/reportHtml.ts), so minified and
  // with no source map comment (the report must name no other file).
  { ...common, sourcemap: false, minify: true, platform: 'browser', format: 'iife', target: 'es2020', entryPoints: { report: 'webview/report/main.ts' }, outdir: 'dist/webview' },
].filter((e) => Object.values(e.entryPoints).every((p) => existsSync(p)));

function copyWasm() {
  mkdirSync('dist', { recursive: true });
  for (const src of ['node_modules/@tensorflow/tfjs-backend-wasm/dist', 'src/engine/gemm']) {
    for (const f of readdirSync(src)) if (f.endsWith('.wasm')) copyFileSync(join(src, f), join('dist', f));
  }
}

copyWasm();
if (watch) {
  for (const e of entries) await (await esbuild.context(e)).watch();
} else {
  await Promise.all(entries.map((e) => esbuild.build(e)));
}
