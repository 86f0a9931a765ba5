// The panel's "Attribute prediction": runs the attribution of the prediction picked (the top one
// unless the webview names a token id) at the selected position in the engine worker (EngineClient.attribute on the run's tokens, as analysed), reads
// the attention rollout's row at that position from the run (the last layer's), sends both to the
// webview (AttributionReady) and marks the scores on the text (host/attributionDecorations.ts).
import * as vscode from 'vscode';
import { EngineError } from '../engine/errors';
import { readSettings } from '../host/settings';
import { PanelMessageType as M, type RunAttributionMessage } from '../shared/protocol';
import type { PanelState } from './panelHandlers';

/** Answers a RunAttribution for the panel's run; an answer for a run no longer shown is dropped. */
export async function postAttribution(p: PanelState, m: RunAttributionMessage): Promise<void> {
  const run = p.run;
  if (!run || m.runId !== run.runId || m.position >= run.T) return;
  const { runId, position, method, target: id } = m;
  try {
    const tokens = run.summary.tokens;
    const r = await p.deps.models.withModel('Analysing', (model) => model.client.attribute(tokens, { position, method, ...(id !== undefined ? { target: id } : {}), ...(method === 'ig' ? { steps: readSettings().attributionSteps } : {}) }));
    const row = await run.row({ kind: 'rollout', layer: run.summary.nLayer - 1 }, position); // [T]
    if (p.run !== run) return;
    const target = r.target.text;
    p.post({ type: M.AttributionReady, runId, position, method, target, logProb: r.logProb, scores: r.scores, rollout: Array.from(row.subarray(0, position + 1)) });
    const decorated = p.deps.decorations.decoratedRun;
    if (decorated?.runId === runId) p.attributionMarks.show({ run: decorated, position, method, target, scores: r.scores });
  } catch (err) {
    const e = EngineError.from(err);
    p.deps.models.output.error(`Attribution failed: ${e.message} [${e.code}]`);
    const error = vscode.l10n.t('Could not attribute the prediction: {0}', e.message);
    if (p.run === run) p.post({ type: M.AttributionReady, runId, position, method, target: '', logProb: 0, scores: [], rollout: [], error });
  }
}
