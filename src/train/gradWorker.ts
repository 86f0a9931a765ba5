// The gradient worker of data-parallel training (bundled as dist/train-worker.js): one worker
// thread with its own tfjs wasm backend and its own model (either family) whose parameters are views of the
// SharedArrayBuffers the main thread writes after every optimizer update, so a step's parameters
// reach the worker without a copy. Each request is a slice of a micro-batch's rows; the reply holds
// its loss sum, weight sum and gradients (transferred, not copied).
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../engine/backend';
import type { GPTConfig } from '../engine/types';
import { initModel } from './trainModels';

/** What the main thread passes at start. */
export interface GradWorkerData {
  config: GPTConfig;
  /** One buffer per parameter, in paramSpecs order. */
  params: SharedArrayBuffer[];
}

/** A request: rows of one micro-batch. */
export interface GradRequest {
  id: number;
  B: number;
  T: number;
  inputs: Int32Array;
  targets: Int32Array;
  weights?: Float32Array;
}

export type GradReply =
  | { kind: 'ready' }
  | { kind: 'result'; id: number; lossSum: number; weightSum: number; grads: Float32Array[] }
  | { kind: 'error'; id: number; message: string };

/** An array that owns its whole buffer can be transferred; anything else is copied first. */
function ownBuffer(a: Float32Array): Float32Array {
  return a.byteOffset === 0 && a.buffer.byteLength === a.byteLength && !(a.buffer instanceof SharedArrayBuffer) ? a : a.slice();
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('gradWorker must run in a worker thread');
  const data = workerData as GradWorkerData;
  await initBackend({ backend: 'wasm' });
  const model = initModel(data.config, 0);
  if (data.params.length !== model.params.length) throw new Error(`got ${data.params.length} parameter buffers, expected ${model.params.length}`);
  data.params.forEach((buf, k) => {
    const view = new Float32Array(buf);
    if (view.length !== model.params[k].length) throw new Error(`parameter ${model.specs[k].name}: buffer of ${view.length} floats, expected ${model.params[k].length}`);
    model.params[k] = view; // live view: the main thread's writes are what the next request uses
  });
  port.on('message', (req: GradRequest) => {
    let reply: GradReply;
    let transfer: ArrayBuffer[] = [];
    try {
      const r = model.lossAndGrads(req);
      const grads = r.grads.map(ownBuffer);
      transfer = grads.map((g) => g.buffer as ArrayBuffer);
      reply = { kind: 'result', id: req.id, lossSum: r.lossSum, weightSum: r.weightSum, grads };
    } catch (e) {
      reply = { kind: 'error', id: req.id, message: e instanceof Error ? e.message : String(e) };
    }
    port.postMessage(reply, transfer);
  });
  port.postMessage({ kind: 'ready' } satisfies GradReply);
}

main().catch((e: unknown) => {
  // Surfaces in the main thread as the worker's 'error' event.
  throw e instanceof Error ? e : new Error(String(e));
});
