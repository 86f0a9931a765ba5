// The work the soak benchmark (soakBench.ts) repeats, each piece done the way the extension does
// it on the extension host's side, through the real engine worker: Show Attention (the panel's
// two-phase analysis, only the latest run counting, the overview thumbnails and the first heatmap
// made on this thread, the run before released), a completion streamed token by token, a Layer
// Stepper analysis with a capture and the logit lens, and an analysis superseded mid-run.
import type { EngineClient } from '../src/engine/client';
import type { ModelInfo } from '../src/engine/modelInfo';
import { LatestOnly } from '../src/host/latestOnly';
import { runCompletion } from '../src/host/completionRun';
import { AnalysisRun } from '../src/panel/analysisRun';
import { StepperRun } from '../src/views/stepperRun';
import { DEFAULT_COMPLETION_OPTIONS, toSamplingOptions } from '../src/shared/completionOptions';
import { OVERVIEW_SIZE } from '../src/shared/protocol';
import { PROSE } from './benchText';

/** A model loaded in the worker and texts of exactly `T` tokens to analyse, each a different window of prose. */
export interface Workload {
  client: EngineClient;
  info: ModelInfo;
  T: number;
  texts: string[];
}

/** `count` texts of `T` tokens each: windows of a long prose text starting at different tokens. */
export async function prepare(client: EngineClient, info: ModelInfo, T: number, count = 16): Promise<Workload> {
  const long = PROSE.repeat(Math.ceil((T * 12) / PROSE.length) + 2);
  const spans = await client.tokenize(long);
  if (spans.length < T + count * 7) throw new Error(`the prose gives only ${spans.length} tokens`);
  const texts = Array.from({ length: count }, (_, i) => long.slice(spans[i * 7].start, spans[i * 7 + T - 1].end));
  return { client, info, T, texts };
}

/** The panel: one Show Attention at a time counts; each replaces the run shown before. */
export class PanelPath {
  private readonly latest = new LatestOnly();
  private shown: AnalysisRun | undefined;

  constructor(private readonly w: Workload) {}

  /** One Show Attention on text `i`, to its first heatmap, its overview and its predictions. */
  async show(i: number): Promise<void> {
    const { client, texts } = this.w;
    const ticket = this.latest.start();
    let run: AnalysisRun | undefined;
    let pushed: Promise<void> | undefined;
    let heatmap: Promise<unknown> | undefined;
    const summary = await client.analyze(texts[i % texts.length], { truncate: true, topK: 10 }, ticket.signal, (early) => {
      if (!this.latest.isCurrent(ticket)) return;
      run = new AnalysisRun(client, early.summary, undefined, early.layers);
      pushed = run.pushOverview(OVERVIEW_SIZE, () => undefined, ticket.signal);
      heatmap = run.quantized({ kind: 'head', layer: 0, head: 0 });
    });
    if (!run || !pushed || !heatmap) throw new Error('the analysis had no first phase');
    await Promise.all([pushed, heatmap]);
    if (summary.T !== this.w.T) throw new Error(`expected ${this.w.T} tokens, got ${summary.T}`);
    const before = this.shown;
    this.shown = run;
    await before?.release();
  }

  /** An analysis superseded by the next Show Attention once its first layer arrived (the spam case). */
  async superseded(i: number): Promise<void> {
    const { client, texts } = this.w;
    const ticket = this.latest.start();
    const p = client.analyze(texts[i % texts.length], { truncate: true, topK: 10 }, ticket.signal, (early) => {
      void early.layers.whenLayer(0).then(
        () => this.latest.cancel(),
        () => undefined,
      );
    });
    await p.then(
      () => {
        throw new Error('a superseded analysis was answered');
      },
      (err: { code?: string }) => {
        if (err.code !== 'CANCELLED') throw err;
      },
    );
  }

  async close(): Promise<void> {
    this.latest.cancel();
    await this.shown?.release();
    this.shown = undefined;
  }
}

/** A completion of `tokens` new tokens streamed back, from text `i`. */
export async function complete(w: Workload, i: number, tokens: number): Promise<number> {
  const options = { ...toSamplingOptions({ ...DEFAULT_COMPLETION_OPTIONS, maxNewTokens: tokens }), stopAtEos: false, seed: i };
  let streamed = 0;
  const out = await runCompletion(w.client, { prefix: w.texts[i % w.texts.length], options, nPositions: w.info.contextLength, onToken: () => streamed++ });
  if (out.result.stopReason !== 'max-tokens' || streamed !== tokens) throw new Error(`the completion stopped (${out.result.stopReason}) after ${streamed} tokens`);
  return streamed;
}

/** The Layer Stepper: its own analysis of text `i`, a capture at one layer and position, the logit lens; then the run is let go. */
export async function stepThrough(w: Workload, i: number): Promise<void> {
  const { client, texts, info } = w;
  const summary = await client.analyze(texts[i % texts.length], { truncate: true, topK: 5 });
  const run = new StepperRun(client, summary.runId, summary.tokens, { uri: 'soak:', base: 0, length: 0, label: 'soak' }, info.vocabSize, summary.predictions);
  try {
    await run.capture(i % info.config.nLayer, (i * 13) % summary.T);
    await run.logitLens();
  } finally {
    await client.release(summary.runId);
  }
}
