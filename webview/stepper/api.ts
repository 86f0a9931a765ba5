// The stepper webview's handle on the host (see webview/shared/vscodeApi), and the state VS Code
// keeps while the view is hidden or reloaded.
import type { StepperFromWebview } from '../../src/shared/stepperProtocol';
import { hostApi } from '../shared/vscodeApi';

/** What survives a reload of the view (only applied to the same run). */
export interface StepperViewState {
  runId: number;
  query: number;
  head: number;
  step: number;
  tab: 'steps' | 'lens' | 'model';
}

export const { send, loadState, saveState } = hostApi<StepperFromWebview, StepperViewState>();
