// `Attention Lens: Suggest Continuations`: samples several continuations of the text before the
// cursor (seeds seed, seed+1, …), shows them in a QuickPick by mean log-probability, and inserts
// the one picked (replacing the selection, as Complete does) as one edit.
import * as vscode from 'vscode';
import { clipPrefix, prefixBudget } from '../analysis/promptWindow';
import { continuationLabel, rankContinuations, type Continuation } from '../analysis/continuations';
import { runCompletion } from '../host/completionRun';
import type { CompletionController } from '../host/completionController';
import { readCompletionSettings } from '../host/completionSettings';
import type { ModelManager } from '../host/modelManager';
import { isReadOnlyDocument } from '../host/streamingInsert';
import { toSamplingOptions } from '../shared/completionOptions';

export const SUGGEST_CONTINUATIONS = 'attentionLens.suggestContinuations';

/** Suggestions need randomness: a greedy setting (temperature 0) samples at this temperature. */
const SUGGEST_TEMPERATURE = 1;

export async function suggestContinuations(controller: CompletionController, models: ModelManager): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Attention Lens: open a file and put the cursor where the text should continue.'));
    return;
  }
  const doc = editor.document;
  if (isReadOnlyDocument(doc)) {
    void vscode.window.showWarningMessage(vscode.l10n.t('Attention Lens: this document is read-only, so no completion can be inserted.'));
    return;
  }
  controller.stop(); // one generation at a time
  const log = models.output;
  const settings = readCompletionSettings((l) => log.warn(l));
  const n = settings.suggestions;
  const temperature = settings.temperature > 0 ? settings.temperature : SUGGEST_TEMPERATURE;
  const baseSeed = settings.seed ?? Math.floor(Math.random() * 0xffff0000);
  const version = doc.version;
  const selection = editor.selection;
  const samples: Continuation[] = [];
  try {
    const { info } = await models.ensureLoaded();
    const budget = prefixBudget(info.contextLength);
    const startOffset = doc.offsetAt(selection.start);
    const prefix = clipPrefix(doc.getText(new vscode.Range(doc.positionAt(Math.max(0, startOffset - budget - 1)), selection.start)), budget).text;
    const cancelled = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Attention Lens: sampling {0} continuations', n), cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        await models.withModel('Generating', async ({ client }) => {
          for (let i = 0; i < n && !abort.signal.aborted; i++) {
            progress.report({ message: `${i + 1}/${n}`, increment: 100 / n });
            const out = await runCompletion(client, {
              prefix,
              options: toSamplingOptions({ ...settings, temperature, seed: (baseSeed + i) >>> 0 }),
              nPositions: info.contextLength,
              signal: abort.signal,
            });
            if (out.result.stopReason !== 'cancelled') samples.push({ text: out.result.text, logprobs: out.result.tokens.map((t) => t.logprob) });
          }
        });
        return abort.signal.aborted;
      },
    );
    if (cancelled && samples.length === 0) return;
  } catch (err) {
    controller.reportError(err, 'Suggest Continuations');
    return;
  }
  const ranked = rankContinuations(samples);
  log.info(`Suggest Continuations: ${samples.length} samples, ${ranked.length} distinct, seeds ${baseSeed}…${baseSeed + n - 1}, temperature ${temperature}`);
  if (ranked.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Attention Lens: the model ended the text here in every sample.'));
    return;
  }
  type Item = vscode.QuickPickItem & { text: string };
  const items: Item[] = ranked.map((r) => ({
    label: continuationLabel(r.text),
    description: vscode.l10n.t('mean log p {0}', r.meanLogprob.toFixed(2)),
    detail: vscode.l10n.t('{0} tokens, mean token probability {1}%{2}', r.logprobs.length, (100 * Math.exp(r.meanLogprob)).toFixed(1), r.count > 1 ? ` · ×${r.count}` : ''),
    text: r.text,
  }));
  const pick = await vscode.window.showQuickPick(items, {
    title: vscode.l10n.t('Attention Lens: Suggest Continuations'),
    placeHolder: vscode.l10n.t('Pick a continuation to insert (most likely first)'),
    matchOnDescription: false,
  });
  if (!pick) return;
  if (doc.isClosed || doc.version !== version) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Attention Lens: the document changed while sampling; nothing was inserted.'));
    return;
  }
  const target = vscode.window.visibleTextEditors.find((e) => e.document === doc) ?? (await vscode.window.showTextDocument(doc));
  const ok = await target.edit((b) => b.replace(selection, pick.text));
  if (!ok) void vscode.window.showWarningMessage(vscode.l10n.t('Attention Lens: the continuation could not be inserted (is the document read-only?).'));
}
