#!/usr/bin/env node
// Builds the extension for production and packages it as dist/attention-lens.vsix with vsce, then
// checks the VSIX holds exactly what the extension runs: the bundles, the wasm files, the webview
// assets, media/ (icons, the bundled model), package.json, README and LICENSE; no sourcemaps,
// sources or node_modules (esbuild bundles every runtime dependency).
//
// Usage: node scripts/package.mjs [--no-build] [--out FILE]
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const outArg = args.indexOf('--out');
const out = resolve(root, outArg >= 0 ? args[outArg + 1] : 'dist/attention-lens.vsix');

/** Files a VSIX may hold, as paths inside the archive. */
const allowed = [
  /^extension\.vsixmanifest$/,
  /^\[Content_Types\]\.xml$/,
  /^extension\/package\.json$/,
  /^extension\/package\.nls(\.[\w-]+)?\.json$/,
  /^extension\/(README|CHANGELOG)\.md$/i,
  /^extension\/LICENSE(\.txt|\.md)?$/,
  /^extension\/dist\/(?!(bench|train|train-worker|train-bench|cli)\.js$)[^/]+\.(js|wasm)$/,
  /^extension\/dist\/webview\/.+\.(js|css|html)$/,
  /^extension\/media\/.+$/,
  /^extension\/l10n\/bundle\.l10n(\.[\w-]+)?\.json$/,
];
const required = [/^extension\/package\.json$/, /^extension\/dist\/extension\.js$/, /^extension\/dist\/[^/]+\.wasm$/, /^extension\/LICENSE/];

function run(cmd, argv) {
  return execFileSync(cmd, argv, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
}

export function packageExtension({ build = true } = {}) {
  if (build) {
    console.log('package: production build');
    execFileSync(process.execPath, ['esbuild.config.mjs', '--production'], { cwd: root, stdio: 'inherit' });
  }
  if (!existsSync(join(root, 'dist', 'extension.js'))) {
    throw new Error('dist/extension.js is missing: the build did not produce the extension bundle');
  }
  const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
  console.log(`package: vsce package -> ${out}`);
  // Relative links in README.md (the model card, the data manifest, the screenshot) stay relative: VS Code
  // resolves them inside the installed extension, and there is no public repository URL to rewrite them to.
  const vsceArgs = [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '--out', out];
  try {
    process.stdout.write(run(process.execPath, vsceArgs));
  } catch {
    // A file of dist/ changing while it is zipped (a watch build) fails vsce: once more.
    console.log('package: vsce failed, retrying once');
    process.stdout.write(run(process.execPath, vsceArgs));
  }
  const entries = run('unzip', ['-Z1', out]).split('\n').filter((e) => e && !e.endsWith('/'));
  const extra = entries.filter((e) => !allowed.some((re) => re.test(e)));
  const missing = required.filter((re) => !entries.some((e) => re.test(e))).map(String);
  // Everything the build produced for the extension must ship (a new bundle or webview asset too).
  for (const f of builtFiles()) if (!entries.includes(`extension/${f}`)) missing.push(f);
  if (extra.length || missing.length) {
    throw new Error(
      `VSIX contents are wrong.\n unexpected: ${extra.join(', ') || '-'}\n missing: ${missing.join(', ') || '-'}`,
    );
  }
  const mb = (statSync(out).size / 1024 / 1024).toFixed(1);
  console.log(`package: ${entries.length} files, ${mb} MiB, contents checked`);
  return out;
}

/**
 * Files the extension runs, which must all ship: dist/ bundles (not the developer tools), wasm and
 * webview assets, and the translations (package.nls.*.json, l10n/*.json).
 */
function builtFiles() {
  const dist = join(root, 'dist');
  const top = readdirSync(dist).filter((f) => /\.(js|wasm)$/.test(f) && !/^(bench|train|train-worker|train-bench|cli)\.js$/.test(f));
  const web = existsSync(join(dist, 'webview'))
    ? readdirSync(join(dist, 'webview'), { recursive: true })
        .map(String)
        .filter((f) => /\.(js|css|html)$/.test(f))
        .map((f) => `webview/${f}`)
    : [];
  const nls = readdirSync(root).filter((f) => /^package\.nls(\.[\w-]+)?\.json$/.test(f));
  const l10n = existsSync(join(root, 'l10n'))
    ? readdirSync(join(root, 'l10n')).filter((f) => f.endsWith('.json')).map((f) => `l10n/${f}`)
    : [];
  return [...top.map((f) => `dist/${f}`), ...web.map((f) => `dist/${f}`), ...nls, ...l10n];
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    packageExtension({ build: !args.includes('--no-build') });
  } catch (err) {
    console.error(`package: ${err.message}`);
    process.exit(1);
  }
}
