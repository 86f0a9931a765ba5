// Switch Model (the palette command and the status bar menu's entry): one QuickPick with the
// bundled model, the models in the Hugging Face cache (shared with Python), the recent choices,
// "Open folder…" and "Download from the Hugging Face Hub…" (pickerItems.ts builds the list). A
// choice loads while the current model stays; it is remembered in attentionLens.modelPath only
// once it has loaded, and a failure keeps the current model.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { listCachedModels } from '../hub/cacheRead';
import { hubCacheDir, isOffline } from '../hub/cachePaths';
import { memoryFit } from '../hub/modelStats';
import { askRepoId, downloadModel } from './hubDownload';
import type { HubTokens } from './hubToken';
import type { ModelManager } from './modelManager';
import { buildPickerItems, type CachedEntry, type PickerAction, type PickerEntry } from './pickerItems';
import { readSettings } from './settings';

export const SWITCH_MODEL = 'attentionLens.switchModel';
const RECENT_KEY = 'attentionLens.recentModels';
const RECENT_MAX = 8;

type Item = vscode.QuickPickItem & { action?: PickerAction };

export class ModelPicker {
  constructor(
    private readonly state: vscode.Memento,
    private readonly models: ModelManager,
    private readonly tokens: HubTokens,
  ) {}

  /** Opens the picker and acts on the choice. */
  async show(): Promise<void> {
    const qp = vscode.window.createQuickPick<Item>();
    qp.title = vscode.l10n.t('Attention Lens: Switch Model');
    qp.placeholder = vscode.l10n.t('Choose a model: bundled, from the Hugging Face cache, a folder, or a download');
    qp.matchOnDescription = true;
    qp.busy = true;
    qp.show();
    const chosen = new Promise<PickerAction | undefined>((resolve) => {
      qp.onDidAccept(() => {
        resolve(qp.selectedItems[0]?.action);
        qp.hide();
      });
      qp.onDidHide(() => resolve(undefined));
    });
    // The cache listing reads every snapshot's safetensors headers: fill the list once it is read.
    setImmediate(() => {
      qp.items = this.entries().map(toItem);
      qp.busy = false;
    });
    const action = await chosen;
    qp.dispose();
    if (action) await this.act(action);
  }

  /** Loads what `setting` names (the current model stays if it fails) and remembers it. */
  async use(setting: string): Promise<boolean> {
    try {
      const info = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Loading {0}…', setting || vscode.l10n.t('the bundled model')) }, () =>
        this.models.switchTo(setting),
      );
      await this.remember(setting);
      this.models.output.info(`Switch Model: now using "${info.name}" (${setting || 'bundled'})`);
      return true;
    } catch (err) {
      const current = this.models.state.kind === 'ready' || this.models.state.kind === 'busy' ? this.models.state.info.name : undefined;
      const message = (err as Error).message;
      void vscode.window.showErrorMessage(current ? vscode.l10n.t('{0} Still using {1}.', message, current) : message);
      return false;
    }
  }

  private entries(): PickerEntry[] {
    const cacheDir = hubCacheDir();
    let cached: CachedEntry[] = [];
    try {
      cached = listCachedModels(cacheDir).map((m) => {
        if (!m.supported || m.missing.length) return m;
        try {
          return { ...m, fit: memoryFit(m.path, m.bytes) };
        } catch {
          return m; // the config parsed, the plan did not: loading will say why
        }
      });
    } catch (err) {
      this.models.output.warn(`Could not read the Hugging Face cache ${cacheDir}: ${(err as Error).message}`);
    }
    return buildPickerItems(
      { bundled: this.bundledName(), cached, cacheDir, recent: this.state.get<string[]>(RECENT_KEY, []), current: readSettings().modelPath, offline: isOffline() },
      vscode.l10n,
    );
  }

  private bundledName(): string | undefined {
    const dir = this.models.bundledDir();
    if (!dir) return undefined;
    try {
      const name = (JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { _name_or_path?: unknown })._name_or_path;
      return typeof name === 'string' && name ? name : vscode.l10n.t('Bundled model');
    } catch {
      return vscode.l10n.t('Bundled model');
    }
  }

  private async act(action: PickerAction): Promise<void> {
    switch (action.kind) {
      case 'use':
        await this.use(action.setting);
        return;
      case 'refuse':
        void vscode.window.showWarningMessage(action.message);
        return;
      case 'openFolder': {
        const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: vscode.l10n.t('Use This Model') });
        if (picked?.[0]) await this.use(picked[0].fsPath);
        return;
      }
      case 'download': {
        const repoId = await askRepoId();
        if (repoId) await downloadModel(repoId, { tokens: this.tokens, output: this.models.output, use: async (s) => void (await this.use(s)) });
        return;
      }
    }
  }

  private async remember(setting: string): Promise<void> {
    if (!setting) return;
    const recent = this.state.get<string[]>(RECENT_KEY, []).filter((r) => r !== setting);
    await this.state.update(RECENT_KEY, [setting, ...recent].slice(0, RECENT_MAX));
  }
}

function toItem(e: PickerEntry): Item {
  if (e.separator) return { label: e.label, kind: vscode.QuickPickItemKind.Separator };
  return { label: e.label, description: e.description, detail: e.detail, action: e.action };
}
