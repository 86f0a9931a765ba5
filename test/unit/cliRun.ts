// Running the built CLI (`node dist/cli.js …`) from tests, and the shape of its failures.
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'cli.js');

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Builds dist/ when it is missing (a test run without `npm run build` first). */
export function ensureBuilt(): void {
  if (!existsSync(CLI)) execFileSync(process.execPath, ['esbuild.config.mjs'], { cwd: ROOT, stdio: 'ignore' });
}

export function cli(...args: string[]): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Asserts a failure: the exit code, one stderr line naming `name`, no stack frames. */
export function assertOneLineFailure(r: Run, name: string, exitCode = 1): void {
  assert.equal(r.status, exitCode, `exit ${r.status}, stderr: ${r.stderr}`);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `expected one stderr line, got:\n${r.stderr}`);
  assert.ok(lines[0].includes(name), `"${lines[0]}" does not name ${name}`);
  assert.doesNotMatch(r.stderr, /^\s*at .*[:(]/m);
  assert.equal(r.stdout, '');
}
