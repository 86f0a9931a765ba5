// How to start one of our worker threads from wherever the code runs: the bundled .js beside the
// bundle (the extension, the CLI, benchmarks), or the TypeScript source through tsx's require hook
// (unit tests run the sources directly).
import { existsSync } from 'node:fs';

export interface WorkerSource {
  /** A path, or code when `eval` is true. */
  file: string;
  eval: boolean;
}

/** `bundled`: the built .js; `source`: the .ts it is built from. */
export function workerSource(bundled: string, source: string): WorkerSource {
  if (existsSync(bundled)) return { file: bundled, eval: false };
  if (existsSync(source)) return { file: `require('tsx/cjs'); require(${JSON.stringify(source)});`, eval: true };
  throw new Error(`cannot find the worker script ${bundled} (build it with \`npm run build\`)`);
}
