// The learner's capture: one layer's internals at one query position, cut from the block's
// tensors of the same forward pass (see LayerCapture for the shapes) and read back as arrays, and
// what the Layer Stepper gets of one capture run (captureSlice).
import { tf } from './backend';
import { EngineError } from './errors';
import type { BlockTensors } from './families/family';
import { rootMeanSquare } from './norms';
import { invFreq } from './rotary';
import type { CaptureRequest, ForwardResult, GPTConfig, LayerCapture } from './types';
import type { CaptureSlice } from '../shared/sessionTypes';

type CaptureKey = Exclude<keyof LayerCapture, 'layer' | 'position' | 'headDim'>;
export type CaptureTensors = Partial<Record<CaptureKey, tf.Tensor>>;

/** One layer's internals sliced at query position p. Call inside tf.tidy. */
export function captureSlices(r: BlockTensors, p: number): CaptureTensors {
  const H = r.part('rawScores').shape[0];
  const hd = r.part('q').shape[2];
  const d = r.residualIn.shape[1];
  const row = (t: tf.Tensor2D) => tf.slice(t, [p, 0], [1, t.shape[1]]); // [1, width]
  const atQuery = (t: tf.Tensor3D) => tf.slice(t, [0, p, 0], [H, 1, t.shape[2]]); // [H, 1, width]
  // k and v per query head: each reads its kv head (grouped-query attention)
  const kvIndex = r.kvHead.every((j, h) => j === h) && r.part('k').shape[0] === H ? undefined : tf.tensor1d(r.kvHead as number[], 'int32');
  const upTo = (t: tf.Tensor3D) => {
    const perQuery = kvIndex ? (tf.gather(t, kvIndex, 0) as tf.Tensor3D) : t; // [H, ·, hd]
    return tf.slice(perQuery, [0, 0, 0], [H, p + 1, hd]); // [H, p+1, hd]
  };
  const out: CaptureTensors = {
    residualIn: row(r.residualIn), // [1, d]
    ln1: tf.slice(r.ln1, [0, 0], [p + 1, d]), // [p+1, d]
    q: atQuery(r.part('q')), // [H, 1, hd]
    k: upTo(r.part('k')), // [H, p+1, hd]
    v: upTo(r.part('v')), // [H, p+1, hd]
    rawScores: atQuery(r.part('rawScores')), // [H, 1, T]
    scaledScores: atQuery(r.part('scaledScores')), // [H, 1, T]
    maskedScores: atQuery(r.part('maskedScores')), // [H, 1, T]
    weights: atQuery(r.part('weights')), // [H, 1, T]
    headOutputs: atQuery(r.part('headOutputs')), // [H, 1, hd]
    concat: row(r.concat), // [1, d]
    attnOut: row(r.attnOut), // [1, d]
    residualMid: row(r.residualMid), // [1, d]
    ln2: row(r.ln2), // [1, d]
    ffnPre: row(r.ffnPre), // [1, nInner]
    ffnAct: row(r.ffnAct), // [1, nInner]
    ffnOut: row(r.ffnOut), // [1, d]
    residualOut: row(r.residualOut), // [1, d]
  };
  if (r.ffnUp) out.ffnUp = row(r.ffnUp); // [1, nInner]
  if (r.ffnGateAct) out.ffnGateAct = row(r.ffnGateAct); // [1, nInner]
  if (r.attnSum) out.attnSum = row(r.attnSum); // [1, d]
  if (r.ffnSum) out.ffnSum = row(r.ffnSum); // [1, d]
  const n = r.rmsNorms;
  if (n) {
    out.ln1Rms = rootMeanSquare(row(r.residualIn), n.eps); // [1, 1]
    out.ln1Weight = tf.clone(n.ln1); // [d]
    out.ln2Rms = rootMeanSquare(row(r.residualMid), n.eps); // [1, 1]
    out.ln2Weight = tf.clone(n.ln2); // [d]
    if (n.qNorm) out.qNormWeight = tf.tensor1d(n.qNorm); // [hd]
    if (n.kNorm) out.kNormWeight = tf.tensor1d(n.kNorm); // [hd]
  }
  /** q at p and k up to p, per query head, from q | k | v rows [T × (H + 2·Hkv)·hd] laid out as attention's input. */
  const qk = (rows: Float32Array): { q: tf.Tensor; k: tf.Tensor } => {
    const Hkv = r.part('k').shape[0];
    const T = rows.length / ((H + 2 * Hkv) * hd);
    const all = tf.tensor3d(rows, [T, H + 2 * Hkv, hd]); // [T, H + 2·Hkv, hd]
    const q = tf.transpose(tf.slice(all, [p, 0, 0], [1, H, hd]), [1, 0, 2]) as tf.Tensor3D; // [H, 1, hd]
    const k = tf.transpose(tf.slice(all, [0, H, 0], [T, Hkv, hd]), [1, 0, 2]) as tf.Tensor3D; // [Hkv, T, hd]
    return { q, k: upTo(k) }; // [H, 1, hd], [H, p+1, hd]
  };
  if (r.qkvProjected) {
    const { q, k } = qk(r.qkvProjected);
    out.qProjected = q;
    out.kProjected = k;
  }
  if (r.qkvNormed) {
    const { q, k } = qk(r.qkvNormed);
    out.qNormed = q;
    out.kNormed = k;
  }
  return out;
}

/** The slices' values; the caller disposes the tensors. */
export async function readCapture(t: CaptureTensors, req: CaptureRequest, headDim: number): Promise<LayerCapture> {
  const out: Partial<LayerCapture> = { layer: req.layer, position: req.position, headDim };
  for (const key of Object.keys(t) as CaptureKey[]) out[key] = (await t[key]!.data()) as Float32Array;
  return out as LayerCapture;
}

/**
 * What the Layer Stepper gets of a capture run (forward with `capture`) at `position`: the layer's
 * capture, the embedding rows, the final norm's output (with RMSNorm's root mean square and weight)
 * and, for rotary families, inv_freq (the angle of dimension pair i at position p is p · invFreq[i]).
 */
export function captureSlice(out: ForwardResult, position: number, config: GPTConfig): CaptureSlice {
  const d = config.nEmbd;
  if (!out.capture || !out.tokenEmbeddings || !out.finalLn) throw new EngineError('INTERNAL', 'the model returned no capture');
  const slice: CaptureSlice = {
    capture: out.capture,
    tokenEmbedding: out.tokenEmbeddings.slice(position * d, (position + 1) * d),
    finalLn: out.finalLn,
  };
  // Families with rotary positions (Llama…) add no position vector to the residual stream.
  if (out.positionEmbeddings) slice.positionEmbedding = out.positionEmbeddings.slice(position * d, (position + 1) * d);
  if (out.finalNorm) {
    slice.finalNormRms = out.finalNorm.rms;
    slice.finalNormWeight = out.finalNorm.weight;
  }
  if (config.rope) slice.invFreq = Float32Array.from(invFreq(config.rope));
  return slice;
}
