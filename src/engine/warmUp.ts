// A model's first forward and decoding step, run at load (EngineSession.load).
import { PER_HEAD_MIN_ROWS } from './layers';
import type { GPTModel } from './model';

/**
 * Runs every path once: a short prompt (the per-head path and the LM head) and one decoded token.
 * The weights are packed for our GEMM at load, but tfjs's kernels and V8's code for the wasm
 * instances warm up on first use; this moves that cost into loading, where it is expected, and
 * any failure of a backend (memory) with it.
 */
export async function warmUp(model: GPTModel): Promise<void> {
  const ids = new Array<number>(Math.min(PER_HEAD_MIN_ROWS, model.config.nPositions)).fill(0);
  await model.forward(ids, { attentions: false });
  const cache = model.newCache();
  try {
    await model.step(cache, [0]);
  } finally {
    cache.dispose();
  }
}
