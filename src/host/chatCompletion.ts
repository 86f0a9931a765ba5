// "Complete" as chat, without VS Code: whether a completion answers the selection through the
// model's chat template or continues the text, the message sent, and what separates the answer
// from the question in the document.
//
// The choice (setting `attentionLens.completion.chat`):
//   auto  (default) a selection, with a model that has a chat template, is answered as chat; no
//         selection, or a model without a template, continues the text as before.
//   ask   the same cases ask each time (Continue the text / Answer as chat).
//   never always continue the text: the raw model, even when it is an instruct model.
// Complete with Options asks in those cases whatever the setting, so one run can differ.
import { clipPrefix } from '../analysis/promptWindow';
import type { ChatMessage } from '../shared/chat';

export const CHAT_SETTINGS = ['auto', 'ask', 'never'] as const;
export type ChatSetting = (typeof CHAT_SETTINGS)[number];
export const DEFAULT_CHAT_SETTING: ChatSetting = 'auto';

/** What a completion does: answer as chat, continue the text, or ask the user which. */
export type CompletionMode = 'chat' | 'continue' | 'ask';

export interface ChatContext {
  /** The editor has a non-empty selection (the question). */
  hasSelection: boolean;
  /** The loaded model has a chat template (ModelInfo.chatTemplate). */
  hasChatTemplate: boolean;
  /** Complete with Options: ask whenever both are possible. */
  askAlways?: boolean;
}

/** The setting's value, or the default (and a line for the log) when it is not one of ours. */
export function parseChatSetting(value: unknown, log?: (line: string) => void): ChatSetting {
  if (value === undefined || (CHAT_SETTINGS as readonly unknown[]).includes(value)) return (value as ChatSetting | undefined) ?? DEFAULT_CHAT_SETTING;
  log?.(`Setting "attentionLens.completion.chat": ${JSON.stringify(value)} is not one of ${CHAT_SETTINGS.join(', ')}; using "${DEFAULT_CHAT_SETTING}"`);
  return DEFAULT_CHAT_SETTING;
}

/** Chat is possible only on a selection, with a template; then the setting (or Options) decides. */
export function completionMode(setting: ChatSetting, ctx: ChatContext): CompletionMode {
  if (!ctx.hasSelection || !ctx.hasChatTemplate) return 'continue';
  if (ctx.askAlways) return 'ask';
  if (setting === 'never') return 'continue';
  return setting === 'ask' ? 'ask' : 'chat';
}

/**
 * The conversation for a selected question: one user message, the selection without the blank
 * space around it, cut to its last `maxChars` characters when longer (the end of a long
 * selection is usually the question).
 */
export function chatMessages(selected: string, maxChars: number): ChatMessage[] {
  return [{ role: 'user', content: clipPrefix(selected.trim(), maxChars).text }];
}

/**
 * Where the message's content (chatMessages' `content` for `selected`) starts in `selected`: the
 * content is the end of the selection without its blank space, so it ends where that space starts.
 */
export function contentOffset(selected: string, content: string): number {
  return selected.trimEnd().length - content.length;
}

/** What goes between the selection and the answer: the answer starts a new paragraph. */
export function answerSeparator(selected: string): string {
  const tail = /(\r?\n)*$/.exec(selected)?.[0] ?? '';
  const breaks = (tail.match(/\n/g) ?? []).length;
  return '\n'.repeat(Math.max(0, 2 - breaks));
}

/**
 * Puts the separator before the answer's first text, so that an answer that is empty (the model
 * ended at once) leaves the document as it was. Returns the push function and the final text.
 */
export function separatedStream(separator: string, push: (text: string) => void): { push: (text: string) => void; final: (answer: string) => string } {
  let started = false;
  return {
    push: (text) => {
      if (text.length === 0) return;
      push(started ? text : separator + text);
      started = true;
    },
    final: (answer) => (answer.length === 0 && !started ? '' : separator + answer),
  };
}
