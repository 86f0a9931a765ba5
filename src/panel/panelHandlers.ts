// What the attention panel does with each message from its webview (already checked by
// parseFromWebview: the webview is untrusted), and how a run goes out to it: its AnalysisReady,
// then its overview pushed layer by layer. Replies for a run that is no longer the panel's are
// dropped.
import * as vscode from 'vscode';
import { EngineError } from '../engine/errors';
import type { LatestOnly } from '../host/latestOnly';
import { openSettings, updateSetting } from '../host/settings';
import type { WebviewHost } from '../host/webviewHost';
import { localizePanelText } from '../shared/panelText';
import {
  PanelMessageType as M,
  type AnalysisReadyMessage,
  type ErrorAction,
  type FromWebviewMessage,
  type Handlers,
  OVERVIEW_SIZE,
  type PanelInitMessage,
  type ToWebviewMessage,
} from '../shared/protocol';
import { requestOf, type AnalysisRequest } from './analysisRequest';
import type { AnalysisRun, OverviewBatch } from './analysisRun';
import type { DecorationSync } from './decorationSync';
import type { PaintClock } from './paintClock';
import type { PanelDeps } from './panelDeps';

type AllHandlers = Required<Handlers<FromWebviewMessage>>;

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
  readonly host: WebviewHost<FromWebviewMessage, ToWebviewMessage>;
  readonly runs: LatestOnly;
  readonly paintClock: PaintClock;
  readonly decorationSync: DecorationSync;
  lastStatus: ToWebviewMessage | undefined;
  request: AnalysisRequest | undefined;
  run: AnalysisRun | undefined;
  lastReady: AnalysisReadyMessage | undefined;
  /** Stops the overview push of the run shown last. */
  overviewPush: AbortController | undefined;
  /** The webview's newest matrix request: an older one still being fetched is not answered. */
  matrixRequest: number;
  stale: boolean;
  analyze(req: AnalysisRequest): Promise<void>;
  post(m: ToWebviewMessage): void;
  showError(message: string, actions: ErrorAction[], code?: string): void;
}

/** Fetching attention for the webview failed (the run is still the panel's). */
function requestFailed(p: PanelState, err: unknown): void {
  const e = EngineError.from(err);
  p.deps.models.output.error(`A panel request failed: ${e.message} [${e.code}]`);
  p.showError(`Could not fetch the attention: ${e.message}`, ['rerun'], e.code);
}

/**
 * Sends `ready` (the AnalysisReady of `run`, the panel's run), then pushes the run's overview
 * after it, layer by layer as the blocks run; a later postRun (or the run's end) stops the push.
 * The webview builds a fresh overview from each AnalysisReady, so each gets the whole push.
 */
export function postRun(p: PanelState, run: AnalysisRun, ready: AnalysisReadyMessage): void {
  p.post(ready);
  p.overviewPush?.abort();
  const push = new AbortController();
  p.overviewPush = push;
  const { nLayer, nHead } = run.summary;
  const emit = (b: OverviewBatch): void => {
    if (p.run === run) p.post({ type: M.OverviewLayers, runId: run.runId, nLayer, nHead, ...b });
  };
  run.pushOverview(OVERVIEW_SIZE, emit, push.signal).catch((err: unknown) => {
    if (p.run === run && !push.signal.aborted) requestFailed(p, err); // else a replaced run's wait, ended by its cancel
  });
}

export function panelHandlers(p: PanelState): AllHandlers {
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
      if (p.lastStatus) p.host.post(p.lastStatus);
      else if (!p.run && p.runs.idle) {
        const s = m.state?.source;
        if (!p.request && s) p.request = requestOf(s);
        if (!sync.selected && m.state?.selected) sync.selected = m.state.selected;
        if (p.request) void p.analyze(p.request);
        else p.showError('Select some text in an editor and run "Attention Lens: Show Attention" (Ctrl+Alt+A).', []);
      }
    },
    [M.RequestMatrix]: async (m) => {
      const run = p.run;
      if (!run || m.runId !== run.runId) return; // an older run: dropped
      p.matrixRequest = m.requestId;
      const current = (): boolean => p.run === run && p.matrixRequest === m.requestId; // else superseded
      try {
        const matrix = await run.quantized(m.source);
        if (current()) p.post({ type: M.MatrixReply, requestId: m.requestId, runId: m.runId, source: m.source, T: run.T, matrix });
      } catch (err) {
        if (current()) requestFailed(p, err);
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
      void p.analyze(span ? { ...req, start: span.start, end: span.end } : req);
    },
    [M.OpenSettings]: () => void openSettings('modelPath'),
    [M.SetSurprisalUnderlines]: (m) => void updateSetting('surprisalUnderlines', m.enabled),
    [M.RevealToken]: (m) => {
      if (m.runId === p.run?.runId) void p.deps.decorations.reveal(m.index, p.panel.viewColumn);
    },
    [M.Painted]: (m) => {
      const line = p.paintClock.painted(m);
      if (line) log.info(line);
    },
  };
}
