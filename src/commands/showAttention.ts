// `Attention Lens: Show Attention`: analyses the primary selection (or, with none, the paragraph
// around the cursor) and shows it in the attention panel beside the editor.
import * as vscode from 'vscode';
import { readEditorInput } from '../host/editorInput';
import { warnInputProblem } from '../host/inputProblems';
import { AttentionPanel, type PanelDeps } from '../panel/attentionPanel';

export const SHOW_ATTENTION = 'attentionLens.showAttention';

export async function showAttention(deps: PanelDeps): Promise<void> {
  const requestedAt = performance.now();
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Attention Lens: open a file (or a notebook cell) and select some text to analyse.'));
    return;
  }
  const doc = editor.document;
  const { span, checked } = readEditorInput(editor);
  const fileName = displayName(doc);
  if (!checked.ok) {
    deps.models.output.info(`Nothing analysed in ${fileName}: ${checked.message}`);
    warnInputProblem(checked.problem);
    return;
  }
  if (editor.selections.length > 1) deps.models.output.info(`${editor.selections.length} selections: analysing the primary one`);
  const panel = AttentionPanel.createOrShow(deps, editor);
  await panel.analyze({ uri: doc.uri.toString(), fileName, start: span.start, end: span.end, origin: span.origin }, requestedAt);
}

function displayName(doc: vscode.TextDocument): string {
  if (doc.isUntitled) return doc.uri.path || 'Untitled';
  if (doc.uri.scheme === 'vscode-notebook-cell') return `${vscode.workspace.asRelativePath(doc.uri.with({ scheme: 'file', fragment: '' }))} (cell)`;
  return vscode.workspace.asRelativePath(doc.uri);
}
