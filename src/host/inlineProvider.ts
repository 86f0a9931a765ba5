// Ghost-text completions as you type (off by default: `attentionLens.inlineCompletions.enabled`).
// Each request waits for a quiet moment (debounce), is dropped as soon as VS Code cancels it (the
// user typed on), and cancels the one before; generation runs in the engine worker, so typing is
// never blocked. VS Code's own Tab / Escape accept and dismiss the suggestion. One line at most.
import * as vscode from 'vscode';
import { EngineError } from '../engine/errors';
import { prefixBudget } from '../analysis/promptWindow';
import { toSamplingOptions } from '../shared/completionOptions';
import { runCompletion } from './completionRun';
import { readCompletionSettings, readInlineSettings } from './completionSettings';
import { ModelUnavailableError, type ModelManager } from './modelManager';
import type { StatusBar } from './statusBar';

/** Ghost text stops at the end of the line. */
const INLINE_STOPS = ['\n'];

export class InlineCompletionProvider implements vscode.InlineCompletionItemProvider {
  private previous: AbortController | undefined;
  private lastError: string | undefined;

  constructor(
    private readonly models: ModelManager,
    private readonly status: StatusBar,
    /** True while a Complete command streams: no ghost text meanwhile. */
    private readonly busy: () => boolean,
  ) {}

  async provideInlineCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    _context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionItem[] | undefined> {
    const inline = readInlineSettings();
    if (!inline.enabled || this.busy()) return undefined;
    this.previous?.abort();
    const abort = new AbortController();
    this.previous = abort;
    const sub = token.onCancellationRequested(() => abort.abort());
    try {
      if (!(await quiet(inline.debounceMs, abort.signal))) return undefined;
      const { client, info } = await this.models.ensureLoaded();
      if (abort.signal.aborted || this.busy()) return undefined;
      const settings = readCompletionSettings();
      const options = toSamplingOptions({
        ...settings,
        maxNewTokens: inline.maxNewTokens,
        stopSequences: [...new Set([...settings.stopSequences, ...INLINE_STOPS])],
      });
      const offset = document.offsetAt(position);
      const from = document.positionAt(Math.max(0, offset - prefixBudget(info.contextLength) - 1));
      const prefix = document.getText(new vscode.Range(from, position));
      const out = await runCompletion(client, { prefix, options, nPositions: info.contextLength, signal: abort.signal });
      if (abort.signal.aborted || out.result.stopReason === 'cancelled') return undefined;
      this.lastError = undefined;
      const text = out.result.text;
      if (text.trim().length === 0) return undefined;
      return [new vscode.InlineCompletionItem(text, new vscode.Range(position, position))];
    } catch (err) {
      if (err instanceof ModelUnavailableError) return undefined; // the ModelManager logged it and shows it
      const e = EngineError.from(err);
      if (e.code === 'CANCELLED') return undefined;
      const message = `Inline completion failed: ${e.message}`;
      if (message !== this.lastError) {
        this.lastError = message;
        this.models.output.error(`${message} [${e.code}]`);
      }
      this.status.setError(message);
      return undefined;
    } finally {
      sub.dispose();
      if (this.previous === abort) this.previous = undefined;
    }
  }

  /** Stops any ghost-text generation in flight. */
  cancel(): void {
    this.previous?.abort();
  }
}

/** Waits `ms`; false when aborted first. */
function quiet(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(!signal.aborted);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
