// What the attention panel does with each message from its webview and with its matrix requests
// (on the page's channel, already checked by the protocol's acceptors: the webview is untrusted),
// and how a run goes out to it: its AnalysisReady, then its overview pushed layer by layer.
// Answers for a run that is no longer the panel's are dropped.
import * as vscode from 'vscode';
import { EngineError } from '../engine/errors';
import type { Channel } from '../shared/channel';
import type { AnalysisSummary } from '../shared/sessionTypes';
import type { EditorAttribution } from '../host/attributionDecorations';
import type { LatestOnly } from '../host/latestOnly';
import { openSettings, updateSetting } from '../host/settings';
import type { WebviewHost } from '../host/webviewHost';
import { localizePanelText } from '../shared/panelText';
import { quantize } from '../shared/quantize';
import { tileShape } from '../shared/tileRect';
import {
  PanelMessageType as M,
  type AnalysisReadyMessage,
  type ErrorAction,
  type FromWebviewMessage,
  type Handlers,
  OVERVIEW_SIZE,
  type PanelHostProtocol,
  type PanelInitMessage,
  type PanelWebviewProtocol,
  type ToWebviewMessage,
} from '../shared/protocol';
import { requestFor, requestOf, type AnalysisRequest } from './analysisRequest';
import type { AnalysisRun, OverviewBatch } from './analysisRun';
import { postAttribution } from './attributionHandler';
import { compareHandlers, resendCompare } from './compareHandlers';
import type { DecorationSync } from './decorationSync';
import { ablateHeads, runFor } from './ablationHandler';
import { scoreRun, type ProbeTable } from './headTable';
import { cancelPatch, patchTexts } from './patchHandler';
import type { PaintClock } from './paintClock';
import type { PanelDeps } from './panelDeps';
import { exportReport, exportTensor, saveExport } from './panelExport';

let init: Omit<PanelInitMessage, 'type'> | undefined;

/** The panel's strings in VS Code's display language (fixed for the session: made once). */
export function panelInit(): Omit<PanelInitMessage, 'type'> {
  init ??= { strings: localizePanelText((s) => vscode.l10n.t(s)), language: vscode.env.language };
  return init;
}

/** What the handlers read and change of the panel (the AttentionPanel; an interface, so no import cycle). */
export interface PanelState {
  readonly panel: vscode.WebviewPanel;
  readonly deps: PanelDeps;
  readonly host: WebviewHost<PanelHostProtocol, PanelWebviewProtocol>;
  readonly runs: LatestOnly;
  readonly paintClock: PaintClock;
  readonly decorationSync: DecorationSync;
  /** The attribution's marks on the text (cleared with each run sent). */
  readonly attributionMarks: EditorAttribution;
  lastStatus: ToWebviewMessage | undefined;
  request: AnalysisRequest | undefined;
  run: AnalysisRun | undefined;
  lastReady: AnalysisReadyMessage | undefined;
  /** Stops the overview push (and the head scores after it) of the run shown last. */
  overviewPush: AbortController | undefined;
  /** The run with the heads the user ablated (ablationHandler.ts): its maps open beside the originals. */
  ablation: AnalysisRun | undefined;
  /** The head table on the standard probe, once per model. */
  readonly probeTable: ProbeTable;
  stale: boolean;
  analyze(req: AnalysisRequest): Promise<void>;
  post(m: ToWebviewMessage): void;
  showError(message: string, actions: ErrorAction[], code?: string): void;
}

/** Fetching attention for the webview failed (the run is still the panel's). */
function requestFailed(p: PanelState, err: unknown): void {
  const e = EngineError.from(err);
  p.deps.models.output.error(`A panel request failed: ${e.message} [${e.code}]`);
  p.showError(vscode.l10n.t('Could not fetch the attention: {0}', e.message), ['rerun'], e.code);
}

/**
 * Sends `ready` (the AnalysisReady of `run`, the panel's run), then pushes the run's overview
 * after it, layer by layer as the blocks run, then its head table; a later postRun (or the run's
 * end) stops the push. The webview builds a fresh overview from each AnalysisReady, so each gets
 * the whole push.
 */
export function postRun(p: PanelState, run: AnalysisRun, ready: AnalysisReadyMessage): void {
  p.post(ready);
  p.attributionMarks.show(undefined);
  p.overviewPush?.abort();
  const push = new AbortController();
  p.overviewPush = push;
  const { nLayer, nHead } = run.summary;
  const emit = (b: OverviewBatch): void => {
    if (p.run === run) p.post({ type: M.OverviewLayers, runId: run.runId, nLayer, nHead, ...b });
  };
  run
    .pushOverview(OVERVIEW_SIZE, emit, push.signal)
    .then(() => (push.signal.aborted ? undefined : scoreRun(run, push.signal)))
    .then((rows) => {
      if (rows && p.run === run) p.post({ type: M.HeadScores, runId: run.runId, which: 'text', T: run.T, rows });
    })
    .catch((err: unknown) => {
      if (p.run === run && !push.signal.aborted) requestFailed(p, err); // else a replaced run's wait, ended by its cancel
    });
}

/** Scores the heads on the standard probe (cached per model) and pushes the table for the panel's run. */
function postProbe(p: PanelState, runId: number): void {
  const run = p.run;
  if (!run || runId !== run.runId) return;
  p.deps.models.withModel('Analysing', (model) => p.probeTable.scores(model)).then(
    ({ T, rows }) => {
      if (p.run === run) p.post({ type: M.HeadScores, runId, which: 'probe', T, rows });
    },
    (err: unknown) => {
      const e = EngineError.from(err);
      p.deps.models.output.error(`The head table's probe failed: ${e.message} [${e.code}]`);
      const error = vscode.l10n.t('Could not score the heads on the probe: {0}', e.message);
      if (p.run === run) p.post({ type: M.HeadScores, runId, which: 'probe', T: 0, rows: [], error });
    },
  );
}

