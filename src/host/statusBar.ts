// The one status bar item (as Continue and Tabby have it): the model's name and state with a
// codicon (not loaded, loading, ready, analysing, generating, error), tokens/s after a completion,
// and a click that opens a menu (stop, switch model, toggle inline completions, settings, log).
// Errors show in the item and are logged to the output channel by whoever reports them.
import * as vscode from 'vscode';
import type { CompletionStats } from './completionRun';
import { readInlineSettings, setInlineEnabled, INLINE_SECTION } from './completionSettings';
import type { ModelManager, ModelState } from './modelManager';
import { SWITCH_MODEL } from './modelPicker';
import { openSettings } from './settings';

export const STATUS_MENU = 'attentionLens.statusMenu';
export const STOP_COMPLETION = 'attentionLens.stopCompletion';

type Activity = { kind: 'generating'; tokens: number } | { kind: 'error'; message: string } | undefined;

export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];
  private activity: Activity;
  private lastRun: CompletionStats | undefined;

  constructor(private readonly models: ModelManager) {
    this.item = vscode.window.createStatusBarItem('attentionLens.status', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'Attention Lens';
    this.item.command = STATUS_MENU;
    this.disposables.push(
      this.item,
      models.onDidChangeState((s) => {
        if (s.kind === 'error') this.activity = undefined; // the model's error wins
        this.render();
      }),
      models.onDidChangeModel(() => {
        this.lastRun = undefined;
        this.render();
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(INLINE_SECTION)) this.render();
      }),
    );
    this.render();
    this.item.show();
  }

  /** A completion is running and has produced `tokens` tokens so far. */
  setGenerating(tokens: number): void {
    this.activity = { kind: 'generating', tokens };
    this.render();
  }

  /** A completion ended; its speed is shown until the next one (or a model change). */
  setFinished(stats: CompletionStats | undefined): void {
    this.activity = undefined;
    if (stats && stats.tokens > 0) this.lastRun = stats;
    this.render();
  }

  /** A completion failed: shown in the item until the next run. */
  setError(message: string): void {
    this.activity = { kind: 'error', message };
    this.render();
  }

  /** The text the item shows now (for tests and logs). */
  get text(): string {
    return this.item.text;
  }

  /** The click menu. */
  async showMenu(generating: boolean): Promise<void> {
    type Item = vscode.QuickPickItem & { run: () => unknown };
    const inline = readInlineSettings().enabled;
    const items: Item[] = [];
    if (generating) items.push({ label: `$(debug-stop) ${vscode.l10n.t('Stop generating')}`, run: () => vscode.commands.executeCommand(STOP_COMPLETION) });
    items.push(
      { label: `$(folder-opened) ${vscode.l10n.t('Switch model…')}`, description: this.modelName(), run: () => vscode.commands.executeCommand(SWITCH_MODEL) },
      {
        label: inline ? `$(circle-slash) ${vscode.l10n.t('Turn inline completions off')}` : `$(lightbulb) ${vscode.l10n.t('Turn inline completions on')}`,
        run: () => setInlineEnabled(!inline),
      },
      { label: `$(gear) ${vscode.l10n.t('Open settings')}`, run: () => openSettings() },
      { label: `$(output) ${vscode.l10n.t('Show log')}`, run: () => this.models.output.show(true) },
    );
    const pick = await vscode.window.showQuickPick(items, { title: 'Attention Lens', placeHolder: this.item.tooltip?.toString() });
    await pick?.run();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  private modelName(): string | undefined {
    const s = this.models.state;
    return s.kind === 'ready' || s.kind === 'busy' ? s.info.name : undefined;
  }

  private render(): void {
    const s: ModelState = this.models.state;
    const a = this.activity;
    const name = this.modelName() ?? 'Attention Lens';
    const speed = this.lastRun?.tokensPerSecond;
    let text: string;
    let tooltip: string;
    let error = false;
    if (s.kind === 'error') {
      text = `$(error) Attention Lens`;
      tooltip = s.message;
      error = true;
    } else if (a?.kind === 'error') {
      text = `$(error) ${name}`;
      tooltip = a.message;
      error = true;
    } else if (a?.kind === 'generating') {
      text = `$(sync~spin) ${name}: ${vscode.l10n.t('generating')} ${a.tokens}`;
      tooltip = vscode.l10n.t('Generating: {0} tokens so far. Escape or the menu stops it.', a.tokens);
    } else if (s.kind === 'loading') {
      text = `$(loading~spin) ${vscode.l10n.t('Loading model…')}`;
      tooltip = s.dir;
    } else if (s.kind === 'busy') {
      text = `$(sync~spin) ${name}: ${s.what.toLowerCase()}`;
      tooltip = s.what;
    } else if (s.kind === 'ready') {
      text = speed !== undefined ? `$(check) ${name} · ${vscode.l10n.t('{0} tok/s', speed.toFixed(1))}` : `$(check) ${name}`;
      tooltip = vscode.l10n.t('{0}: {1} layers × {2} heads, context {3} tokens', name, s.info.config.nLayer, s.info.config.nHead, s.info.contextLength);
      if (this.lastRun) tooltip += `\n${describeRun(this.lastRun)}`;
    } else {
      text = `$(circle-outline) Attention Lens`;
      tooltip = vscode.l10n.t('The model loads on first use.');
    }
    if (readInlineSettings().enabled) tooltip += `\n${vscode.l10n.t('Inline completions: on')}`;
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.item.backgroundColor = error ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.item.accessibilityInformation = { label: vscode.l10n.t('Attention Lens: {0}', text.replace(/\$\([^)]*\)\s*/g, '')) };
  }
}

/** "12 tokens in 310 ms (first token 45 ms, 52.1 tok/s)". */
export function describeRun(s: CompletionStats): string {
  const first = s.firstTokenMs === undefined ? '' : `first token ${s.firstTokenMs.toFixed(0)} ms`;
  const speed = s.tokensPerSecond === undefined ? '' : `${s.tokensPerSecond.toFixed(1)} tok/s`;
  const detail = [first, speed].filter(Boolean).join(', ');
  return `${s.tokens} tokens in ${s.totalMs.toFixed(0)} ms${detail ? ` (${detail})` : ''}`;
}
