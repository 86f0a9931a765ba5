// `Attention Lens: Complete`: continues the text before the cursor (or replaces the selection
// with a continuation of the text before it), streaming tokens into the editor.
import * as vscode from 'vscode';
import type { CompletionController } from '../host/completionController';

export const COMPLETE = 'attentionLens.complete';

export async function complete(controller: CompletionController): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Attention Lens: open a file and put the cursor where the text should continue.'));
    return;
  }
  await controller.complete(editor);
}
