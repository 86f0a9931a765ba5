// Token attribution on the text: a thick bottom border under each token that contributed to the
// explained prediction, green where it raised log p, red where it lowered it, its opacity the
// score relative to the largest |score|, and a hover with the score. A border, not a background,
// so that the attention highlights (decorations.ts, blue backgrounds) stay visible under it and
// the two can be compared token by token. Cleared by an edit of the document or a new run.
import * as vscode from 'vscode';
import type { AttributionMethod } from '../shared/attribution';
import { placeOf, type DecoratedRun } from './decorations';

const LEVELS = 6;
/** Scores below this fraction of the largest |score| get no mark. */
const MIN_SHOWN = 0.05;

export interface ShownAttribution {
  run: DecoratedRun;
  position: number;
  method: AttributionMethod;
  /** The explained token, as shown. */
  target: string;
  scores: number[];
}

export class EditorAttribution implements vscode.Disposable {
  private readonly up: vscode.TextEditorDecorationType[] = [];
  private readonly down: vscode.TextEditorDecorationType[] = [];
  private readonly disposables: vscode.Disposable[] = [];
  private shown: ShownAttribution | undefined;

  constructor() {
    for (let i = 1; i <= LEVELS; i++) {
      const a = (0.25 + (0.75 * i) / LEVELS).toFixed(2);
      const type = (rgb: string): vscode.TextEditorDecorationType =>
        vscode.window.createTextEditorDecorationType({ borderStyle: 'none none solid none', borderWidth: '0 0 3px 0', borderColor: `rgba(${rgb}, ${a})`, rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed });
      this.up.push(type('63, 185, 80'));
      this.down.push(type('248, 81, 73'));
    }
    this.disposables.push(
      vscode.window.onDidChangeVisibleTextEditors(() => this.render()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (this.shown && e.document.uri.toString() === this.shown.run.uri.toString() && e.contentChanges.length > 0) this.show(undefined);
      }),
    );
  }

  show(a: ShownAttribution | undefined): void {
    this.shown = a;
    this.render();
  }

  private render(): void {
    const up: vscode.DecorationOptions[][] = this.up.map(() => []);
    const down: vscode.DecorationOptions[][] = this.down.map(() => []);
    const a = this.shown;
    const editors = a ? vscode.window.visibleTextEditors.filter((e) => e.document.uri.toString() === a.run.uri.toString()) : [];
    const doc = editors[0]?.document;
    if (a && doc) {
      const max = a.scores.reduce((m, s) => Math.max(m, Math.abs(s)), 0);
      a.scores.forEach((s, i) => {
        const place = placeOf(a.run, i);
        const rel = max > 0 ? Math.abs(s) / max : 0;
        if (!place || rel < MIN_SHOWN) return;
        const level = Math.min(LEVELS - 1, Math.floor(rel * LEVELS));
        const range = new vscode.Range(doc.positionAt(a.run.base + place.start), doc.positionAt(a.run.base + place.end));
        const hoverMessage = vscode.l10n.t('Attention Lens: attribution {0} to "{1}" at token {2} ({3})', s.toFixed(3), a.target.replace(/\n/g, '↵').replace(/\t/g, '→'), a.position, a.method);
        (s >= 0 ? up : down)[level].push({ range, hoverMessage });
      });
    }
    for (const e of vscode.window.visibleTextEditors) {
      const mine = editors.includes(e);
      this.up.forEach((t, i) => e.setDecorations(t, mine ? up[i] : []));
      this.down.forEach((t, i) => e.setDecorations(t, mine ? down[i] : []));
    }
  }

  dispose(): void {
    this.show(undefined);
    for (const t of [...this.up, ...this.down]) t.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
