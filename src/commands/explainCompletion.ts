// `Attention Lens: Explain Completion`: opens the attention panel on prompt + completion with the
// generated tokens marked, the first of them selected, so a writer can see what each generated
// token looked at. Explains the last completion when the document has not changed since; else it
// completes first, then explains. An answer as chat is explained from the chat prompt it was
// generated from (template tokens included), followed by the answer.
import * as vscode from 'vscode';
import { explainStart, prefixBudget } from '../analysis/promptWindow';
import { chatAnalysisRequest } from '../host/chatExplainRequest';
import type { CompletionController, CompletionRecord } from '../host/completionController';
import { AttentionPanel, type PanelDeps } from '../panel/attentionPanel';

export const EXPLAIN_COMPLETION = 'attentionLens.explainCompletion';

/** Prompt tokens shown before the completion: enough context to read, small enough to see. */
export const EXPLAIN_PROMPT_TOKENS = 192;

export async function explainCompletion(controller: CompletionController, deps: PanelDeps): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Attention Lens: open a file and put the cursor where the text should continue.'));
    return;
  }
  const doc = editor.document;
  const record = controller.lastFor(doc) ?? (await controller.complete(editor));
  if (!record || record.text.length === 0) return; // said why already
  if (record.chat) return explainChat(editor, record, controller, deps);
  try {
    const { client, info } = await deps.models.ensureLoaded();
    // Analyse as much of the prompt as fits in the context beside the completion.
    const from = Math.max(0, record.start - prefixBudget(info.contextLength));
    const prompt = doc.getText(new vscode.Range(doc.positionAt(from), doc.positionAt(record.start)));
    const [promptTokens, completionTokens] = await Promise.all([client.tokenize(prompt), client.tokenize(record.text)]);
    const start = from + explainStart(promptTokens, prompt.length, completionTokens.length, info.contextLength, EXPLAIN_PROMPT_TOKENS);
    if (doc.version !== record.version) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Attention Lens: the document changed; run Explain Completion again after a new completion.'));
      return;
    }
    const panel = AttentionPanel.createOrShow(deps, editor);
    await panel.analyze({
      uri: doc.uri.toString(),
      fileName: vscode.workspace.asRelativePath(doc.uri),
      start,
      end: record.end,
      origin: 'selection',
      marked: { start: record.start, end: record.end },
    });
  } catch (err) {
    controller.reportError(err, 'Explain Completion');
  }
}

/**
 * An answer as chat was generated from the chat template's rendering of the question, not from
 * the document's text: the panel analyses those ids (the prompt's, then the answer's) as they are.
 */
async function explainChat(editor: vscode.TextEditor, record: CompletionRecord, controller: CompletionController, deps: PanelDeps): Promise<void> {
  try {
    const { info } = await deps.models.ensureLoaded();
    const req = chatAnalysisRequest(record, vscode.workspace.asRelativePath(editor.document.uri), info.contextLength);
    if (!req || editor.document.version !== record.version) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Attention Lens: the document changed; run Explain Completion again after a new completion.'));
      return;
    }
    await AttentionPanel.createOrShow(deps, editor).analyze(req);
  } catch (err) {
    controller.reportError(err, 'Explain Completion');
  }
}
