// The three attribution methods for log p(target) after the tokens `ids` (the prediction at the
// last position): gradient × input and integrated gradients on the token embeddings (a
// DiffModel), leave-one-out occlusion through any forward that gives that log-probability (the
// engine's own, on one thread or split). Each returns one score per token of `ids`.
import { tf } from '../backend';
import type { DiffModel } from './diffModel';

/** Row sums of a ⊙ b over [T, d] → T scores. */
function rowDots(a: Float32Array, b: Float32Array, T: number, d: number): number[] {
  const out: number[] = [];
  for (let t = 0; t < T; t++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += a[t * d + j] * b[t * d + j];
    out.push(s);
  }
  return out;
}

/** f and ∂f/∂tok at `tok` [T × d] (f = log p(target)). */
export function valueAndGradient(m: DiffModel, tok: Float32Array, T: number, target: number): { value: number; grad: Float32Array } {
  const d = m.config.nEmbd;
  let out: { value: number; grad: Float32Array } | undefined;
  tf.tidy(() => {
    const { value, grad } = tf.valueAndGrad((e: tf.Tensor) => m.logProb(e as tf.Tensor2D, target))(tf.tensor2d(tok, [T, d])); // grad [T, d]
    out = { value: value.dataSync()[0], grad: grad.dataSync() as Float32Array };
  });
  return out!;
}

/** f at `tok` [T × d]. */
export function valueAt(m: DiffModel, tok: Float32Array, T: number, target: number): number {
  return tf.tidy(() => m.logProb(tf.tensor2d(tok, [T, m.config.nEmbd]), target).dataSync()[0]);
}

/** The token embeddings of `ids` as an array [T × d]. */
export function embeddingsOf(m: DiffModel, ids: number[]): Float32Array {
  const t = m.tokenEmbeddings(ids); // [T, d]
  try {
    return t.dataSync() as Float32Array;
  } finally {
    t.dispose();
  }
}

/** Gradient × input: score_t = Σ_j e_tj · ∂f/∂e_tj. */
export function gradientTimesInput(m: DiffModel, ids: number[], target: number): { logProb: number; scores: number[] } {
  const T = ids.length;
  const e = embeddingsOf(m, ids); // [T × d]
  const { value, grad } = valueAndGradient(m, e, T, target);
  return { logProb: value, scores: rowDots(e, grad, T, m.config.nEmbd) };
}

/** Below this α, a family's f(α·e) is taken as f(0) (the log schedule starts here). */
export const IG_ALPHA_MIN = 1e-14;

/**
 * Where integrated gradients evaluate the gradient on the path α·e, α ∈ (0, 1], and the weight
 * (dα) of each point: the midpoint rule over `steps` equal intervals, of α itself ('linear'), or
 * of ln α over [IG_ALPHA_MIN, 1] ('log', dα = α·d ln α). Families that add learned positions to the
 * token embeddings (GPT-2, GPT-1) are smooth along the path: linear. The Llama family has none, so
 * α·e is the whole residual stream, and an RMSNorm whose input is far below √eps is a gain of
 * 1/√eps that compounds over the layers: f(α·e) still moves by nats at α = 10⁻⁹ (measured on the
 * llama-gqa fixture, eps 10⁻⁵: f(0) = −4.85, f(10⁻¹⁰) = −4.87, f(10⁻⁹) = −7.44, f(1) = −10.8) and
 * wanders across every decade above. Equal steps in α miss that (128 of them summed to 1.8 for
 * f(e) − f(0) = −5.9); equal steps in ln α from 10⁻¹⁴ sum to −5.936 with 128, −5.9325 with 512.
 */
export function igPath(steps: number, kind: 'linear' | 'log'): { alpha: number; weight: number }[] {
  const span = -Math.log(IG_ALPHA_MIN); // ln(1/α_min)
  return Array.from({ length: steps }, (_, k) => {
    const u = (k + 0.5) / steps;
    if (kind === 'linear') return { alpha: u, weight: 1 / steps };
    const alpha = Math.exp(-span * (1 - u));
    return { alpha, weight: (alpha * span) / steps };
  });
}

/**
 * Integrated gradients from the zero token embeddings (the positions stay: they are not the
 * tokens' doing): score_t = Σ_j e_tj · ∫₀¹ ∂f/∂e_tj(α·e) dα, over igPath's points. The scores sum
 * to about f(e) − f(0) (completeness); more steps, closer. `between` runs after each step
 * (cancellation; it may throw).
 */
export async function integratedGradients(
  m: DiffModel,
  ids: number[],
  target: number,
  steps: number,
  between: () => Promise<void> = async () => undefined,
): Promise<{ logProb: number; scores: number[]; baselineDelta: number }> {
  const T = ids.length;
  const d = m.config.nEmbd;
  const e = embeddingsOf(m, ids); // [T × d]
  const integral = new Float64Array(T * d); // Σ over the path of weight · gradient
  const scaled = new Float32Array(T * d);
  for (const { alpha, weight } of igPath(steps, m.addsPositions ? 'linear' : 'log')) {
    for (let i = 0; i < e.length; i++) scaled[i] = alpha * e[i];
    const { grad } = valueAndGradient(m, scaled, T, target);
    for (let i = 0; i < grad.length; i++) integral[i] += weight * grad[i];
    await between();
  }
  const logProb = valueAt(m, e, T, target);
  const baseline = valueAt(m, new Float32Array(T * d), T, target);
  return { logProb, scores: rowDots(e, Float32Array.from(integral), T, d), baselineDelta: logProb - baseline };
}

/**
 * Leave-one-out: score_t = f(ids) − f(ids with token t replaced by `replacement`), each f one
 * forward of `logProbOf`. A token that already is the replacement scores 0 without a forward.
 */
export async function occlusion(
  logProbOf: (ids: number[]) => Promise<number>,
  ids: number[],
  replacement: number,
): Promise<{ logProb: number; scores: number[] }> {
  const logProb = await logProbOf(ids);
  const scores: number[] = [];
  for (let t = 0; t < ids.length; t++) {
    if (ids[t] === replacement) {
      scores.push(0);
      continue;
    }
    const occluded = ids.slice();
    occluded[t] = replacement;
    scores.push(logProb - (await logProbOf(occluded)));
  }
  return { logProb, scores };
}
