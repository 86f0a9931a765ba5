// A kept run's attention as the session serves it: from its maps, or on demand rebuilt from its
// layers' queries and keys (attentionMaps.ts); a layer the memory budget did not keep is made by
// running the forward again. One per session (it holds the rebuilding GEMM and mask).
import { meanOverHeads } from '../analysis/rollout';
import { AttentionMaps } from './attentionMaps';
import { EngineError } from './errors';
import type { GPTModel } from './model';
import type { Run } from './runStore';
import type { GPTConfig } from './types';

/** The run, which must have kept its attentions (AnalyzeOptions.attentions), as maps or on demand. */
export function withAttentions(runId: number, run: Run): Run {
  if (run.attentions.length === 0 && !run.qk) throw new EngineError('BAD_ARGUMENT', `analysis ${runId} was run without attentions`);
  return run;
}

export class RunAttention {
  private maps: AttentionMaps | undefined;

  constructor(
    private readonly config: GPTConfig,
    private readonly model: GPTModel,
  ) {}

  /** Head `head`'s map [T × T] of layer `layer` (checked by the caller); −1: the heads' mean. */
  head(runId: number, run: Run, layer: number, head: number): Float32Array {
    const T = run.ids.length;
    if (withAttentions(runId, run).qk) {
      const qk = run.qk![layer];
      if (!qk) throw new EngineError('INTERNAL', `analysis ${runId} did not keep layer ${layer}: ask attentionMap`);
      const maps = (this.maps ??= new AttentionMaps(this.config));
      return head >= 0 ? maps.head(qk, T, layer, head) : maps.mean(qk, T, layer); // [T × T], rebuilt
    }
    const a = run.attentions[layer]; // [H × T × T]
    return head >= 0 ? a.slice(head * T * T, (head + 1) * T * T) : meanOverHeads(a, this.config.nHead, T);
  }

  /**
   * Makes sure a run on demand holds layer `layer`'s queries and keys: when the budget did not
   * keep them, the forward runs again keeping that layer's, in place of the last layer rebuilt so.
   */
  async ensureLayer(run: Run, layer: number): Promise<void> {
    if (!run.qk || run.qk[layer]) return;
    const out = await this.model.forward(run.ids, { onDemand: { thumbSize: 0, keepLayers: [layer] } });
    if (run.rebuilt !== undefined) run.qk[run.rebuilt] = null;
    run.qk[layer] = out.qk![layer];
    run.rebuilt = layer;
  }

  /** Every map [L × H × T × T] (on demand: each rebuilt, so only where they fit; a layer not kept needs ensureLayer first). */
  all(runId: number, run: Run): Float32Array {
    const { nLayer, nHead } = this.config;
    const TT = run.ids.length ** 2;
    const all = new Float32Array(nLayer * nHead * TT); // [L × H × T × T]
    for (let l = 0; l < nLayer; l++) {
      if (withAttentions(runId, run).attentions.length > 0) all.set(run.attentions[l], l * nHead * TT);
      else for (let h = 0; h < nHead; h++) all.set(this.head(runId, run, l, h), (l * nHead + h) * TT);
    }
    return all;
  }

  dispose(): void {
    this.maps?.dispose();
    this.maps = undefined;
  }
}
