// Restores the attention panel after a window reload: VS Code hands back the webview panel and
// the state the webview saved with setState; the panel re-runs the analysis it describes.
import type * as vscode from 'vscode';
import type { PersistedState } from '../shared/protocol';
import { AttentionPanel, type PanelDeps } from './attentionPanel';

export class AttentionPanelSerializer implements vscode.WebviewPanelSerializer<PersistedState> {
  constructor(private readonly deps: PanelDeps) {}

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: PersistedState | undefined): Promise<void> {
    AttentionPanel.revive(panel, this.deps, state && typeof state === 'object' ? state : undefined);
  }
}
