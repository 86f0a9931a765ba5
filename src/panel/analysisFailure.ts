// How the panel reports a failed analysis: the error line in the panel (text, actions, code), and
// for a model that cannot be loaded a toast too, with Open Settings and Show Log.
import * as vscode from 'vscode';
import { EngineError } from '../engine/errors';
import { ModelUnavailableError } from '../host/modelManager';
import { openSettings } from '../host/settings';
import type { ErrorAction } from '../shared/protocol';

export interface PanelFailure {
  message: string;
  actions: ErrorAction[];
  code?: string;
}

/** What to show for `err` (undefined for a cancelled run: nothing); logs it, toasts a model error. */
export function analysisFailure(err: unknown, log: vscode.LogOutputChannel): PanelFailure | undefined {
  if (err instanceof EngineError && err.code === 'CANCELLED') return undefined;
  if (err instanceof ModelUnavailableError) {
    showModelErrorToast(err.message, log);
    return { message: err.message, actions: ['openSettings', 'rerun'], code: err.code };
  }
  const e = EngineError.from(err);
  log.error(`Analysis failed: ${e.message} [${e.code}]`);
  return { message: vscode.l10n.t('The analysis failed: {0}', e.message), actions: ['rerun'], code: e.code };
}

function showModelErrorToast(message: string, log: vscode.LogOutputChannel): void {
  const openLabel = vscode.l10n.t('Open Settings');
  const logLabel = vscode.l10n.t('Show Log');
  void vscode.window.showErrorMessage(vscode.l10n.t('Attention Lens: {0}', message), openLabel, logLabel).then((a) => {
    if (a === openLabel) void openSettings('modelPath');
    else if (a === logLabel) log.show(true);
  });
}
