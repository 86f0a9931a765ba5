#!/usr/bin/env node
// The end-to-end run: build and package the VSIX, then one mocha run over test/e2e/**/*.e2e.ts in
// one VS Code for the Web (code-server) and one headless Chromium (see test/e2e/README.md).
//
// Usage: node test/e2e/run.mjs [--no-package] [mocha args, e.g. --grep tooltip]
// Env: E2E_MODEL=auto|bundled|tiny|<dir>, E2E_VSIX=<file>, E2E_KEEP_TMP=1
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageExtension } from '../../scripts/package.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const started = Date.now();

if (!args.includes('--no-package') && !process.env.E2E_VSIX) packageExtension();
const codeServer = join(root, '.vscode-test', 'web', 'node_modules', '.bin', 'code-server');
if (!process.env.E2E_VSCODE_WEB && !existsSync(codeServer)) {
  console.error('e2e: VS Code for the Web is not installed: run `bash scripts/install-vscode-web.sh`');
  process.exit(1);
}
const mocha = join(root, 'node_modules', 'mocha', 'bin', 'mocha.js');
const res = spawnSync(
  process.execPath,
  [mocha, '--config', 'test/e2e/.mocharc.json', ...args.filter((a) => a !== '--no-package')],
  { cwd: root, stdio: 'inherit' },
);
console.log(`e2e: ${((Date.now() - started) / 1000).toFixed(0)} s; artifacts in test-artifacts/e2e/`);
process.exit(res.status ?? 1);
