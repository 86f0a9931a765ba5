// The stepper webview's handle on the host (see webview/shared/vscodeApi): one channel, on which
// the host's messages arrive as events and the stepper asks for the numbers a step shows; and the
// state VS Code keeps while the view is hidden or reloaded.
import { STEPPER_WEBVIEW_ACCEPT, type StepperFromWebview, type StepperHostProtocol, type StepperWebviewProtocol } from '../../src/shared/stepperProtocol';
import { hostApi } from '../shared/vscodeApi';

/** What survives a reload of the view (only applied to the same run). */
export interface StepperViewState {
  runId: number;
  query: number;
  head: number;
  step: number;
  tab: 'steps' | 'lens' | 'model';
}

export const { host, send, loadState, saveState } = hostApi<StepperWebviewProtocol, StepperHostProtocol, StepperFromWebview, StepperViewState>(
  'Layer Stepper',
  STEPPER_WEBVIEW_ACCEPT,
);
