// The memory budget of a session's kept analyses (VS Code's attentionLens.maxMemoryMB, the CLI's
// --max-memory): it decides whether a run keeps every attention map or keeps them on demand (each
// layer's queries and keys, attentionMaps.ts), and how many layers' queries and keys; what is not
// kept is computed again when asked for (a layer's by running the forward again) instead of failing.
import { totalmem } from 'node:os';
import { qkLayerBytes } from './attentionMaps';
import type { GPTConfig } from './types';

const MiB = 1024 * 1024;

/**
 * The default budget in MiB: an eighth of the machine's memory, from 256 MiB to 4 GiB (16 GiB of
 * RAM: 2 GiB; the engine's weights, the extension host and VS Code need the rest).
 */
export function defaultMaxMemoryMB(total = totalmem()): number {
  return Math.min(4096, Math.max(256, Math.round(total / 8 / MiB)));
}

/** What one analysis keeps. */
export interface KeepPlan {
  onDemand: boolean;
  /** On demand: the layers whose queries and keys are kept (undefined: every layer). */
  keepLayers?: number[];
}

/**
 * Every map when the logits and every map fit `budgetBytes` (and on demand was not asked for);
 * else on demand, with the queries and keys of as many layers as fit beside the logits (from
 * layer 0; none on a budget too small even for one).
 */
export function planKeep(config: GPTConfig, T: number, budgetBytes: number, ask: { onDemand?: boolean; keepLayers?: readonly number[] } = {}): KeepPlan {
  const { nLayer: L, nHead: H, vocabSize: V } = config;
  const logits = T * V * 4;
  const maps = L * H * T * T * 4;
  if (!ask.onDemand && logits + maps <= budgetBytes) return { onDemand: false };
  const fit = Math.max(0, Math.min(L, Math.floor((budgetBytes - logits) / qkLayerBytes(config, T))));
  const wanted = ask.keepLayers ? [...new Set(ask.keepLayers)] : Array.from({ length: L }, (_, l) => l);
  if (!ask.keepLayers && fit >= L) return { onDemand: true };
  return { onDemand: true, keepLayers: wanted.slice(0, fit) };
}
