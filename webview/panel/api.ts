// The webview's handle on the host: typed postMessage and the state VS Code keeps across reloads.
import type { FromWebviewMessage, PersistedState } from '../../src/shared/protocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const api: VsCodeApi = acquireVsCodeApi();

export function send(m: FromWebviewMessage): void {
  api.postMessage(m);
}

export function loadState(): PersistedState | undefined {
  const s = api.getState();
  return s && typeof s === 'object' ? (s as PersistedState) : undefined;
}

export function saveState(s: PersistedState): void {
  api.setState(s);
}
