// "Attention Lens: Export Report…" (palette and the panel's title bar): the attention panel's run as
// one self-contained HTML file, the same as the panel's Export menu item; the head open in the
// panel is offered as the one to pin.
import * as vscode from 'vscode';
import { readSettings } from '../host/settings';
import { AttentionPanel } from '../panel/attentionPanel';
import { exportReport as exportPanelReport } from '../panel/panelExport';
import { PanelMessageType } from '../shared/protocol';

export const EXPORT_REPORT = 'attentionLens.exportReport';

export async function exportReport(): Promise<void> {
  const panel = AttentionPanel.current;
  const run = panel?.run;
  if (!panel || !run) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Show the attention of a text first (Attention Lens: Show Attention), then export its report.'));
    return;
  }
  const source = panel.decorationSync.selected?.source;
  const kind = vscode.window.activeColorTheme.kind;
  const light = kind === vscode.ColorThemeKind.Light || kind === vscode.ColorThemeKind.HighContrastLight;
  await exportPanelReport(panel, {
    type: PanelMessageType.ExportReport,
    runId: run.runId,
    heads: source?.kind === 'head' ? [[source.layer, source.head]] : [],
    theme: light ? 'light' : 'dark',
    gamma: readSettings().colorScale === 'gamma',
  });
}
