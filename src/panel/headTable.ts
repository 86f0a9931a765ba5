// The head table on the host side: the scores of the panel's run, layer by layer from the
// attention the run already holds (pushed after its overview), and the scores of the standard
// probe (asked for by the webview: one more analysis, of the probe's tokens, once per model).
// The scoring itself is analysis/headScores.ts; this file only feeds it and shapes the message.
import { probeTokens } from '../analysis/headProbe';
import { scoreLayer, type HeadRow } from '../analysis/headScores';
import { EngineError } from '../engine/errors';
import type { LoadedModel } from '../host/modelManager';
import type { HeadScoreRow } from '../shared/protocol';
import type { AnalysisRun } from './analysisRun';

/** The rows as the protocol carries them: NaN (nothing to average over) as null. */
export function messageRows(rows: readonly HeadRow[]): HeadScoreRow[] {
  return rows.map((r) => ({
    layer: r.layer,
    head: r.head,
    scores: Object.fromEntries(Object.entries(r.scores).map(([k, v]) => [k, Number.isFinite(v) ? v : null])) as HeadScoreRow['scores'],
    badges: r.badges,
  }));
}

/** A turn of the event loop between layers: the host stays responsive while a large model is scored. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Scores every head of `run` on its own text, layer by layer; undefined once `signal` aborts. */
export async function scoreRun(run: AnalysisRun, signal: AbortSignal): Promise<HeadScoreRow[] | undefined> {
  const { nLayer, nHead, tokens } = run.summary;
  const ids = tokens.map((t) => t.id);
  const rows: HeadRow[] = [];
  for (let l = 0; l < nLayer; l++) {
    if (run.summary.onDemand) {
      // attention on demand (long T): one head at a time, each rebuilt in the engine, never a layer's H × T × T
      for (let h = 0; h < nHead; h++) {
        const m = await run.headAttention(l, h); // [T × T]
        if (signal.aborted) return undefined;
        rows.push(...scoreLayer(l, m, 1, run.T, ids).map((r) => ({ ...r, head: h })));
        await nextTurn();
      }
      continue;
    }
    const att = await run.layerAttention(l); // [H × T × T]
    if (signal.aborted) return undefined;
    rows.push(...scoreLayer(l, att, nHead, run.T, ids));
    await nextTurn();
  }
  return messageRows(rows);
}

/** The probe's table of one model; computed once per loaded model (the probe is fixed: seeded). */
export class ProbeTable {
  private readonly cache = new Map<string, Promise<{ T: number; rows: HeadScoreRow[] }>>();

  /** The probe's rows for `model` (whose client runs one analysis of the probe, released after). */
  scores(model: LoadedModel): Promise<{ T: number; rows: HeadScoreRow[] }> {
    const key = `${model.info.dir}\n${model.info.name}`;
    let hit = this.cache.get(key);
    if (!hit) {
      hit = this.compute(model);
      this.cache.set(key, hit);
      hit.catch(() => this.cache.delete(key)); // a failure is not remembered
    }
    return hit;
  }

  private async compute({ client, info }: LoadedModel): Promise<{ T: number; rows: HeadScoreRow[] }> {
    if (!info.vocabulary) throw new EngineError('BAD_TOKENIZER', `${info.dir}: the tokenizer cannot list its special tokens, so the probe cannot avoid them`);
    const { nLayer, nHead } = info.config;
    const summary = await client.analyze(probeTokens(info.vocabulary, info.config), { topK: 1 });
    try {
      const T = summary.T;
      const ids = summary.tokens.map((t) => t.id);
      const rows: HeadRow[] = [];
      for (let l = 0; l < nLayer; l++) {
        const heads = await Promise.all(Array.from({ length: nHead }, (_, h) => client.attention(summary.runId, l, h))); // H × [T × T]
        const att = new Float32Array(nHead * T * T); // [H × T × T]
        heads.forEach((m, h) => att.set(m, h * T * T));
        rows.push(...scoreLayer(l, att, nHead, T, ids));
        await nextTurn();
      }
      return { T, rows: messageRows(rows) };
    } finally {
      void client.release(summary.runId).catch(() => undefined);
    }
  }
}
