// The panel webview's handle on the host (see webview/shared/vscodeApi).
import type { FromWebviewMessage, PersistedState } from '../../src/shared/protocol';
import { hostApi } from '../shared/vscodeApi';

export const { send, loadState, saveState } = hostApi<FromWebviewMessage, PersistedState>();
