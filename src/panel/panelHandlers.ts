// What the attention panel does with each message from its webview (already checked by
// parseFromWebview: the webview is untrusted). Replies for a run that is no longer the panel's are
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
  type PanelInitMessage,
  type ToWebviewMessage,
} from '../shared/protocol';
import { requestOf, type AnalysisRequest } from './analysisRequest';
import type { AnalysisRun } from './analysisRun';
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
  stale: boolean;
  analyze(req: AnalysisRequest): Promise<void>;
  post(m: ToWebviewMessage): void;
  showError(message: string, actions: ErrorAction[], code?: string): void;
}

export function panelHandlers(p: PanelState): AllHandlers {
  const log = p.deps.models.output;

  /** A request of the webview failed (the run is still the panel's). */
  const requestFailed = (err: unknown): void => {
    const e = EngineError.from(err);
    log.error(`A panel request failed: ${e.message} [${e.code}]`);
    p.showError(`Could not fetch the attention: ${e.message}`, ['rerun'], e.code);
  };

  /** Sends the overview thumbnails of `run` from `fromLayer` (a RequestOverview, or Ready's want as requestId 0). */
  const answerOverview = async (run: AnalysisRun, requestId: number, size: number, fromLayer: number): Promise<void> => {
    try {
      const o = await run.overview(Math.min(size, 64), fromLayer);
      if (p.run !== run) return;
      const { nLayer, nHead } = run.summary;
      p.post({ type: M.OverviewReply, requestId, runId: run.runId, nLayer, nHead, size: o.size, fromLayer: o.fromLayer, layers: o.layers, thumbs: o.thumbs });
    } catch (err) {
      if (p.run === run) requestFailed(err); // else a replaced run's wait, ended by its cancel
    }
  };

  return {
    [M.Ready]: (m) => {
      p.host.setReady();
      // The webview built its UI from the strings in the HTML; Init is for a webview that could
      // not read them, which waits for it.
      p.post({ type: M.Init, ...panelInit() });
      const sync = p.decorationSync;
      if (p.lastReady && p.run) {
        const run = p.run;
        p.post({ ...p.lastReady, initialQuery: sync.selected?.query ?? p.lastReady.initialQuery, ...(m.want ? { overviewFollows: true } : {}) });
        if (m.want) void answerOverview(run, 0, m.want.overviewSize, 0);
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
      try {
        const matrix = await run.quantized(m.source);
        if (p.run === run) p.post({ type: M.MatrixReply, requestId: m.requestId, runId: m.runId, source: m.source, T: run.T, matrix });
      } catch (err) {
        if (p.run === run) requestFailed(err);
      }
    },
    [M.RequestOverview]: async (m) => {
      const run = p.run;
      if (run && m.runId === run.runId) await answerOverview(run, m.requestId, m.size, m.fromLayer ?? 0);
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
