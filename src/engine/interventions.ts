// Interventions on a forward pass (issue 15: ablation and activation patching), as plain data that
// crosses to the peers of a split model with the forward itself (ForwardOptions.intervention):
//
// - a head edit: chosen heads' outputs [T, hd] (softmax(q·kᵀ)·v, before the output projection
//   attn.c_proj / o_proj) replaced by zeros, by their mean over this text's positions, or by stored
//   values (a clean run's, for patching). Each thread edits the heads it owns (parallel/shards.ts);
// - a residual patch: rows of the residual stream after block `layer` replaced by stored ones. The
//   residual is whole on every thread, so every thread applies the same patch;
// - a recording of every head's output before the edits (recordHeads), written by each thread
//   into its heads' part of arrays every thread can write (GPTModel.sharedArray).
//
// The decoder calls headEditFor() before each block (the family applies the function it returns to
// its heads' outputs, Family.block's `edit`) and patchResidual() after it. Call the edit inside
// tf.tidy (the family's block runs in one).
import { tf } from './backend';
import { EngineError } from './errors';
import type { HeadEdit as HeadEditFn } from './families/family';
import type { Intervention } from './interventionTypes';
import type { GPTConfig } from './types';

export type { HeadEdit, HeadEditMode, Intervention, ResidualPatch } from './interventionTypes';

function bad(message: string): EngineError {
  return new EngineError('BAD_ARGUMENT', `intervention: ${message}`);
}

function checkIndex(what: string, v: number, n: number): void {
  if (!Number.isInteger(v) || v < 0 || v >= n) throw bad(`${what} ${v} is not in [0, ${n})`);
}

/** Every layer, head, position and size checked against the model and T (before any block runs). */
export function checkIntervention(iv: Intervention, config: GPTConfig, T: number): void {
  const { nLayer, nHead, headDim: hd, nEmbd: d } = config;
  for (const e of iv.heads ?? []) {
    checkIndex('layer', e.layer, nLayer);
    checkIndex('head', e.head, nHead);
    if (e.mode !== 'zero' && e.mode !== 'mean' && e.mode !== 'replace') throw bad(`unknown head edit mode ${String(e.mode)}`);
    if (e.mode === 'replace' && e.values?.length !== T * hd) {
      throw bad(`replacing head ${e.layer}.${e.head} needs T × head_dim = ${T} × ${hd} values, got ${e.values?.length ?? 0}`);
    }
  }
  for (const p of iv.residual ?? []) {
    checkIndex('layer', p.layer, nLayer);
    for (const t of p.positions) checkIndex('position', t, T);
    if (p.values.length !== p.positions.length * d) {
      throw bad(`patching ${p.positions.length} rows of layer ${p.layer} needs ${p.positions.length} × ${d} values, got ${p.values.length}`);
    }
  }
  const rec = iv.recordHeads;
  if (rec && (rec.length !== nLayer || rec.some((a) => a.length !== nHead * T * hd))) {
    throw bad(`recordHeads needs ${nLayer} arrays of H × T × head_dim = ${nHead} × ${T} × ${hd} values`);
  }
}

/**
 * The edit of layer `layer` for a thread that owns query heads [h0, h1): a function of the heads'
 * outputs side by side [T, (h1 − h0)·hd] (what the output projection takes) → the same shape, or
 * undefined when nothing of this layer on this thread is edited or recorded.
 */
export function headEditFor(iv: Intervention | undefined, layer: number, heads: readonly [number, number], hd: number): HeadEditFn | undefined {
  if (!iv) return undefined;
  const [h0, h1] = heads;
  const edits = (iv.heads ?? []).filter((e) => e.layer === layer && e.head >= h0 && e.head < h1);
  const record = iv.recordHeads?.[layer];
  if (edits.length === 0 && !record) return undefined;
  return (concat) => {
    const T = concat.shape[0];
    const W = (h1 - h0) * hd;
    const data = concat.dataSync() as Float32Array; // [T × W]
    if (record) {
      for (let h = h0; h < h1; h++) {
        for (let t = 0; t < T; t++) record.set(data.subarray(t * W + (h - h0) * hd, t * W + (h - h0 + 1) * hd), (h * T + t) * hd); // [H × T × hd]
      }
    }
    if (edits.length === 0) return concat;
    const out = data.slice(); // [T × W]
    for (const e of edits) {
      const col = (e.head - h0) * hd;
      const row = new Float32Array(hd); // what every position gets (zero, mean)
      if (e.mode === 'mean') {
        for (let t = 0; t < T; t++) for (let i = 0; i < hd; i++) row[i] += data[t * W + col + i];
        for (let i = 0; i < hd; i++) row[i] /= T;
      }
      for (let t = 0; t < T; t++) out.set(e.mode === 'replace' ? e.values!.subarray(t * hd, (t + 1) * hd) : row, t * W + col);
    }
    return tf.tensor2d(out, [T, W]); // [T, W]
  };
}

/** x [T, d] after block `layer` with the patch's rows put in, a new tensor; undefined when nothing is patched there. */
export function patchResidual(iv: Intervention | undefined, layer: number, x: tf.Tensor2D): tf.Tensor2D | undefined {
  const patches = iv?.residual?.filter((p) => p.layer === layer) ?? [];
  if (patches.length === 0) return undefined;
  const [T, d] = x.shape;
  const data = (x.dataSync() as Float32Array).slice(); // [T × d]
  for (const p of patches) p.positions.forEach((t, i) => data.set(p.values.subarray(i * d, (i + 1) * d), t * d));
  return tf.tensor2d(data, [T, d]); // [T, d]
}
