// Dev only: the Layer Stepper with a family fixture's real numbers, in /tmp/attention-lens-stepper/ (see README.md).
import * as esbuild from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const out = process.env.PREVIEW_OUT ?? '/tmp/attention-lens-stepper';
const fixture = process.argv[2] ?? 'qwen3-qknorm-bf16-fullctx';
mkdirSync(out, { recursive: true });
const data = `${out}/data.json`;
execFileSync('npx', ['tsx', 'test/helpers/stepperPreviewData.ts', fixture, data], { stdio: 'inherit' });
await esbuild.build({
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: 'es2022',
  entryPoints: { mock: 'webview/stepper/dev/mockHost.ts', stepper: 'webview/stepper/main.ts' },
  outdir: out,
  logLevel: 'warning',
});
// The panel preview's page (its fake theme variables), with the stepper's script and style.
const page = readFileSync('webview/panel/dev/preview.html', 'utf8').replace('panel.css', 'stepper.css').replace('<script src="mock.js">', '<script src="data.js"></script>\n<script src="mock.js">').replace('panel.js', 'stepper.js').replace('panel preview', 'Layer Stepper preview')
  .replace('</style>', '  body { background: var(--vscode-editor-background); color: var(--vscode-foreground); } /* VS Code paints the view */\n</style>');
writeFileSync(`${out}/preview.html`, page);
writeFileSync(`${out}/stepper.css`, readFileSync('media/stepper.css'));
writeFileSync(`${out}/data.js`, `window.STEPPER_PREVIEW = ${readFileSync(data, 'utf8')};\n`);
console.log(`preview in ${out}/preview.html`);
