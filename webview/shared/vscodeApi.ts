// A webview's handle on its host, for every view: typed postMessage, and the state VS Code keeps
// across reloads (getState/setState). acquireVsCodeApi may be called once per page: this module
// calls it once, each view's api.ts binds the types.

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

let api: VsCodeApi | undefined;

export interface HostApi<Out, State> {
  send(m: Out): void;
  /** What this view saved with saveState, or undefined (nothing saved, or not an object). */
  loadState(): State | undefined;
  saveState(s: State): void;
}

export function hostApi<Out, State extends object>(): HostApi<Out, State> {
  const a = (api ??= acquireVsCodeApi());
  return {
    send: (m) => a.postMessage(m),
    loadState: () => {
      const s = a.getState();
      return s && typeof s === 'object' ? (s as State) : undefined;
    },
    saveState: (s) => a.setState(s),
  };
}
