// How to start one of our worker threads from wherever the code runs: the bundled .js beside the
// bundle (the extension, the CLI, benchmarks), or the TypeScript source it is built from. A worker
// thread started from code does not inherit the TS loader of the thread that starts it (not even
// under the tsx CLI), so whoever runs the sources names a loader for the workers to require first:
// the tests and the tsx-run benchmarks do (test/helpers/sourceWorkers.ts). Product code never names
// a loader, and the bundles never need one.
import { existsSync } from 'node:fs';

export interface WorkerSource {
  /** A path, or code when `eval` is true. */
  file: string;
  eval: boolean;
}

/** Modules a worker started from TypeScript sources requires before its entry file. */
const sourcePreloads: string[] = [];

/** Makes workers started from TypeScript sources require `moduleId` (a TS loader such as a require hook) first. */
export function preloadInSourceWorkers(moduleId: string): void {
  if (!sourcePreloads.includes(moduleId)) sourcePreloads.push(moduleId);
}

/** `bundled`: the built .js; `source`: the .ts it is built from. */
export function workerSource(bundled: string, source: string): WorkerSource {
  if (existsSync(bundled)) return { file: bundled, eval: false };
  if (existsSync(source) && sourcePreloads.length > 0) {
    const lines = [...sourcePreloads, source].map((m) => `require(${JSON.stringify(m)});`);
    return { file: lines.join(' '), eval: true };
  }
  const hint = existsSync(source) ? ` or, running the TypeScript sources, register a loader with preloadInSourceWorkers()` : '';
  throw new Error(`cannot find the worker script ${bundled} (build it with \`npm run build\`${hint})`);
}
