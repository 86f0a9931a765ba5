// Restricted Mode: a workspace's own settings may point `attentionLens.modelPath` anywhere on the
// disk, and loading a model reads and parses every file of that folder (configs, tokenizers, chat
// templates, gigabytes of weights). Until the user trusts the workspace, its value is not used:
// VS Code already hides it (package.json: capabilities.untrustedWorkspaces.restrictedConfigurations),
// and this reads the setting so that no workspace value gets through even where it would not (a
// host that does not apply the restriction), and says when one was set aside.
import * as vscode from 'vscode';
import { SECTION, readSettings } from './settings';

export interface ModelPathSetting {
  /** The value to load from ('' for the bundled model). */
  value: string;
  /** The workspace's value, set aside because the workspace is not trusted. */
  ignored?: string;
}

/** `attentionLens.modelPath` as the extension may use it now. */
export function modelPathSetting(): ModelPathSetting {
  if (vscode.workspace.isTrusted) return { value: readSettings().modelPath };
  const i = vscode.workspace.getConfiguration(SECTION).inspect<string>('modelPath');
  const workspace = (i?.workspaceFolderValue ?? i?.workspaceValue ?? '').trim();
  const user = (i?.globalValue ?? i?.defaultValue ?? '').trim();
  return workspace ? { value: user, ignored: workspace } : { value: user };
}

/** Says, once per value, that the workspace's model path is not loaded in Restricted Mode; offers to manage trust. */
export class UntrustedModelNotice {
  private said: string | undefined;

  constructor(private readonly log: vscode.LogOutputChannel) {}

  tell(ignored: string): void {
    if (this.said === ignored) return;
    this.said = ignored;
    this.log.warn(`Restricted Mode: not loading the workspace's "attentionLens.modelPath" (${ignored}) until the workspace is trusted`);
    const manage = vscode.l10n.t('Manage Workspace Trust');
    const message = vscode.l10n.t(
      'Attention Lens: this workspace\'s settings point "attentionLens.modelPath" at "{0}", which is not loaded while the workspace is not trusted (Restricted Mode). Using the model from your user settings or the bundled one; trust the workspace to load it.',
      ignored,
    );
    void vscode.window.showWarningMessage(message, manage).then((a) => {
      if (a === manage) void vscode.commands.executeCommand('workbench.trust.manage');
    });
  }
}
