// Running the engine's loaders on a mutated model folder and judging the outcome: every case must
// end in a successful load or an EngineError naming a file of the folder — never another exception,
// a hang, a read outside the folder, or an allocation far beyond the folder's size.
// Used by test/unit/fuzz*.test.ts (a few hundred seeded cases) and test/fuzz/run.ts (long runs).
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadCheckpoint } from '../../src/engine/checkpoint';
import { EngineError } from '../../src/engine/errors';
import { loadTokenizer } from '../../src/engine/loadTokenizer';
import { checkModelFolder } from '../../src/engine/modelCheck';

export const ROOT = path.join(__dirname, '..', '..');
export const FIXTURES = {
  qwen2: path.join(ROOT, 'test', 'fixtures', 'tiny-qwen2'),
  gpt2: path.join(ROOT, 'test', 'fixtures', 'tiny-model'),
  bundled: path.join(ROOT, 'media', 'model'),
  sharded: path.join(ROOT, 'test', 'fixtures', 'families', 'llama-untied-bf16-sharded-llama3rope'),
  gpt1: path.join(ROOT, 'test', 'fixtures', 'families', 'openai-gpt-f32'),
};

/** Text each tokenizer that loads must encode and decode without throwing. */
const SAMPLE = 'Hello, world! 你好，世界 🙂\u0000 \ud800 end';

/** A scratch area: `outside/` holds a sentinel model file no case may open through a path of its own. */
export interface Arena {
  root: string;
  outside: string;
  sentinel: string;
  dispose(): void;
}

export function makeArena(): Arena {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'al-fuzz-'));
  const outside = path.join(root, 'outside');
  fs.mkdirSync(outside);
  const sentinel = path.join(outside, 'secret.safetensors');
  fs.copyFileSync(path.join(FIXTURES.qwen2, 'model.safetensors'), sentinel);
  return { root, outside, sentinel, dispose: () => fs.rmSync(root, { recursive: true, force: true }) };
}

/** A fresh copy of `fixture` in the arena (files copied, so mutations never reach the fixture). */
export function copyModel(arena: Arena, fixture: string, name: string): string {
  const dir = path.join(arena.root, name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir);
  for (const f of fs.readdirSync(fixture)) {
    if (f.endsWith('.f32') || f === 'reference.json') continue; // test references, not model files
    fs.copyFileSync(path.join(fixture, f), path.join(dir, f));
  }
  return dir;
}

function folderBytes(dir: string): number {
  let n = 0;
  for (const f of fs.readdirSync(dir)) n += fs.statSync(path.join(dir, f)).size;
  return n;
}

/**
 * The fs module object itself (an `import * as` namespace has only getters): the engine's
 * `import * as fs` reads its functions from this object at each call, so replacing them here is seen.
 */
const fsModule = createRequire(__filename)('node:fs') as typeof fs;

/** Records every path fs opens or reads while `body` runs (the engine reads through these calls only). */
function watchOpens<T>(body: () => T): { value?: T; error?: unknown; opened: string[] } {
  const opened: string[] = [];
  const real = { openSync: fsModule.openSync, readFileSync: fsModule.readFileSync };
  const record = (p: unknown): void => {
    if (typeof p === 'string') opened.push(p);
    else if (p instanceof URL) opened.push(p.pathname);
    else if (Buffer.isBuffer(p)) opened.push(p.toString());
  };
  (fsModule as { openSync: unknown }).openSync = (p: fs.PathLike, ...rest: unknown[]) => {
    record(p);
    return (real.openSync as (...a: unknown[]) => number)(p, ...rest);
  };
  (fsModule as { readFileSync: unknown }).readFileSync = (p: unknown, ...rest: unknown[]) => {
    record(p);
    return (real.readFileSync as (...a: unknown[]) => unknown)(p, ...rest);
  };
  try {
    return { value: body(), opened };
  } catch (error) {
    return { error, opened };
  } finally {
    (fsModule as { openSync: unknown }).openSync = real.openSync;
    (fsModule as { readFileSync: unknown }).readFileSync = real.readFileSync;
  }
}