/**
 * Sends the second phase of the run `shown` (its predictions and surprisal); false when the panel
 * no longer shows that run (then the caller shows it whole).
 */
export function postPredictions(p: PanelState, shown: AnalysisReadyMessage, summary: AnalysisSummary): boolean {
  if (shown !== p.lastReady || p.run?.runId !== summary.runId) return false;
  const predictions = summary.predictions.map((x) => ({ texts: x.texts, probs: x.probs, ids: x.ids, ...(x.bytes ? { bytes: x.bytes } : {}) }));
  p.lastReady = { ...shown, predictions, actual: summary.actual, predictionsPending: false };
  p.post({ type: M.PredictionsReady, runId: summary.runId, predictions, actual: summary.actual });
  return true;
}

/** Puts the panel's handlers on a new channel to its page. */
export function connectPanel(p: PanelState, channel: Channel<PanelHostProtocol, PanelWebviewProtocol>): void {
  channel.onEach(panelHandlers(p));
  // The one matrix the webview opens; it cancels the request when the user opens another first.
  channel.handle('matrix', async ({ runId, source }, { signal }) => {
    const run = runFor(p, runId); // the panel's run, or its ablated one
    if (!run) throw new EngineError('BAD_ARGUMENT', `run ${runId} is not the panel's any more`);
    try {
      const matrix = await run.quantized(source);
      if (signal.aborted || runFor(p, runId) !== run) throw new EngineError('CANCELLED', 'the matrix is not wanted any more');
      return { runId, source, T: run.T, matrix };
    } catch (err) {
      if (!signal.aborted && runFor(p, runId) === run && EngineError.from(err).code !== 'CANCELLED') requestFailed(p, err);
      throw err;
    }
  });
  // At long T the webview asks for tiles of the matrix it shows (max-pooled on the host) instead.
  channel.handle('matrixTile', async (req, { signal }) => {
    const run = p.run;
    if (!run || req.runId !== run.runId) throw new EngineError('BAD_ARGUMENT', `run ${req.runId} is not the panel's any more`);
    const { runId, source, row0, row1, col0, col1, stride } = req;
    const rect = { row0, row1, col0, col1, stride };
    try {
      run.check(source);
      const tile = await run.tiles.tile(source, rect, signal);
      if (signal.aborted || p.run !== run) throw new EngineError('CANCELLED', 'the tile is not wanted any more');
      const { rows, cols } = tileShape(rect);
      return { runId, source, T: run.T, ...rect, rows, cols, tile: quantize(tile, 16, 1) };
    } catch (err) {
      const code = EngineError.from(err).code;
      if (!signal.aborted && p.run === run && code !== 'CANCELLED' && code !== 'BAD_ARGUMENT') requestFailed(p, err);
      throw err;
    }
  });
}

function panelHandlers(p: PanelState): Handlers<FromWebviewMessage> {
  const log = p.deps.models.output;

  return {
    [M.Ready]: (m) => {
      p.host.setReady();
      // The webview built its UI from the strings in the HTML; Init is for a webview that could
      // not read them, which waits for it.
      p.post({ type: M.Init, ...panelInit() });
      const sync = p.decorationSync;
      if (p.lastReady && p.run) {
        const run = p.run;
        postRun(p, run, { ...p.lastReady, initialQuery: sync.selected?.query ?? p.lastReady.initialQuery });
        if (p.stale) p.post({ type: M.TextChanged, runId: run.runId });
      }
      resendCompare(p);
      if (p.lastStatus) p.post(p.lastStatus);
      else if (!p.run && p.runs.idle) {
        const s = m.state?.source;
        if (!p.request && s) p.request = requestOf(s);
        if (!sync.selected && m.state?.selected) sync.selected = m.state.selected;
        if (p.request) void p.analyze(p.request);
        else p.showError(vscode.l10n.t('Select some text in an editor and run "Attention Lens: Show Attention" (Ctrl+Alt+A).'), []);
      }
    },
    [M.SelectToken]: (m) => {
      if (m.runId === p.run?.runId) p.decorationSync.select({ source: m.source, query: m.index });
    },
    [M.Rerun]: () => {
      const req = p.request;
      if (!req) return;
      // the analysed range as moved and resized by the edits since
      const span = p.deps.decorations.span;
      void p.analyze(requestFor(req, span));
    },
    [M.OpenSettings]: () => void openSettings('modelPath'),
    [M.SetSurprisalUnderlines]: (m) => void updateSetting('surprisalUnderlines', m.enabled),
    [M.RevealToken]: (m) => {
      if (m.runId === p.run?.runId) void p.deps.decorations.reveal(m.index, p.panel.viewColumn);
    },
    [M.RunProbe]: (m) => postProbe(p, m.runId),
    [M.SaveExport]: (m) => saveExport(p, m),
    [M.ExportTensor]: (m) => exportTensor(p, m),
    [M.ExportReport]: (m) => exportReport(p, m),
    [M.RunAttribution]: (m) => void postAttribution(p, m),
    [M.AblateHeads]: (m) => ablateHeads(p, m),
    [M.PatchTexts]: (m) => patchTexts(p, m),
    [M.PatchCancel]: (m) => cancelPatch(p, m),
    [M.Painted]: (m) => {
      const line = p.paintClock.painted(m);
      if (line) log.info(line);
    },
    ...compareHandlers(p),
  };
}
