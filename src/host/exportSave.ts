// Saving an export where the user says: VS Code's save dialog (in VS Code for the Web the simple
// dialog) offering the file beside the analysed document, then workspace.fs (so remote and virtual
// workspaces work); nothing leaves the machine. Used by the attention panel and the Layer Stepper.
import * as vscode from 'vscode';

export type SaveKind = 'png' | 'svg' | 'csv' | 'json' | 'npy' | 'html';

const FILTERS: Record<SaveKind, () => Record<string, string[]>> = {
  png: () => ({ [vscode.l10n.t('PNG image')]: ['png'] }),
  svg: () => ({ [vscode.l10n.t('SVG image')]: ['svg'] }),
  csv: () => ({ [vscode.l10n.t('CSV table')]: ['csv'] }),
  json: () => ({ JSON: ['json'] }),
  npy: () => ({ [vscode.l10n.t('NumPy array')]: ['npy'] }),
  html: () => ({ [vscode.l10n.t('HTML report')]: ['html'] }),
};

/**
 * Asks where to save `fileName` (offered in the folder of `near`, a document URI, else the first
 * workspace folder) and writes `bytes` there; says so when done. Undefined when the user cancels.
 */
export async function saveWithDialog(fileName: string, kind: SaveKind, bytes: Uint8Array, near: string | undefined, log: vscode.LogOutputChannel): Promise<vscode.Uri | undefined> {
  let folder: vscode.Uri | undefined;
  try {
    folder = near ? vscode.Uri.joinPath(vscode.Uri.parse(near), '..') : vscode.workspace.workspaceFolders?.[0]?.uri;
  } catch {
    folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  }
  const uri = await vscode.window.showSaveDialog({
    defaultUri: folder ? vscode.Uri.joinPath(folder, fileName) : undefined,
    filters: FILTERS[kind](),
    title: vscode.l10n.t('Save {0}', fileName),
  });
  if (!uri) return undefined;
  await vscode.workspace.fs.writeFile(uri, bytes);
  log.info(`Exported ${kind} to ${uri.toString(true)} (${bytes.length} bytes)`);
  void vscode.window.showInformationMessage(vscode.l10n.t('Saved {0}', uri.path.split('/').pop() ?? uri.toString(true)));
  return uri;
}

/** An export that failed: logged, and said in a notification. */
export function exportFailed(log: vscode.LogOutputChannel, what: string, err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  log.error(`Export of ${what} failed: ${message}`);
  void vscode.window.showErrorMessage(vscode.l10n.t('Could not export {0}: {1}', what, message));
}
