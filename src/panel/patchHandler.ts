// The panel's activation patching (issue 15): the webview's PatchTexts runs the engine's patching
// (clean into corrupted, every layer's residual at every position, then every head's output) with
// the panel's model and answers with PatchReady, the recovered fractions for the two heatmaps.
// PatchCancel stops it (the signal raises the worker's cancel flag): a cancelled PatchReady, no error.
import * as vscode from 'vscode';
import { EngineError } from '../engine/errors';
import { PanelMessageType as M, type PatchCancelMessage, type PatchTextsMessage } from '../shared/protocol';
import type { PanelState } from './panelHandlers';

/** The patching under way in each panel, to cancel. */
const running = new WeakMap<PanelState, AbortController>();

export function patchTexts(p: PanelState, m: PatchTextsMessage): void {
  const run = p.run;
  if (!run || m.runId !== run.runId) return;
  running.get(p)?.abort(); // one patching at a time: a new one replaces the last
  const stop = new AbortController();
  running.set(p, stop);
  const base = { type: M.PatchReady, runId: run.runId, tokens: [] as string[], target: m.target, contrast: m.contrast, cleanDiff: NaN, corruptDiff: NaN, layers: [] as number[][], heads: [] as number[][] } as const;
  p.deps.models
    .withModel(vscode.l10n.t('Patching activations'), ({ client }) => client.patch({ clean: m.clean, corrupt: m.corrupt, target: m.target, contrast: m.contrast }, undefined, stop.signal))
    .then((r) => {
      if (p.run !== run) return;
      p.post({ ...base, tokens: r.tokens.map((t) => t.text), target: r.target.text, contrast: r.contrast.text, cleanDiff: r.cleanDiff, corruptDiff: r.corruptDiff, layers: r.layers, heads: r.heads });
    })
    .catch((err: unknown) => {
      const e = EngineError.from(err);
      if (stop.signal.aborted || e.code === 'CANCELLED') {
        if (p.run === run && running.get(p) === stop) p.post({ ...base, cancelled: true }); // not when replaced by a newer one
        return;
      }
      p.deps.models.output.error(`Activation patching failed: ${e.message} [${e.code}]`);
      if (p.run === run) p.post({ ...base, error: vscode.l10n.t('Could not patch: {0}', e.message) });
    })
    .finally(() => {
      if (running.get(p) === stop) running.delete(p);
    });
}

/** Stops the panel's patching for run `m.runId`, if one is under way. */
export function cancelPatch(p: PanelState, m: PatchCancelMessage): void {
  if (p.run?.runId === m.runId) running.get(p)?.abort();
}
