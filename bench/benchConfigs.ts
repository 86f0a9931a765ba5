// The model shapes the benchmarks run on (random weights), and a seeded id generator.
import { readFileSync } from 'node:fs';
import { parseConfig } from '../src/engine/config';
import type { GPTConfig } from '../src/engine/types';
import { gpt2Config } from './randomCheckpoint';

export const BENCH_CONFIGS: Record<string, GPTConfig> = {
  /** GPT-2 small: 124M parameters. */
  gpt2: gpt2Config({ vocabSize: 50257, nPositions: 1024, nEmbd: 768, nLayer: 12, nHead: 12, name: 'random-gpt2-small' }),
  /** The bundled model's shape (configs/bundled.json): 4 layers, 4 heads, d 128, context 256, vocab 4096. */
  bundled: gpt2Config({ vocabSize: 4096, nPositions: 256, nEmbd: 128, nLayer: 4, nHead: 4, name: 'random-bundled' }),
  /** A quick shape for smoke runs of the benchmark itself. */
  mini: gpt2Config({ vocabSize: 4096, nPositions: 1024, nEmbd: 256, nLayer: 4, nHead: 4, name: 'random-mini' }),
};

/** A preset name or a path to a config.json. */
export function benchConfig(name: string): GPTConfig {
  if (name.endsWith('.json')) return parseConfig(JSON.parse(readFileSync(name, 'utf8')), name);
  const c = BENCH_CONFIGS[name];
  if (!c) throw new Error(`--config must be one of ${Object.keys(BENCH_CONFIGS).join(', ')} or a config.json`);
  return c;
}

/** n ids in [0, V) from a seeded LCG. */
export function randomIds(n: number, V: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % V;
  });
}
