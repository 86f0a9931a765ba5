// The learner's capture: one layer's internals at one query position, cut from the block's
// tensors of the same forward pass (see LayerCapture for the shapes) and read back as arrays.
import { tf } from './backend';
import type { BlockTensors } from './families/family';
import type { CaptureRequest, LayerCapture } from './types';

type CaptureKey = Exclude<keyof LayerCapture, 'layer' | 'position' | 'headDim'>;
export type CaptureTensors = Record<CaptureKey, tf.Tensor>;

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
  return {
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
}

/** The slices' values; the caller disposes the tensors. */
export async function readCapture(t: CaptureTensors, req: CaptureRequest, headDim: number): Promise<LayerCapture> {
  const out: Partial<LayerCapture> = { layer: req.layer, position: req.position, headDim };
  for (const key of Object.keys(t) as CaptureKey[]) out[key] = (await t[key].data()) as Float32Array;
  return out as LayerCapture;
}
