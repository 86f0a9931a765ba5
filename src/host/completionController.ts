// Runs "Complete" in an editor: one completion at a time (a second one cancels the first), the
// text streamed into the document as one undo step, a cancellable progress notification, Escape
// through the `attentionLens.generating` context key, the status bar kept up to date, and every
// outcome that is not a plain success said to the user and logged. On a selection, with a model that
// has a chat template, it answers the selection as chat instead (see chatCompletion.ts): the
// answer goes after the selection, in a new paragraph, also as one undo step.
import * as vscode from 'vscode';
import { EngineError } from '../engine/errors';
import { clipPrefix, keptPromptTokens, prefixBudget } from '../analysis/promptWindow';
import type { ChatPrompt } from '../shared/chat';
import { toSamplingOptions, type CompletionOptions } from '../shared/completionOptions';
import { answerSeparator, chatMessages, completionMode, contentOffset, separatedStream } from './chatCompletion';
import { runCompletion, type CompletionOutcome } from './completionRun';
import { readChatSetting, readCompletionSettings } from './completionSettings';
import { ModelUnavailableError, type ModelManager } from './modelManager';
import { openSettings } from './settings';
import { describeRun, type StatusBar } from './statusBar';
import { StreamingInsert, isReadOnlyDocument, settleAutoSave, type InsertStop } from './streamingInsert';

export const GENERATING_CONTEXT = 'attentionLens.generating';

/** A finished completion: where its prompt ends and its text sits in the document. */
export interface CompletionRecord {
  uri: string;
  /** Document offsets of the inserted text (its start is where the prompt ends). */
  start: number;
  end: number;
  text: string;
  /** Document version right after the insertion: the record is valid while it is unchanged. */
  version: number;
  outcome: CompletionOutcome;
  /** An answer to the selection through the chat template (its prompt is not the document's text). */
  chat?: boolean;
  /** With `chat`: what the answer was generated from, for Explain Completion. */
  asked?: ChatAsked;
}

/** An answer as chat: the prompt it was generated from and where its parts are in the document. */
export interface ChatAsked {
  /** The conversation rendered through the template, and its tokens (the ids generated from). */
  prompt: ChatPrompt;
  /** The user message's content, and its document offset (inside the selection). */
  content: string;
  contentStart: number;
  /** Document offset of the answer's text (after the blank lines put before it). */
  answerStart: number;
  /** How many of the prompt's last tokens the generation read (all, unless the context was short). */
  promptKept: number;
}

export interface CompleteOptions {
  /** Ask whether to answer as chat whenever that is possible, whatever the setting (Complete with Options). */
  askChat?: boolean;
}

const STOP_MESSAGES: Record<InsertStop, string> = {
  'document-changed': 'the document was edited while the completion streamed',
  'cursor-moved': 'the cursor was moved while the completion streamed',
  'document-closed': 'the document was closed while the completion streamed',
  'editor-closed': 'the editor was closed while the completion streamed',
  'read-only': 'the document is read-only',
};

export class CompletionController implements vscode.Disposable {
  private current: { abort: AbortController; done: Promise<unknown> } | undefined;
  private _last: CompletionRecord | undefined;

  constructor(
    private readonly models: ModelManager,
    private readonly status: StatusBar,
  ) {}

  get isRunning(): boolean {
    return this.current !== undefined;
  }

  /** The last completion, if its document has not changed since. */
  lastFor(doc: vscode.TextDocument): CompletionRecord | undefined {
    const r = this._last;
    return r && r.uri === doc.uri.toString() && r.version === doc.version ? r : undefined;
  }

  /** Stops the running completion, keeping what was inserted (Escape, the Cancel button). */
  stop(): void {
    this.current?.abort.abort();
  }

  /**
   * Continues the text before the cursor (or replaces the selection with a continuation of the
   * text before it). Resolves when the completion has stopped, with what was inserted.
   */
  async complete(
    editor: vscode.TextEditor,
    overrides: Partial<CompletionOptions> = {},
    how: CompleteOptions = {},
  ): Promise<CompletionRecord | undefined> {
    const previous = this.current;
    if (previous) {
      this.models.output.info('A new completion was asked for: stopping the running one');
      previous.abort.abort();
      await previous.done.catch(() => undefined);
    }
    const abort = new AbortController();
    const done = this.run(editor, overrides, abort, how);
    const mine = { abort, done };
    this.current = mine;
    void vscode.commands.executeCommand('setContext', GENERATING_CONTEXT, true);
    try {
      return await done;
    } finally {
      if (this.current === mine) {
        this.current = undefined;
        void vscode.commands.executeCommand('setContext', GENERATING_CONTEXT, false);
      }
    }
  }

