// The tokens the current step is about, highlighted in the editor: the query token strongly, the
// earlier tokens it looks at lightly. Colours come from the theme (word-highlight colours).
import * as vscode from 'vscode';

export interface HighlightTarget {
  uri: string;
  /** Document offset where the analysed text starts. */
  base: number;
  tokens: readonly { start: number; end: number }[];
}

export class StepperHighlights implements vscode.Disposable {
  private readonly queryType = vscode.window.createTextEditorDecorationType({
    backgroundColor: new vscode.ThemeColor('editor.wordHighlightStrongBackground'),
    border: '1px solid',
    borderColor: new vscode.ThemeColor('focusBorder'),
  });
  private readonly contextType = vscode.window.createTextEditorDecorationType({
    backgroundColor: new vscode.ThemeColor('editor.wordHighlightBackground'),
  });
  private current: { target: HighlightTarget; query: number; context: number[] } | undefined;
  private readonly listener = vscode.window.onDidChangeVisibleTextEditors(() => this.render());

  /** Highlights `query` and `context` (token indices) of `target`; query −1 = none. */
  show(target: HighlightTarget, query: number, context: number[]): void {
    this.current = { target, query, context };
    this.render();
  }

  clear(): void {
    this.current = undefined;
    this.render();
  }

  dispose(): void {
    this.clear();
    this.listener.dispose();
    this.queryType.dispose();
    this.contextType.dispose();
  }

  private render(): void {
    const cur = this.current;
    for (const editor of vscode.window.visibleTextEditors) {
      if (!cur || editor.document.uri.toString() !== cur.target.uri) {
        editor.setDecorations(this.queryType, []);
        editor.setDecorations(this.contextType, []);
        continue;
      }
      const doc = editor.document;
      const range = (i: number): vscode.Range | undefined => {
        const t = cur.target.tokens[i];
        if (!t) return undefined;
        return new vscode.Range(doc.positionAt(cur.target.base + t.start), doc.positionAt(cur.target.base + t.end));
      };
      const q = cur.query >= 0 ? range(cur.query) : undefined;
      editor.setDecorations(this.queryType, q ? [q] : []);
      editor.setDecorations(this.contextType, cur.context.map(range).filter((r): r is vscode.Range => r !== undefined));
    }
  }
}
