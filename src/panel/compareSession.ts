// One comparison shown in the attention panel: the same text under the panel's model and a second
// one (in its own engine worker, SecondEngine), or two texts under the panel's model. Both runs
// stream their layers as a Show Attention does (CompareProgress per layer) and each can be
// cancelled; then the tokens are aligned and every head pair ranked (src/analysis/compareRuns.ts),
// and the maps of the head pair the panel opens are sent on request. Disposing it cancels what
// still runs, releases both runs and shuts the second model's worker down.
import * as vscode from 'vscode';
import { differenceOnAligned, pairedRanges, relativeIndex, type PairedRanges } from '../analysis/compareMaps';
import { alignRuns, rankHeads } from '../analysis/compareRuns';
import type { EarlyAttentions, EngineClient } from '../engine/client';
import { EngineError } from '../engine/errors';
import type { ModelManager } from '../host/modelManager';
import { SecondEngine } from '../host/secondEngine';
import { PanelMessageType as M, type CompareSide, type CompareSideName, type ToWebviewMessage } from '../shared/protocol';
import type { AnalysisSummary } from '../shared/sessionTypes';

/** What to compare: text A under the panel's model against B (another model's folder, or another text). */
export interface CompareSpec {
  mode: 'models' | 'texts';
  textA: string;
  /** The text of B: textA again when comparing models. */
  textB: string;
  /** The second model's folder (mode 'models'). */
  dirB?: string;
  labelA: string;
  labelB: string;
}

export interface CompareDeps {
  models: ModelManager;
  extensionUri: vscode.Uri;
  topK: number;
  post(m: ToWebviewMessage): void;
}

interface Run {
  client: EngineClient;
  summary: AnalysisSummary;
  name: string;
}

interface Ready {
  a: Run;
  b: Run;
  paired: PairedRanges;
}

let lastId = 0;

export class CompareSession {
  readonly id = ++lastId;
  private readonly stopAll = new AbortController();
  private readonly stops = { a: new AbortController(), b: new AbortController() };
  private second: SecondEngine | undefined;
  private readonly runs: Run[] = [];
  private ready: Ready | undefined;
  private disposed = false;
  /** What was last posted of the comparison, re-sent to a reloaded webview. */
  readonly posted: ToWebviewMessage[] = [];

  constructor(
    readonly spec: CompareSpec,
    private readonly deps: CompareDeps,
  ) {
    for (const side of ['a', 'b'] as const) this.stopAll.signal.addEventListener('abort', () => this.stops[side].abort(), { once: true });
  }

  /** Runs both sides, then aligns and ranks; failures and cancels are reported as CompareProgress. */
  async run(): Promise<void> {
    const { spec } = this;
    this.post({ type: M.CompareStarted, compareId: this.id, mode: spec.mode, labelA: spec.labelA, labelB: spec.labelB });
    const [a, b] = await Promise.all([this.runSide('a'), this.runSide('b')]);
    if (!a || !b || this.disposed) return;
    const alignment = alignRuns(a.summary.tokens, b.summary.tokens, spec.mode === 'models');
    const paired = pairedRanges(alignment.groups);
    const shape = (r: Run) => ({ nLayer: r.summary.nLayer, nHead: r.summary.nHead, T: r.summary.T });
    let ranking;
    try {
      ranking = await rankHeads(
        shape(a),
        shape(b),
        paired,
        (l, h) => a.client.attention(a.summary.runId, l, h),
        (l, h) => b.client.attention(b.summary.runId, l, h),
        { signal: this.stopAll.signal },
      );
    } catch (err) {
      if (!this.disposed) this.failed('b', err);
      return;
    }
    this.ready = { a, b, paired };
    const side = (r: Run): CompareSide => ({
      name: r.name,
      tokens: r.summary.tokens,
      nLayer: r.summary.nLayer,
      nHead: r.summary.nHead,
      surprisal: r.summary.actual.map((x) => x.surprisal),
      predictions: r.summary.predictions.map((p) => ({ texts: p.texts, probs: p.probs, ...(p.bytes ? { bytes: p.bytes } : {}) })),
    });
    this.post({
      type: M.CompareReady,
      compareId: this.id,
      mode: spec.mode,
      alignment: alignment.mode,
      a: side(a),
      b: side(b),
      groups: alignment.groups,
      compared: paired.groups,
      layersRelative: ranking.layersRelative,
      headsRelative: ranking.headsRelative,
      heads: ranking.rows.map((r) => ({ ...r, meanAbsDiff: Number.isNaN(r.meanAbsDiff) ? null : r.meanAbsDiff })),
    });
    // the webview asks for the head pair it opens first (the top of the ranking)
  }