  dispose(): void {
    this.stop();
  }

  /** Says what went wrong: in a notification, the status bar and the log. */
  reportError(err: unknown, what: string): void {
    const log = this.models.output;
    if (err instanceof ModelUnavailableError) {
      // The ModelManager has logged it and put the status bar in its error state.
      const openLabel = vscode.l10n.t('Open Settings');
      const logLabel = vscode.l10n.t('Show Log');
      void vscode.window.showErrorMessage(vscode.l10n.t('Attention Lens: {0}', err.message), openLabel, logLabel).then((a) => {
        if (a === openLabel) void openSettings('modelPath');
        else if (a === logLabel) log.show(true);
      });
      return;
    }
    if (this.models.wasReported(err)) return; // the engine stopped: the ModelManager said so, once
    const e = EngineError.from(err);
    const message = `${what} failed: ${e.message}`;
    log.error(`${message} [${e.code}]`);
    this.status.setError(message);
    const logLabel = vscode.l10n.t('Show Log');
    void vscode.window.showErrorMessage(vscode.l10n.t('Attention Lens: {0} failed: {1}', what, e.message), logLabel).then((a) => {
      if (a === logLabel) log.show(true);
    });
  }

  private async run(
    editor: vscode.TextEditor,
    overrides: Partial<CompletionOptions>,
    abort: AbortController,
    how: CompleteOptions,
  ): Promise<CompletionRecord | undefined> {
    const doc = editor.document;
    const log = this.models.output;
    if (isReadOnlyDocument(doc)) {
      log.info(`Complete: ${doc.uri.toString()} is read-only`);
      void vscode.window.showWarningMessage(vscode.l10n.t('Attention Lens: this document is read-only, so no completion can be inserted.'));
      return undefined;
    }
    const options: CompletionOptions = { ...readCompletionSettings((l) => log.warn(l)), ...overrides };
    let insert: StreamingInsert | undefined;
    try {
      const { info } = await this.models.ensureLoaded();
      if (abort.signal.aborted) return undefined;
      await settleAutoSave(doc);
      if (abort.signal.aborted) return undefined;
      const selected = new vscode.Range(editor.selection.start, editor.selection.end);
      const budget = prefixBudget(info.contextLength);
      const setting = readChatSetting((l) => log.warn(l));
      const mode = completionMode(setting, { hasSelection: !selected.isEmpty, hasChatTemplate: info.chatTemplate !== undefined, askAlways: how.askChat });
      const chat = mode === 'ask' ? await askChat() : mode === 'chat';
      if (chat === undefined || abort.signal.aborted || vscode.window.activeTextEditor !== editor) return undefined;

      let prefix: string;
      let promptIds: number[] | undefined;
      let range = selected;
      let separator = '';
      let asked: Omit<ChatAsked, 'answerStart'> | undefined;
      if (chat) {
        // The selection is the question; the answer follows it and the selection stays.
        const question = doc.getText(selected);
        const messages = chatMessages(question, budget);
        const prompt = await this.models.withModel('Generating', ({ client }) => client.chatPrompt(messages));
        if (abort.signal.aborted) return undefined;
        ({ text: prefix, ids: promptIds } = prompt);
        const { content } = messages[0];
        asked = {
          prompt,
          content,
          contentStart: doc.offsetAt(selected.start) + contentOffset(question, content),
          promptKept: keptPromptTokens(prompt.ids.length, options.maxNewTokens, info.contextLength),
        };
        range = new vscode.Range(selected.end, selected.end);
        separator = answerSeparator(question);
        editor.selection = new vscode.Selection(selected.end, selected.end);
      } else {
        const startOffset = doc.offsetAt(range.start);
        prefix = clipPrefix(doc.getText(new vscode.Range(doc.positionAt(Math.max(0, startOffset - budget - 1)), range.start)), budget).text;
      }
      insert = new StreamingInsert(editor, range);
      const ins = insert;
      const stream = separatedStream(separator, (t) => ins.push(t));
      ins.onDidStop(() => abort.abort());
      await ins.begin();
      if (ins.stopped) return this.stopped(ins.stopped, 0);

      const outcome = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Attention Lens: completing'), cancellable: true },
        (progress, token) => {
          token.onCancellationRequested(() => abort.abort());
          this.status.setGenerating(0);
          return this.models.withModel('Generating', ({ client }) =>
            runCompletion(client, {
              prefix,
              ...(promptIds ? { promptIds } : {}),
              options: toSamplingOptions(options),
              nPositions: info.contextLength,
              signal: abort.signal,
              // Nothing more after a cancel: the user's Escape or click ends VS Code's undo group,
              // so text arriving after it (tokens held back at a split character or a possible
              // stop sequence) would become a second undo step.
              onText: (t) => {
                if (!abort.signal.aborted) stream.push(t);
              },
              onToken: (_t, i) => {
                this.status.setGenerating(i + 1);
                if ((i + 1) % 4 === 0) progress.report({ message: vscode.l10n.t('{0} tokens', i + 1) });
              },
            }),
          );
        },
      );
      const result = await ins.finish(abort.signal.aborted ? undefined : stream.final(outcome.result.text));
      this.status.setFinished(outcome.stats);
      log.info(
        `Complete${chat ? ' (as chat)' : ''} in ${doc.uri.toString()}: ${describeRun(outcome.stats)}, stop: ${ins.stopped ?? outcome.result.stopReason}, ` +
          `prompt ${outcome.promptChars} chars, seed ${options.seed ?? 'random'}` +
          (result.savesDuring > 0
            ? `; saved ${result.savesDuring} time(s) while it streamed, which splits its undo step (${result.saves.map((x) => `${x.reason}, ${x.afterEditMs} ms after its last edit`).join('; ')})`
            : ''),
      );
      const record: CompletionRecord = {
        uri: doc.uri.toString(),
        start: result.start,
        end: result.end,
        text: result.inserted,
        version: result.version,
        outcome,
        ...(asked ? { chat: true, asked: { ...asked, answerStart: result.start + separator.length } } : {}),
      };
      if (result.inserted.length > 0) this._last = record;
      if (result.stopped) return this.stopped(result.stopped, result.inserted.length) ?? record;
      if (outcome.result.tokens.length === 0 && outcome.result.stopReason !== 'cancelled') {
        void vscode.window.showInformationMessage(vscode.l10n.t('Attention Lens: the model ended the text here (it generated nothing before {0}).', outcome.result.stopReason));
      }
      return record;
    } catch (err) {
      if (insert) await insert.finish().catch(() => undefined);
      this.status.setFinished(undefined);
      this.reportError(err, 'Complete');
      return undefined;
    } finally {
      insert?.dispose();
    }
  }

  private stopped(why: InsertStop, kept: number): undefined {
    const line = `Complete stopped: ${STOP_MESSAGES[why]}${kept > 0 ? `; kept the ${kept} characters already inserted` : ''}`;
    this.models.output.info(line);
    if (why === 'read-only') void vscode.window.showWarningMessage(vscode.l10n.t('Attention Lens: this document is read-only, so no completion can be inserted.'));
    else void vscode.window.showInformationMessage(stopNotice(why, kept));
    return undefined;
  }
}

