// `Attention Lens: Show Attention`: analyses the primary selection (or, with none, the paragraph
// around the cursor) and shows it in the attention panel beside the editor.
import * as vscode from 'vscode';
import { checkInput, findParagraph } from '../analysis/inputText';
import type { AnalysisRequest } from '../panel/analysisRequest';
import { AttentionPanel, type PanelDeps } from '../panel/attentionPanel';
import { inputProblemText } from '../host/inputProblems';

export const SHOW_ATTENTION = 'attentionLens.showAttention';

export async function showAttention(deps: PanelDeps): Promise<void> {
  const requestedAt = performance.now();
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Attention Lens: open a file (or a notebook cell) and select some text to analyse.'));
    return;
  }
  const req = requestFor(editor);
  const text = editor.document.getText(new vscode.Range(editor.document.positionAt(req.start), editor.document.positionAt(req.end)));
  const checked = checkInput(text);
  if (!checked.ok) {
    deps.models.output.info(`Nothing analysed in ${req.fileName}: ${checked.message}`);
    void vscode.window.showWarningMessage(vscode.l10n.t('Attention Lens: {0}', inputProblemText(checked.problem)));
    return;
  }
  if (editor.selections.length > 1) deps.models.output.info(`${editor.selections.length} selections: analysing the primary one`);
  const panel = AttentionPanel.createOrShow(deps, editor);
  await panel.analyze(req, requestedAt);
}

/** The primary selection, or the paragraph around the cursor when it is empty. */
function requestFor(editor: vscode.TextEditor): AnalysisRequest {
  const doc = editor.document;
  const sel = editor.selection;
  const base = { uri: doc.uri.toString(), fileName: displayName(doc) };
  if (!sel.isEmpty) return { ...base, start: doc.offsetAt(sel.start), end: doc.offsetAt(sel.end), origin: 'selection' };
  const p = findParagraph(doc.getText(), doc.offsetAt(sel.active));
  return { ...base, start: p.start, end: p.end, origin: 'paragraph' };
}

function displayName(doc: vscode.TextDocument): string {
  if (doc.isUntitled) return doc.uri.path || 'Untitled';
  if (doc.uri.scheme === 'vscode-notebook-cell') return `${vscode.workspace.asRelativePath(doc.uri.with({ scheme: 'file', fragment: '' }))} (cell)`;
  return vscode.workspace.asRelativePath(doc.uri);
}
