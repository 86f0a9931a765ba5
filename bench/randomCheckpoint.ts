// A GPT-2 checkpoint with random weights (normal, std 0.02; LayerNorm weight 1, biases 0), for the
// benchmark and for tests that need a model bigger than the tiny fixture.
import { expectedWeightShapes, saveCheckpoint } from '../src/engine/checkpoint';
import type { GPTConfig, WeightMap } from '../src/engine/types';
import { Mulberry32 } from '../src/shared/mulberry32';

/** Default GPT-2 config fields for a given shape. */
export function gpt2Config(shape: Pick<GPTConfig, 'vocabSize' | 'nPositions' | 'nEmbd' | 'nLayer' | 'nHead'> & { name?: string }): GPTConfig {
  return {
    modelType: 'gpt2',
    nInner: 4 * shape.nEmbd,
    layerNormEps: 1e-5,
    activation: 'gelu_new',
    nKvHead: shape.nHead,
    headDim: shape.nEmbd / shape.nHead,
    ...shape,
  };
}

/** Fills `out` with N(0, std²) draws from a seeded generator (mulberry32 + Box–Muller). */
function fillNormal(out: Float32Array, std: number, rng: Mulberry32): void {
  const uniform = (): number => rng.next();
  for (let i = 0; i < out.length; i += 2) {
    const u = 1 - uniform(); // (0, 1]
    const r = std * Math.sqrt(-2 * Math.log(u));
    const a = 2 * Math.PI * uniform();
    out[i] = r * Math.cos(a);
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(a);
  }
}

/** Random weights for `config` under GPT-2's names. */
export function randomWeights(config: GPTConfig, opts: { seed?: number; std?: number } = {}): WeightMap {
  const rng = new Mulberry32(opts.seed ?? 1);
  const std = opts.std ?? 0.02;
  const weights: WeightMap = new Map();
  for (const [name, shape] of expectedWeightShapes(config)) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    if (/ln_(1|2|f)\.weight$/.test(name)) data.fill(1);
    else if (!name.endsWith('.bias')) fillNormal(data, std, rng);
    weights.set(name, { shape, data });
  }
  return weights;
}

/** Writes config.json + model.safetensors (F32) for a random model into `dir`. */
export function writeRandomCheckpoint(dir: string, config: GPTConfig, opts: { seed?: number; std?: number } = {}): void {
  saveCheckpoint(dir, config, randomWeights(config, opts), { dtype: 'F32' });
}
