// The stepper webview's handle on the host: typed postMessage and the state VS Code keeps while
// the view is hidden or reloaded.
import type { StepperFromWebview } from '../../src/shared/stepperProtocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const api: VsCodeApi = acquireVsCodeApi();

/** What survives a reload of the view (only applied to the same run). */
export interface StepperViewState {
  runId: number;
  query: number;
  head: number;
  step: number;
  tab: 'steps' | 'lens' | 'model';
}

export function send(m: StepperFromWebview): void {
  api.postMessage(m);
}

export function loadState(): StepperViewState | undefined {
  const s = api.getState();
  return s && typeof s === 'object' ? (s as StepperViewState) : undefined;
}

export function saveState(s: StepperViewState): void {
  api.setState(s);
}
