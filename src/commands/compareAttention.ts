// `Attention Lens: Compare Attention…` (palette, and "Compare…" in the panel): the selection (or
// the panel's text) under the panel's model against another model, or against another text under
// the same model. Asks what to compare with, then shows the comparison in the attention panel.
// Tests and other commands may pass the choice as an argument: { model } or { text }.
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { listCachedModels } from '../hub/cacheRead';
import { hubCacheDir } from '../hub/cachePaths';
import { readEditorInput } from '../host/editorInput';
import { warnInputProblem } from '../host/inputProblems';
import { AttentionPanel, type PanelDeps } from '../panel/attentionPanel';
import { readRequest } from '../panel/analysisPhases';
import type { AnalysisRequest } from '../panel/analysisRequest';
import { startCompare } from '../panel/compareHandlers';

export { COMPARE_ATTENTION } from '../panel/compareHandlers';

/** The choice made without asking: a model (a folder, a cached repo id, or '' for the bundled model), or a text. */
export interface CompareArgs {
  model?: string;
  text?: string;
}

const short = (s: string): string => {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > 40 ? `${one.slice(0, 39)}…` : one;
};

export async function compareAttention(deps: PanelDeps, raw?: unknown): Promise<void> {
  // an argument may come from anywhere (another extension, a keybinding): only its string fields count
  const given = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const args: CompareArgs = { ...(typeof given.model === 'string' ? { model: given.model } : {}), ...(typeof given.text === 'string' ? { text: given.text } : {}) };
  const editor = vscode.window.activeTextEditor;
  let req: AnalysisRequest | undefined;
  if (editor) {
    const { span, checked } = readEditorInput(editor);
    if (!checked.ok) return warnInputProblem(checked.problem);
    const doc = editor.document;
    req = { uri: doc.uri.toString(), fileName: doc.isUntitled ? doc.uri.path : vscode.workspace.asRelativePath(doc.uri), start: span.start, end: span.end, origin: span.origin };
  } else req = AttentionPanel.current?.request;
  if (!req) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Attention Lens: select the text to compare in an editor first.'));
    return;
  }
  const input = await readRequest(req);
  if (!input.checked.ok) return warnInputProblem(input.checked.problem);
  const textA = input.checked.text;

  const choice = args.model !== undefined ? { model: args.model } : args.text !== undefined ? { text: args.text } : await ask(deps, textA);
  if (!choice) return;
  let dirB: string | undefined;
  if (choice.model !== undefined) {
    try {
      dirB = deps.models.resolveModelDir(choice.model);
    } catch (err) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Attention Lens: {0}', (err as Error).message));
      return;
    }
  }

  const panel = editor ? AttentionPanel.createOrShow(deps, editor) : AttentionPanel.current;
  if (!panel) return;
  if (!panel.run || panel.request?.uri !== req.uri || panel.request.start !== req.start || panel.request.end !== req.end) void panel.analyze(req);
  const state = deps.models.state;
  const nameA = state.kind === 'ready' || state.kind === 'busy' ? state.info.name : vscode.l10n.t('the current model');
  startCompare(
    panel,
    dirB !== undefined
      ? { mode: 'models', textA, textB: textA, dirB, labelA: nameA, labelB: choice.model || basename(dirB) }
      : { mode: 'texts', textA, textB: choice.text ?? '', labelA: short(textA), labelB: short(choice.text ?? '') },
  );
}

type Pick = vscode.QuickPickItem & { value: () => Promise<CompareArgs | undefined> };

/** What to compare with: another model (bundled, cached, a folder, a typed path or repo id), or another text. */
async function ask(deps: PanelDeps, textA: string): Promise<CompareArgs | undefined> {
  const kind = await vscode.window.showQuickPick(
    [
      { label: `$(versions) ${vscode.l10n.t('Same text, another model…')}`, detail: vscode.l10n.t('Run the text under a second model and show what differs'), id: 'models' },
      { label: `$(diff) ${vscode.l10n.t('Another text, same model…')}`, detail: vscode.l10n.t('Edit a copy of the text (a paraphrase) and show how the attention shifts'), id: 'texts' },
    ],
    { title: vscode.l10n.t('Compare Attention'), placeHolder: vscode.l10n.t('Compare the text with…') },
  );
  if (!kind) return undefined;
  if (kind.id === 'texts') {
    const text = await vscode.window.showInputBox({
      title: vscode.l10n.t('Compare Attention: text B'),
      prompt: vscode.l10n.t('The text to compare with (tokens are aligned by a diff)'),
      value: textA,
      validateInput: (v) => (v.trim() === '' ? vscode.l10n.t('Enter some text.') : undefined),
    });
    return text === undefined ? undefined : { text };
  }
  const items: Pick[] = [];
  if (deps.models.bundledDir()) items.push({ label: `$(package) ${vscode.l10n.t('Bundled model')}`, value: async () => ({ model: '' }) });
  try {
    for (const m of listCachedModels(hubCacheDir())) {
      if (m.supported && m.missing.length === 0) items.push({ label: `$(cloud) ${m.repo}`, description: m.revision, value: async () => ({ model: m.path }) });
    }
  } catch {
    // no cache: nothing to list
  }
  items.push(
    {
      label: `$(folder-opened) ${vscode.l10n.t('Choose a model folder…')}`,
      value: async () => {
        const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: vscode.l10n.t('Compare with this model') });
        return picked?.[0] ? { model: picked[0].fsPath } : undefined;
      },
    },
    {
      label: `$(edit) ${vscode.l10n.t('Enter a folder path or repo id…')}`,
      value: async () => {
        const typed = await vscode.window.showInputBox({ title: vscode.l10n.t('Compare Attention: model B'), placeHolder: vscode.l10n.t('Folder path or repo id'), prompt: vscode.l10n.t('A model folder (config.json, model.safetensors, tokenizer) or a Hub repo id in the cache') });
        return typed?.trim() ? { model: typed.trim() } : undefined;
      },
    },
  );
  const picked = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Compare Attention: model B'), placeHolder: vscode.l10n.t('Compare with which model?') });
  return picked?.value();
}
