// Where the end-to-end harness finds things and writes things.
import * as path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..', '..');
/** Screenshots, server and extension-host logs of the last run. */
export const artifactsDir = process.env.E2E_ARTIFACTS ?? path.join(repoRoot, 'test-artifacts', 'e2e');
/** Where scripts/install-vscode-web.sh put code-server. */
export const vscodeWebDir = process.env.E2E_VSCODE_WEB ?? path.join(repoRoot, '.vscode-test', 'web');
export const codeServerBin = path.join(vscodeWebDir, 'node_modules', '.bin', 'code-server');
/** The VSIX that scripts/package.mjs writes. */
export const vsixPath = process.env.E2E_VSIX ?? path.join(repoRoot, 'dist', 'attention-lens.vsix');
export const samplesDir = path.join(repoRoot, 'samples');
export const bundledModelDir = path.join(repoRoot, 'media', 'model');
export const tinyModelDir = path.join(repoRoot, 'test', 'fixtures', 'tiny-model');
export const chromiumPath = process.env.E2E_CHROMIUM ?? '/usr/bin/chromium';
