// The panel's ablation (issue 15): the webview's AblateHeads runs the engine's ablation on the
// tokens of the panel's run, keeps the ablated run (its attention maps open beside the originals,
// as matrices asked for by its runId) and answers with AblationReady: the next-token loss per
// token and the top predictions, without and with the heads ablated.
import * as vscode from 'vscode';
import { EngineError } from '../engine/errors';
import { PanelMessageType as M, type AblateHeadsMessage, type AblationReadyMessage, type Prediction } from '../shared/protocol';
import type { TopPredictions } from '../shared/sessionTypes';
import { AnalysisRun } from './analysisRun';
import type { PanelState } from './panelHandlers';

/** Predictions kept per position for the before/after list. */
const ABLATION_TOP_K = 5;

const predictionOf = (x: TopPredictions): Prediction => ({ texts: x.texts, probs: x.probs, ...(x.bytes ? { bytes: x.bytes } : {}) });
/** NaN (the first token has no prediction) as null: the webview's messages are JSON. */
const nullable = (xs: number[]): (number | null)[] => xs.map((x) => (Number.isFinite(x) ? x : null));

/** The panel's run whose matrices `runId` names: its own, or its ablated one. */
export function runFor(p: PanelState, runId: number): AnalysisRun | undefined {
  if (p.run?.runId === runId) return p.run;
  if (p.ablation && p.ablation.runId === runId) return p.ablation;
  return undefined;
}

/** Forgets the ablated run (a new run, a new ablation, the panel closed). */
export function dropAblation(p: PanelState): void {
  void p.ablation?.release();
  p.ablation = undefined;
}

export function ablateHeads(p: PanelState, m: AblateHeadsMessage): void {
  const run = p.run;
  if (!run || m.runId !== run.runId) return;
  const { nLayer, nHead } = run.summary;
  const fail = (message: string): void => {
    if (p.run !== run) return;
    const empty: AblationReadyMessage = { type: M.AblationReady, runId: run.runId, ablatedRunId: -1, heads: m.heads, mode: m.mode, baseLoss: NaN, ablatedLoss: NaN, baseLosses: [], ablatedLosses: [], basePredictions: [], ablatedPredictions: [] };
    p.post({ ...empty, error: vscode.l10n.t('Could not ablate the heads: {0}', message) });
  };
  const outside = m.heads.find((h) => h.layer >= nLayer || h.head >= nHead);
  if (outside) return fail(`there is no head ${outside.layer}.${outside.head}`);
  p.deps.models
    .withModel(vscode.l10n.t('Ablating heads'), async ({ client }) => ({ client, r: await client.ablate(run.summary.tokens, { heads: m.heads, mode: m.mode, topK: ABLATION_TOP_K }) }))
    .then(({ client, r }) => {
      if (p.run !== run) {
        void client.release(r.runId).catch(() => undefined);
        return;
      }
      dropAblation(p);
      p.ablation = new AnalysisRun(client, { ...run.summary, runId: r.runId });
      p.post({
        type: M.AblationReady,
        runId: run.runId,
        ablatedRunId: r.runId,
        heads: r.heads,
        mode: r.mode,
        baseLoss: r.baseLoss,
        ablatedLoss: r.ablatedLoss,
        baseLosses: nullable(r.baseLosses),
        ablatedLosses: nullable(r.ablatedLosses),
        basePredictions: r.basePredictions.map(predictionOf),
        ablatedPredictions: r.ablatedPredictions.map(predictionOf),
      });
    })
    .catch((err: unknown) => {
      const e = EngineError.from(err);
      p.deps.models.output.error(`Ablating heads failed: ${e.message} [${e.code}]`);
      fail(e.message);
    });
}
