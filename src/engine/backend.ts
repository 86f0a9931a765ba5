// The one place the engine gets TensorFlow.js from: picks and initialises the backend (wasm by
// default, pure-JS cpu as a fallback) and re-exports `tf` so every engine file imports it from here.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EngineError } from './errors';

export { tf };

export interface BackendOptions {
  backend?: 'wasm' | 'cpu';
  /** Folder holding `tfjs-backend-wasm-simd.wasm` (and the other .wasm files). */
  wasmDir?: string;
}

const WASM_MARKER = 'tfjs-backend-wasm-simd.wasm';
let pending: Promise<string> | undefined;
let pendingKind: string | undefined;

/** Candidate folders for the .wasm files: beside the bundle, then the installed package. */
function defaultWasmDir(): string | undefined {
  const candidates: string[] = [];
  if (typeof __dirname === 'string') candidates.push(__dirname);
  try {
    candidates.push(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')));
  } catch {
    // not resolvable from here (bundled without node_modules): __dirname is all we have
  }
  return candidates.find((dir) => existsSync(join(dir, WASM_MARKER)));
}

async function init(kind: 'wasm' | 'cpu', wasmDir: string | undefined): Promise<string> {
  if (kind === 'wasm') {
    const dir = wasmDir ?? defaultWasmDir();
    if (!dir || !existsSync(join(dir, WASM_MARKER))) {
      throw new EngineError(
        'FILE_NOT_FOUND',
        `cannot find ${WASM_MARKER} (looked in ${dir ?? 'the bundle folder and @tensorflow/tfjs-backend-wasm/dist'})`,
        dir ? join(dir, WASM_MARKER) : undefined,
      );
    }
    // Node has no worker-based threading here, so tfjs picks the non-threaded SIMD binary.
    setWasmPaths(dir.endsWith('/') || dir.endsWith('\\') ? dir : `${dir}/`);
  }
  const ok = await tf.setBackend(kind);
  if (!ok) throw new EngineError('INTERNAL', `the TensorFlow.js "${kind}" backend failed to initialise`);
  await tf.ready();
  return tf.getBackend();
}

/**
 * Initialises TensorFlow.js once (idempotent: later calls return the same promise when they ask
 * for the same backend). Returns the backend's name ('wasm' or 'cpu').
 */
export async function initBackend(opts: BackendOptions = {}): Promise<string> {
  const kind = opts.backend ?? 'wasm';
  if (pending && pendingKind === kind) return pending;
  if (pending) await pending.catch(() => undefined);
  pendingKind = kind;
  pending = init(kind, opts.wasmDir);
  pending.catch(() => {
    pending = undefined;
    pendingKind = undefined;
  });
  return pending;
}
