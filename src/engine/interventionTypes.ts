// The data of an intervention on a forward pass (ForwardOptions.intervention; applied by interventions.ts).
// Plain data: it crosses to the peers of a split model with the forward.

export type HeadEditMode = 'zero' | 'mean' | 'replace';

/** One head's output replaced before the output projection. */
export interface HeadEdit {
  layer: number;
  head: number;
  /** zero: 0; mean: its own mean over the positions of this forward; replace: `values`. */
  mode: HeadEditMode;
  /** replace: the head's output to put in its place [T × hd]. */
  values?: Float32Array;
}

/** Rows of the residual stream after block `layer` replaced. */
export interface ResidualPatch {
  layer: number;
  positions: number[];
  values: Float32Array; // [positions.length × d], row i for positions[i]
}

export interface Intervention {
  heads?: HeadEdit[];
  residual?: ResidualPatch[];
  /**
   * One array per layer [H × T × hd] (head-major) to record every head's output into, as it was
   * before any edit; each thread writes its own heads (make them with GPTModel.sharedArray).
   */
  recordHeads?: Float32Array[];
}
