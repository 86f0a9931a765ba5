// Runs the extension's integration suite inside desktop VS Code (Electron) with
// @vscode/test-electron. It downloads VS Code on first use, so it needs internet access: CI here
// runs the VS Code for the Web tests instead (test/e2e/run.mjs). Usage: npm run test:electron
import * as path from 'node:path';
import { build } from 'esbuild';
import { runTests } from '@vscode/test-electron';

const root = path.resolve(__dirname, '..', '..', '..');

async function main(): Promise<void> {
  const outDir = path.join(root, 'out', 'electron-suite');
  // The extension host loads plain JS: bundle the suite (mocha stays external, found in node_modules).
  await build({
    entryPoints: {
      index: path.join(__dirname, 'suite', 'index.ts'),
      'extension.test': path.join(__dirname, 'suite', 'extension.test.ts'),
    },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'mocha'],
    outdir: outDir,
    sourcemap: true,
    logLevel: 'warning',
  });
  await runTests({
    version: process.env.VSCODE_VERSION ?? '1.100.3',
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(outDir, 'index.js'),
    launchArgs: [path.join(root, 'samples'), '--disable-extensions', '--disable-workspace-trust', '--skip-welcome'],
    extensionTestsEnv: { ATTENTION_LENS_ROOT: root },
  });
}

main().catch((err) => {
  console.error('test:electron failed:', err);
  process.exit(1);
});
