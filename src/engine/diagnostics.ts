// What the engine thread holds right now, for the soak benchmark and leak tests: the process's
// resident memory (the extension host's, every thread included), this thread's V8 heap, TensorFlow.js's
// live tensors and its wasm backend's heap, our GEMM instances' memories and the analyses kept.
// Read on the engine's own thread (the worker answers a `diagnostics` request with it).
import { getHeapStatistics } from 'node:v8';
import { tf } from './backend';
import { Gemm } from './gemm/gemm';
import { blocksRunOnThisThread } from './model';

export interface EngineDiagnostics {
  /** process.memoryUsage().rss: the whole process (worker threads share it). */
  rssBytes: number;
  /** This thread's V8 heap in use. */
  heapUsedBytes: number;
  /** ArrayBuffers outside the V8 heap, process-wide (kept runs' attentions and logits live here). */
  arrayBuffersBytes: number;
  /** tf.memory(): live tensors and their bytes, on this thread's backend. */
  numTensors: number;
  tensorBytes: number;
  /** The tfjs wasm backend's heap (a wasm memory: it only grows); 0 on another backend or before any model. */
  tfWasmHeapBytes: number;
  /** Our GEMM's wasm memories on this thread (weights packed + scratch). */
  gemmInstances: number;
  gemmBytes: number;
  /** Analyses the session keeps for slicing (at most MAX_RUNS). */
  keptRuns: number;
  /** Blocks that full forwards have run on this thread since it started (a cancelled analysis stops adding). */
  blocksRun: number;
}

/** The tfjs wasm backend's module heap, when that backend is the one in use. */
function tfWasmHeapBytes(): number {
  if (tf.getBackend() !== 'wasm') return 0;
  const backend = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return backend.wasm?.HEAPU8?.buffer.byteLength ?? 0;
}

export function readDiagnostics(keptRuns: number): EngineDiagnostics {
  const mem = process.memoryUsage();
  // tf.memory() before a backend exists would start one: report zeros instead.
  const backendReady = Boolean(tf.engine().backendName);
  const tfm = backendReady ? tf.memory() : { numTensors: 0, numBytes: 0 };
  const gemm = Gemm.liveBytes();
  return {
    rssBytes: mem.rss,
    heapUsedBytes: getHeapStatistics().used_heap_size,
    arrayBuffersBytes: mem.arrayBuffers,
    numTensors: tfm.numTensors,
    tensorBytes: tfm.numBytes,
    tfWasmHeapBytes: backendReady ? tfWasmHeapBytes() : 0,
    gemmInstances: gemm.instances,
    gemmBytes: gemm.bytes,
    keptRuns,
    blocksRun: blocksRunOnThisThread(),
  };
}
