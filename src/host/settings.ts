// Typed access to the extension's settings (`attentionLens.*`). Defaults mirror package.json.
import * as vscode from 'vscode';
import type { ColorScale, DisplaySettings } from '../shared/protocol';

export const SECTION = 'attentionLens';

export interface Settings extends DisplaySettings {
  /** Model folder: absolute, workspace-relative, or empty for the bundled model. */
  modelPath: string;
  /** Next-token predictions kept per position. */
  topK: number;
  /** Integrated gradients' steps (the panel's attribution). */
  attributionSteps: number;
  /** Threads the engine splits a model over; 0 = automatic. */
  engineThreads: number;
  /** The engine's memory budget for kept analyses in MiB; 0 = automatic (an eighth of the machine's memory). */
  maxMemoryMB: number;
}

export function readSettings(scope?: vscode.ConfigurationScope): Settings {
  const c = vscode.workspace.getConfiguration(SECTION, scope);
  const scale = c.get<string>('colorScale', 'linear');
  const topK = c.get<number>('topK', 10);
  const threads = c.get<number>('engineThreads', 0);
  const steps = c.get<number>('attributionSteps', 32);
  const maxMemoryMB = c.get<number>('maxMemoryMB', 0);
  return {
    modelPath: c.get<string>('modelPath', '').trim(),
    colorScale: (scale === 'gamma' ? 'gamma' : 'linear') satisfies ColorScale,
    surprisalUnderlines: c.get<boolean>('surprisalUnderlines', false),
    editorHighlights: c.get<boolean>('editorHighlights', true),
    topK: Number.isInteger(topK) && topK >= 1 && topK <= 50 ? topK : 10,
    attributionSteps: Number.isInteger(steps) && steps >= 1 && steps <= 512 ? steps : 32,
    engineThreads: Number.isInteger(threads) && threads >= 0 && threads <= 8 ? threads : 0,
    maxMemoryMB: Number.isFinite(maxMemoryMB) && maxMemoryMB >= 64 ? maxMemoryMB : 0,
  };
}

export function displaySettings(s: Settings): DisplaySettings {
  return { colorScale: s.colorScale, surprisalUnderlines: s.surprisalUnderlines, editorHighlights: s.editorHighlights };
}

/** Stores a setting globally (user settings). */
export function updateSetting<K extends keyof Settings>(key: K, value: Settings[K]): Thenable<void> {
  return vscode.workspace.getConfiguration(SECTION).update(key, value, vscode.ConfigurationTarget.Global);
}

/**
 * Opens the Settings editor filtered to this extension (or one setting). The model folder is a path
 * on the machine the extension runs on: in a remote window (SSH, WSL, VS Code for the Web) the
 * User tab does not list it, so its Remote tab is opened instead.
 */
export function openSettings(key?: keyof Settings): Thenable<unknown> {
  const query = key ? `${SECTION}.${key}` : `@ext:attention-lens.attention-lens`;
  const remote = key === 'modelPath' && vscode.env.remoteName !== undefined;
  if (remote) return vscode.commands.executeCommand('workbench.action.openRemoteSettings', { query }); // takes options only
  return vscode.commands.executeCommand('workbench.action.openSettings', query);
}
