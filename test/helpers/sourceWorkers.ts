// Tests (and benchmarks run with tsx) run the TypeScript sources under tsx, which a worker thread
// started from code does not inherit: workers that the engine or the trainer start from sources
// (tensor-parallel peers, gradient workers) require tsx/cjs first. Required by .mocharc.json, and
// imported by the files that start such workers so that `mocha --no-config -r tsx/cjs FILE` and
// `tsx bench/FILE.ts` run them too.
import { preloadInSourceWorkers } from '../../src/engine/workerSource';

preloadInSourceWorkers(require.resolve('tsx/cjs'));