  /** Sends the maps of A's head `headA` of layer `layerA` and of its pair in B (CompareMaps). */
  async selectHead(layerA: number, headA: number): Promise<void> {
    const r = this.ready;
    if (!r || this.disposed) return;
    const { a, b, paired } = r;
    if (layerA >= a.summary.nLayer || headA >= a.summary.nHead) return;
    const layerB = relativeIndex(layerA, a.summary.nLayer, b.summary.nLayer);
    const headB = relativeIndex(headA, a.summary.nHead, b.summary.nHead);
    try {
      const [ma, mb] = await Promise.all([a.client.attention(a.summary.runId, layerA, headA), b.client.attention(b.summary.runId, layerB, headB)]); // [Ta, Ta], [Tb, Tb]
      const d = differenceOnAligned(ma, a.summary.T, mb, b.summary.T, paired); // [G, G] each
      if (this.disposed) return;
      this.deps.post({ type: M.CompareMaps, compareId: this.id, layerA, headA, layerB, headB, G: d.G, a: d.a, b: d.b, diff: d.diff });
    } catch (err) {
      if (!this.disposed) this.failed('b', err);
    }
  }

  /** Cancels one side's run (and with it the comparison). */
  cancel(side: CompareSideName): void {
    this.stops[side].abort();
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.stopAll.abort();
    const runs = this.runs.splice(0);
    await Promise.all(runs.map((r) => r.client.release(r.summary.runId).catch(() => undefined)));
    await this.second?.dispose();
    this.second = undefined;
  }

  private post(m: ToWebviewMessage): void {
    // a reloaded page gets the start, each side's last progress and the result again
    if (m.type === M.CompareProgress) {
      const i = this.posted.findIndex((x) => x.type === M.CompareProgress && x.side === m.side);
      if (i >= 0) this.posted.splice(i, 1);
    }
    this.posted.push(m);
    this.deps.post(m);
  }

  private progress(side: CompareSideName, stage: 'model' | 'analysis' | 'done' | 'cancelled' | 'failed', layers = 0, nLayer = 0, message?: string): void {
    if (this.disposed) return;
    this.post({ type: M.CompareProgress, compareId: this.id, side, stage, layers, nLayer, ...(message ? { message } : {}) });
  }

  private failed(side: CompareSideName, err: unknown): void {
    const e = EngineError.from(err);
    if (e.code === 'CANCELLED' || this.stops[side].signal.aborted) this.progress(side, 'cancelled');
    else {
      this.deps.models.output.error(`Compare: side ${side.toUpperCase()} failed: ${e.message} [${e.code}]`);
      this.progress(side, 'failed', 0, 0, e.message);
    }
  }

  /** One side: its model (the panel's, or the second engine), then its analysis streamed layer by layer. */
  private async runSide(side: CompareSideName): Promise<Run | undefined> {
    const { spec, deps } = this;
    const signal = this.stops[side].signal;
    const text = side === 'a' ? spec.textA : spec.textB;
    const onAttentions = ({ summary, layers }: EarlyAttentions): void => {
      this.progress(side, 'analysis', 0, summary.nLayer);
      if (!layers.streamed) return;
      void (async () => {
        for (let l = 0; l < summary.nLayer; l++) {
          await layers.whenLayer(l);
          this.progress(side, 'analysis', l + 1, summary.nLayer);
        }
      })().catch(() => undefined); // a failed analysis reports itself below
    };
    try {
      this.progress(side, 'model');
      let run: Run;
      if (side === 'b' && spec.mode === 'models') {
        this.second = await SecondEngine.start(deps.extensionUri, spec.dirB ?? '', signal);
        if (this.disposed) await this.second.dispose();
        const client = this.second.client;
        const summary = await client.analyze(text, { truncate: true, topK: deps.topK }, signal, onAttentions);
        run = { client, summary, name: this.second.info.name };
      } else {
        run = await deps.models.withModel('Comparing', async ({ client, info }) => ({
          client,
          summary: await client.analyze(text, { truncate: true, topK: deps.topK }, signal, onAttentions),
          name: info.name,
        }));
      }
      this.runs.push(run);
      if (this.disposed) {
        void run.client.release(run.summary.runId).catch(() => undefined);
        return undefined;
      }
      this.progress(side, 'done', run.summary.nLayer, run.summary.nLayer);
      return run;
    } catch (err) {
      if (!this.disposed) this.failed(side, err);
      return undefined;
    }
  }
}
