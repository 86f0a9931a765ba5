// The text shown for input that checkInput refuses, in VS Code's display language (checkInput is
// pure and keeps the English text, which the log uses).
import * as vscode from 'vscode';
import type { InputProblem } from '../analysis/inputText';

export function inputProblemText(problem: InputProblem): string {
  switch (problem) {
    case 'empty':
      return vscode.l10n.t('There is no text to analyse: the selection or document is empty.');
    case 'binary':
      return vscode.l10n.t('This looks like a binary file (it contains NUL bytes); Attention Lens analyses text only.');
    case 'whitespace':
      return vscode.l10n.t('The selection holds only whitespace; select some text to analyse.');
  }
}

/** Tells the user why their text was not analysed (a warning toast). */
export function warnInputProblem(problem: InputProblem): void {
  void vscode.window.showWarningMessage(vscode.l10n.t('Attention Lens: {0}', inputProblemText(problem)));
}
