// Dev only: bundles the panel and the fake host into /tmp/attention-lens-preview/ (see README.md).
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';

const out = process.env.PREVIEW_OUT ?? '/tmp/attention-lens-preview';
mkdirSync(out, { recursive: true });
await esbuild.build({
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: 'es2022',
  entryPoints: { mock: 'webview/panel/dev/mockHost.ts', panel: 'webview/panel/main.ts' },
  outdir: out,
  logLevel: 'warning',
});
copyFileSync('webview/panel/dev/preview.html', `${out}/preview.html`);
copyFileSync('media/panel.css', `${out}/panel.css`);
console.log(`preview in ${out}/preview.html`);
