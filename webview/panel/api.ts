// The panel webview's handle on the host (see webview/shared/vscodeApi): one channel, on which the
// host's messages arrive as events and the panel asks for the matrix it opens.
import { type FromWebviewMessage, type PanelHostProtocol, type PanelWebviewProtocol, type PersistedState } from '../../src/shared/protocol';
import { PANEL_WEBVIEW_ACCEPT } from '../../src/shared/protocolChecks';
import { hostApi } from '../shared/vscodeApi';

export const { host, send, loadState, saveState } = hostApi<PanelWebviewProtocol, PanelHostProtocol, FromWebviewMessage, PersistedState>('panel', PANEL_WEBVIEW_ACCEPT);
