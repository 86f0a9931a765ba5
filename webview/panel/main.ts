// Entry of the attention panel's webview bundle (dist/webview/panel.js).
//
// Hooks for the end-to-end tests (keep this list in sync with the code):
//   canvas[data-layer][data-head]         overview heatmap of one head (layer × head grid)
//   canvas[data-layer][data-aggregate="mean"]  overview heatmap of a layer's mean over heads
//   #matrix                               the large T × T matrix canvas (hover shows #tooltip)
//   #lines                                the lines (BertViz-style) canvas
//   #tooltip                              the hover tooltip (hidden attribute when not shown)
//   #notice                               notices: "only the first N tokens were analysed", text changed + Re-run
//   #status                               busy / error line (with "Open Settings" / "Try Again" buttons)
//   .token[data-index]                    token chips; a click selects the query (and decorates the editor)
//   #surprisal                            per-token surprisal strip canvas
//   #sr-summary                           screen-reader list of the top attended tokens of the query
//   #overview, #detail-title, #content    overview grid, the open matrix's title, the whole analysis
import { MessageType, parseToWebview } from '../../src/shared/protocol';
import { loadState, send } from './api';
import { PanelApp } from './app';
import { setPanelStrings, t } from './text';

/**
 * Says Ready and builds the UI when the host answers with Init (the translated strings); the
 * host sends everything else after Init, and PanelApp listens from then on.
 */
function boot(): void {
  const root = document.getElementById('app');
  if (!root) return;
  const onInit = (e: MessageEvent): void => {
    const msg = parseToWebview(e.data);
    if (msg?.type !== MessageType.Init) return;
    window.removeEventListener('message', onInit);
    setPanelStrings(msg.strings);
    document.documentElement.lang = msg.language;
    try {
      new PanelApp(root);
    } catch (err) {
      root.textContent = t('cannotStart', err instanceof Error ? err.message : String(err));
    }
  };
  window.addEventListener('message', onInit);
  send({ type: MessageType.Ready, state: loadState() });
}

boot();
