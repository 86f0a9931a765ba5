// Seeded random GPT-2 weights for tests that need a model but not a trained one.
import { Rng } from '../../src/engine/sampler';
import type { GPTConfig, WeightArray, WeightMap } from '../../src/engine/types';

export function tinyConfig(overrides: Partial<GPTConfig> = {}): GPTConfig {
  const nEmbd = overrides.nEmbd ?? 32;
  const nHead = overrides.nHead ?? 4;
  return {
    modelType: 'gpt2',
    vocabSize: 101,
    nPositions: 40,
    nEmbd,
    nLayer: 3,
    nHead,
    nKvHead: nHead,
    headDim: nEmbd / nHead,
    nInner: 4 * nEmbd,
    layerNormEps: 1e-5,
    activation: 'gelu_new',
    eosTokenId: 100,
    ...overrides,
  };
}

/** Normal(0, 1) draws via Box–Muller from a seeded Rng. */
function normals(rng: Rng, n: number, std: number, mean = 0): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = 1 - rng.next();
    const v = rng.next();
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = mean + std * r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = mean + std * r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/**
 * Random weights shaped for `config`. Scales are larger than GPT-2's init so attention is far
 * from uniform and the logits are spread out (greedy ties are unlikely).
 */
export function randomWeights(config: GPTConfig, seed = 1): WeightMap {
  const rng = new Rng(seed);
  const { vocabSize: V, nPositions: P, nEmbd: d, nInner: f, nLayer: L } = config;
  const m: WeightMap = new Map();
  const put = (name: string, shape: number[], std: number, mean = 0) => {
    const w: WeightArray = { shape, data: normals(rng, shape.reduce((a, b) => a * b, 1), std, mean) };
    m.set(name, w);
  };
  put('wte.weight', [V, d], 0.5);
  put('wpe.weight', [P, d], 0.2);
  for (let i = 0; i < L; i++) {
    put(`h.${i}.ln_1.weight`, [d], 0.1, 1);
    put(`h.${i}.ln_1.bias`, [d], 0.1);
    put(`h.${i}.attn.c_attn.weight`, [d, 3 * d], 0.4);
    put(`h.${i}.attn.c_attn.bias`, [3 * d], 0.1);
    put(`h.${i}.attn.c_proj.weight`, [d, d], 0.2);
    put(`h.${i}.attn.c_proj.bias`, [d], 0.1);
    put(`h.${i}.ln_2.weight`, [d], 0.1, 1);
    put(`h.${i}.ln_2.bias`, [d], 0.1);
    put(`h.${i}.mlp.c_fc.weight`, [d, f], 0.2);
    put(`h.${i}.mlp.c_fc.bias`, [f], 0.1);
    put(`h.${i}.mlp.c_proj.weight`, [f, d], 0.1);
    put(`h.${i}.mlp.c_proj.bias`, [d], 0.1);
  }
  put('ln_f.weight', [d], 0.1, 1);
  put('ln_f.bias', [d], 0.1);
  return m;
}

/** Seeded random ids in [0, V). */
export function randomIds(n: number, V: number, seed = 7): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Math.floor(rng.next() * V));
}