export interface CaseResult {
  /** 'ok', or the EngineError codes met, e.g. 'BAD_SAFETENSORS'. */
  outcomes: string[];
  /** Empty when the case passed; else what went wrong, one line each. */
  failures: string[];
  ms: number;
}

/** Judges one loader call: ok, or an EngineError that names a file of `dir` (or `dir` itself). */
function judge(what: string, dir: string, run: () => unknown, outcomes: string[], failures: string[]): void {
  const { error, opened } = watchOpens(run);
  for (const p of opened) {
    const rel = path.relative(dir, path.resolve(p));
    if (rel.startsWith('..') || path.isAbsolute(rel)) failures.push(`${what} opened ${p}, outside the model folder`);
  }
  if (error === undefined) {
    outcomes.push('ok');
    return;
  }
  if (!(error instanceof EngineError)) {
    const where = ((error as Error)?.stack ?? '').split('\n').find((l) => /^\s+at /.test(l))?.trim() ?? '';
    const msg = ((error as Error)?.message ?? String(error)).slice(0, 200);
    failures.push(`${what} threw ${(error as Error)?.name ?? typeof error}, not an EngineError: ${msg} (${where})`);
    return;
  }
  outcomes.push(error.code);
  if (!error.message.includes(dir)) failures.push(`${what}: the message names no file of the folder: ${error.message.slice(0, 300)}`);
  if (error.message.length > 2000) failures.push(`${what}: a ${error.message.length}-character message (cut file contents short)`);
}

/**
 * Runs the loaders the extension runs (weights, tokenizer with a sample text, and `check`) on `dir`.
 * `check` must never throw at all: it reports problems as lines.
 */
export function runCase(dir: string, parts: { weights?: boolean; tokenizer?: boolean; check?: boolean } = {}): CaseResult {
  const t0 = Date.now();
  const outcomes: string[] = [];
  const failures: string[] = [];
  const limit = 4 * folderBytes(dir) + 64 * 2 ** 20; // float32 widening of 16-bit weights doubles them; the rest is slack
  const before = process.memoryUsage().arrayBuffers;
  const grew = (what: string): void => {
    const delta = process.memoryUsage().arrayBuffers - before;
    if (delta > limit) failures.push(`${what}: array buffers grew by ${delta} bytes, more than ${limit} for this folder`);
  };
  if (parts.weights !== false) {
    judge('loadCheckpoint', dir, () => loadCheckpoint(dir), outcomes, failures);
    grew('loadCheckpoint');
  }
  if (parts.tokenizer !== false) {
    judge('loadTokenizer', dir, () => {
      const tok = loadTokenizer(dir);
      const ids = tok.encodeIds(SAMPLE);
      tok.decode(ids);
      return tok.encode(SAMPLE.slice(0, 20));
    }, outcomes, failures);
    grew('loadTokenizer');
  }
  if (parts.check !== false) {
    const { value: report, error, opened } = watchOpens(() => checkModelFolder(dir));
    if (error !== undefined) failures.push(`checkModelFolder threw: ${(error as Error)?.message ?? String(error)}`.slice(0, 500));
    // What loading refuses, check must report (it reads no tensor data, so it cannot see a tied head's values differ).
    const refused = outcomes.filter((o) => o !== 'ok');
    if (report && report.problems.length === 0 && refused.length > 0) failures.push(`check found nothing, though loading gave ${refused.join(', ')}`);
    for (const p of opened) {
      const rel = path.relative(dir, path.resolve(p));
      if (rel.startsWith('..') || path.isAbsolute(rel)) failures.push(`checkModelFolder opened ${p}, outside the model folder`);
    }
  }
  return { outcomes, failures, ms: Date.now() - t0 };
}
