// Typed access to the completion settings (`attentionLens.completion.*` and
// `attentionLens.inlineCompletions.*`); defaults and ranges mirror package.json. A value out of
// range falls back to its default and is logged, never silently ignored.
import * as vscode from 'vscode';
import { normalizeCompletionOptions, type CompletionOptions } from '../shared/completionOptions';
import { parseChatSetting, type ChatSetting } from './chatCompletion';

export const COMPLETION_SECTION = 'attentionLens.completion';
export const INLINE_SECTION = 'attentionLens.inlineCompletions';

export interface InlineSettings {
  enabled: boolean;
  /** Quiet time after the last keystroke before a suggestion is computed. */
  debounceMs: number;
  maxNewTokens: number;
}

export interface CompletionSettings extends CompletionOptions {
  /** How many continuations "Suggest Continuations" samples. */
  suggestions: number;
}

const clampInt = (v: unknown, min: number, max: number, fallback: number): number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? v : fallback;

/** The completion settings; `log` receives one line per value that was out of range. */
export function readCompletionSettings(log?: (line: string) => void): CompletionSettings {
  const c = vscode.workspace.getConfiguration(COMPLETION_SECTION);
  const { options, problems } = normalizeCompletionOptions({
    maxNewTokens: c.get('maxNewTokens'),
    temperature: c.get('temperature'),
    topK: c.get('topK'),
    topP: c.get('topP'),
    seed: c.get('seed'),
    stopSequences: c.get('stopSequences'),
  });
  for (const p of problems) log?.(`Setting "${COMPLETION_SECTION}": ${p}`);
  return { ...options, suggestions: clampInt(c.get('suggestions'), 2, 10, 4) };
}

/** `attentionLens.completion.chat`: when Complete answers a selection as chat (see chatCompletion.ts). */
export function readChatSetting(log?: (line: string) => void): ChatSetting {
  return parseChatSetting(vscode.workspace.getConfiguration(COMPLETION_SECTION).get('chat'), log);
}

export function readInlineSettings(): InlineSettings {
  const c = vscode.workspace.getConfiguration(INLINE_SECTION);
  return {
    enabled: c.get<boolean>('enabled', false) === true,
    debounceMs: clampInt(c.get('debounceMs'), 0, 2000, 300),
    maxNewTokens: clampInt(c.get('maxNewTokens'), 1, 64, 12),
  };
}

/** Turns inline completions on or off in the user settings. */
export function setInlineEnabled(enabled: boolean): Thenable<void> {
  return vscode.workspace.getConfiguration(INLINE_SECTION).update('enabled', enabled, vscode.ConfigurationTarget.Global);
}