/** Complete on a selection, for a chat model: answer it or continue it? undefined when dismissed. */
async function askChat(): Promise<boolean | undefined> {
  const items: (vscode.QuickPickItem & { chat: boolean })[] = [
    {
      label: `$(comment-discussion) ${vscode.l10n.t('Answer as chat')}`,
      detail: vscode.l10n.t('The selection is your message, sent through the chat template of the model; the answer goes after it.'),
      chat: true,
    },
    {
      label: `$(arrow-right) ${vscode.l10n.t('Continue the text')}`,
      detail: vscode.l10n.t('The model continues the text before the selection, replacing the selection.'),
      chat: false,
    },
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: vscode.l10n.t('Attention Lens: this model has a chat template'),
    placeHolder: vscode.l10n.t('Answer the selection as chat, or continue the text? (setting: attentionLens.completion.chat)'),
  });
  return picked?.chat;
}

/** The notification for a completion that stopped early (the log keeps the English line). */
function stopNotice(why: Exclude<InsertStop, 'read-only'>, kept: number): string {
  const reasons: Record<typeof why, () => string> = {
    'document-changed': () => vscode.l10n.t('the document was edited while the completion streamed'),
    'cursor-moved': () => vscode.l10n.t('the cursor was moved while the completion streamed'),
    'document-closed': () => vscode.l10n.t('the document was closed while the completion streamed'),
    'editor-closed': () => vscode.l10n.t('the editor was closed while the completion streamed'),
  };
  const reason = reasons[why]();
  return kept > 0
    ? vscode.l10n.t('Attention Lens: the completion stopped: {0}; the {1} characters already inserted were kept.', reason, kept)
    : vscode.l10n.t('Attention Lens: the completion stopped: {0}.', reason);
}
