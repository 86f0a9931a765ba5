// Cross-attention on the source text (encoder–decoder models): when the cursor is on a target
// token of a translation, the source tokens it drew on most are highlighted in the source editor,
// the heavier the darker (decorations.ts's colours). The row read for a target token is the one
// that chose it: the decoder position before it (position t − 1 predicted token t); the mean of
// the heads of the last decoder layer until the panel's selector drives it.
import * as vscode from 'vscode';
import { crossRow, targetTokenAt, topSources } from '../analysis/crossAlignment';
import type { EncDecAnalysis } from '../shared/encdecTypes';

const LEVELS = 5;
/** Source tokens highlighted per target token, and the least weight one needs. */
const TOP = 3;
const MIN_WEIGHT = 0.05;

export interface Translation {
  analysis: EncDecAnalysis;
  sourceUri: string;
  /** The source text's offset in its document (the analysed selection's start). */
  sourceBase: number;
  targetUri: string;
}

export class SourceHighlight implements vscode.Disposable {
  private readonly levels: vscode.TextEditorDecorationType[] = [];
  private readonly disposables: vscode.Disposable[] = [];
  private current: Translation | undefined;
  private highlighted: { uri: string; ranges: vscode.Range[][] } | undefined;

  constructor() {
    for (let i = 1; i <= LEVELS; i++) {
      const a = (0.07 + (0.55 * i) / LEVELS).toFixed(3);
      this.levels.push(
        vscode.window.createTextEditorDecorationType({
          dark: { backgroundColor: `rgba(86, 156, 214, ${a})` },
          light: { backgroundColor: `rgba(0, 95, 184, ${(Number(a) * 0.8).toFixed(3)})` },
          borderRadius: '2px',
        }),
      );
    }
    this.disposables.push(
      vscode.window.onDidChangeTextEditorSelection((e) => this.onSelection(e)),
      vscode.window.onDidChangeVisibleTextEditors(() => this.render()),
    );
  }

  /** Follows the cursor in this translation's target document. */
  follow(t: Translation): void {
    this.current = t;
    this.highlighted = undefined;
    this.render();
  }

  private onSelection(e: vscode.TextEditorSelectionChangeEvent): void {
    const t = this.current;
    if (!t || e.textEditor.document.uri.toString() !== t.targetUri) return;
    const offset = e.textEditor.document.offsetAt(e.selections[0].active);
    const index = targetTokenAt(t.analysis, offset);
    const source = vscode.workspace.textDocuments.find((d) => d.uri.toString() === t.sourceUri);
    if (index === undefined || index === 0 || !source) {
      this.highlighted = undefined;
    } else {
      const a = t.analysis;
      const row = crossRow(a, a.decoderLayers - 1, -1, index - 1); // [S]: the row that chose this token
      const ranges: vscode.Range[][] = Array.from({ length: LEVELS }, () => []);
      for (const { source: s, weight } of topSources(row, TOP, MIN_WEIGHT)) {
        const tok = a.source[s];
        if (tok.end <= tok.start) continue; // </s>, or a piece the normalisation changed
        const level = Math.min(LEVELS - 1, Math.floor(weight * LEVELS));
        ranges[level].push(new vscode.Range(source.positionAt(t.sourceBase + tok.start), source.positionAt(t.sourceBase + tok.end)));
      }
      this.highlighted = { uri: t.sourceUri, ranges };
    }
    this.render();
  }

  private render(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      const mine = this.highlighted && editor.document.uri.toString() === this.highlighted.uri;
      this.levels.forEach((type, i) => editor.setDecorations(type, mine ? this.highlighted!.ranges[i] : []));
    }
  }

  dispose(): void {
    for (const d of [...this.levels, ...this.disposables]) d.dispose();
  }
}
