// What the attention panel is given (the model, the editor decorations, the shared run holds) and
// what it tells other views after each run.
import type * as vscode from 'vscode';
import type { AnalysisSummary } from '../shared/sessionTypes';
import type { EditorAttention } from '../host/decorations';
import type { ModelManager } from '../host/modelManager';
import type { RunHold, RunHolds } from '../host/runHolds';

export interface PanelDeps {
  extensionUri: vscode.Uri;
  models: ModelManager;
  decorations: EditorAttention;
  /** Holds on engine runs shared with other views (the Layer Stepper follows the panel's run). */
  runs: RunHolds;
}

/** A run the panel has just shown, for other views to follow. */
export interface PanelAnalysis {
  summary: AnalysisSummary;
  /** Where the analysed text sits: document URI, start offset, length (UTF-16 units), e.g. "notes.txt:3–7". */
  source: { uri: string; base: number; length: number; label: string };
  /** Takes a hold on the run, so that it outlives the panel's use of it; call it while the event fires. */
  retain(): RunHold;
}
