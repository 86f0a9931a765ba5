// Keeps the editor in step with the panel's run: the run's tokens and surprisal on the analysed
// text, and the attention row of the query selected (in the panel, or by the editor's cursor) as
// highlights.
import type * as vscode from 'vscode';
import { EngineError } from '../engine/errors';
import type { DecoratedRun, EditorAttention } from '../host/decorations';
import { readSettings, type Settings } from '../host/settings';
import { sourceLabel, type MatrixSource } from '../shared/matrixSource';
import type { AnalysisRun } from './analysisRun';

export interface Selection {
  source: MatrixSource;
  query: number;
}

export class DecorationSync {
  /** The matrix and query selected last (restored after a reload too). */
  selected: Selection | undefined;
  /** The run the editor decorations show (set once its surprisal is known). */
  private decoratedRun: number | undefined;

  constructor(
    private readonly decorations: EditorAttention,
    private readonly log: vscode.LogOutputChannel,
    /** The panel's run, unless it is stale (its text changed). */
    private readonly liveRun: () => AnalysisRun | undefined,
  ) {}

  /** The settings changed (or are read first): the decorations' options, and the highlights again. */
  applySettings(s: Settings): void {
    this.decorations.setOptions({ underlines: s.surprisalUnderlines, enabled: s.editorHighlights });
    void this.sync();
  }

  /** Decorates the text of a finished run, then the selection made while it ran. */
  setRun(run: DecoratedRun): void {
    this.decorations.setRun(run);
    this.decoratedRun = run.runId;
    void this.sync();
  }

  select(s: Selection): void {
    this.selected = s;
    void this.sync();
  }

  /** The cursor moved onto token `index`: same matrix, that query. */
  selectQuery(index: number): void {
    this.select({ source: this.selected?.source ?? { kind: 'head', layer: 0, head: 0 }, query: index });
  }

  /** Puts the selected query's attention on the text. */
  async sync(): Promise<void> {
    const run = this.liveRun();
    const sel = this.selected;
    if (!run || !sel || run.runId !== this.decoratedRun) return;
    try {
      const row = await run.row(sel.source, Math.min(sel.query, run.T - 1));
      if (run !== this.liveRun() || sel !== this.selected) return;
      this.decorations.setAttention({ query: sel.query, row, label: sourceLabel(sel.source), gamma: readSettings().colorScale === 'gamma' });
    } catch (err) {
      this.log.warn(`Could not decorate the editor: ${EngineError.from(err).message}`);
    }
  }
}
