// `Attention Lens: Translate and Show Attention` (encoder–decoder models: MarianMTModel,
// T5ForConditionalGeneration): translates the selection (or the whole document), opens the
// translation beside the source, runs source and translation through the model once for the three
// kinds of attention, and highlights in the source the tokens each target token drew on (cursor in
// the translation). The panel's three map kinds come later (issue 17).
import * as vscode from 'vscode';
import type { ModelManager } from '../host/modelManager';
import type { SourceHighlight } from '../host/sourceHighlight';
import type { EncDecAnalysis } from '../shared/encdecTypes';

export const TRANSLATE_AND_SHOW = 'attentionLens.translateAndShowAttention';

/** What the command did, for the e2e tests (returned by the command). */
export interface TranslateShown {
  targetUri: string;
  analysis: EncDecAnalysis;
}

export async function translateAndShow(models: ModelManager, highlight: SourceHighlight): Promise<TranslateShown | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Attention Lens: open a file and select the text to translate.'));
    return undefined;
  }
  const doc = editor.document;
  const range = editor.selection.isEmpty ? new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)) : editor.selection;
  const source = doc.getText(range);
  if (source.trim() === '') {
    void vscode.window.showInformationMessage(vscode.l10n.t('Attention Lens: there is no text to translate.'));
    return undefined;
  }
  try {
    const { client } = await models.ensureEncDec();
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Attention Lens: translating…'), cancellable: true },
      (progress, token) => {
        const h = client.translate(source, {}, (p) => progress.report({ message: p.text }));
        token.onCancellationRequested(() => h.cancel());
        return h.result;
      },
    );
    if (result.cancelled) return undefined;
    const analysis = await client.analyzeEncDec(source, result.ids);
    const target = await vscode.workspace.openTextDocument({ content: analysis.targetText });
    await vscode.window.showTextDocument(target, { viewColumn: vscode.ViewColumn.Beside });
    highlight.follow({ analysis, sourceUri: doc.uri.toString(), sourceBase: doc.offsetAt(range.start), targetUri: target.uri.toString() });
    models.output.info(`Translated ${analysis.S} source tokens into ${analysis.T - 1} target tokens`);
    return { targetUri: target.uri.toString(), analysis };
  } catch (err) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Attention Lens: {0}', (err as Error).message));
    return undefined;
  }
}
