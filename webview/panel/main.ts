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
import { PanelApp } from './app';

function boot(): void {
  const root = document.getElementById('app');
  if (!root) return;
  try {
    new PanelApp(root);
  } catch (err) {
    root.textContent = `Attention Lens could not start its view: ${err instanceof Error ? err.message : String(err)}`;
  }
}

boot();
