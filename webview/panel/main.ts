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
//   #tab-overview, #tab-heads             the overview card's tabs (role=tab)
//   #heads-table                          the head table; th[data-score] > button sorts (aria-sort on th),
//                                         tbody tr[data-layer][data-head] a head (click / Enter opens it)
//   #heads-probe, #heads-status           the Probe button; the table's status line
//   .ov-badges[data-layer][data-head] .badge[data-badge]   a head's badges on the overview; #badge-legend
// Performance marks (read by npm run bench:paint): al:boot, al:init, al:analysis, al:overview-layers,
// al:matrix-reply, al:painted-overview, al:painted-matrix.
import { PanelMessageType, type PanelInitMessage } from '../../src/shared/protocol';
import { parseToWebview } from '../../src/shared/protocolChecks';
import { host, loadState, send } from './api';
import { PanelApp } from './app';
import { setPanelStrings, t } from './text';

/**
 * Builds the UI from the strings the host put in the HTML (#app's data-init) and says Ready: the
 * host answers with Init and the run, whose overview it then pushes. Without readable embedded strings (the dev preview's mock
 * host embeds none) the UI is built when Init comes; otherwise Init is ignored.
 */
function boot(): void {
  performance.mark('al:boot');
  const root = document.getElementById('app');
  if (!root) return;
  let started = false;
  const start = (msg: PanelInitMessage | undefined): boolean => {
    if (!msg || started) return false;
    started = true;
    performance.mark('al:init');
    setPanelStrings(msg.strings);
    document.documentElement.lang = msg.language;
    try {
      new PanelApp(root);
    } catch (err) {
      root.textContent = t('cannotStart', err instanceof Error ? err.message : String(err));
    }
    return true;
  };
  if (!start(embeddedInit(root))) {
    const waiting = host.on(PanelMessageType.Init, (m) => start(m) && waiting.dispose());
  }
  send({ type: PanelMessageType.Ready, state: loadState() });
}

/** The Init message the host embedded in the HTML, checked like one that came by postMessage. */
function embeddedInit(root: HTMLElement): PanelInitMessage | undefined {
  const raw = root.dataset.init;
  if (!raw) return undefined;
  try {
    const m = parseToWebview({ ...(JSON.parse(raw) as object), type: PanelMessageType.Init });
    return m?.type === PanelMessageType.Init ? m : undefined;
  } catch {
    return undefined;
  }
}

boot();
