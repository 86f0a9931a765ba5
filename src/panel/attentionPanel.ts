// The attention panel (one at a time, beside the editor): its lifecycle as in the webview-sample
// (createOrShow / revive / dispose of every listener), its HTML and CSP, and the routing of
// messages between the webview, the engine and the editor decorations.
import * as vscode from 'vscode';
import { rangeLabel } from '../analysis/inputText';
import { tokenRangeOf } from '../analysis/promptWindow';
import { EngineError } from '../engine/errors';
import type { EarlyAttentions } from '../engine/client';
import type { LayerStream } from '../engine/layerStream';
import type { AnalysisSummary, AttentionSummary } from '../engine/session';
import type { EditorAttention } from '../host/decorations';
import { panelColumn } from '../host/editorColumns';
import { ModelUnavailableError, type ModelManager } from '../host/modelManager';
import type { RunHold, RunHolds } from '../host/runHolds';
import { displaySettings, openSettings, readSettings, updateSetting } from '../host/settings';
import {
  PanelMessageType,
  dispatch,
  parseFromWebview,
  sourceLabel,
  type AnalysisReadyMessage,
  type FromWebviewMessage,
  type Handlers,
  type PanelInitMessage,
  type MatrixSource,
  type PersistedState,
  type ToWebviewMessage,
} from '../shared/protocol';
import { localizePanelText } from '../shared/panelText';
import type { AnalysisRequest } from './analysisRequest';
import { AnalysisRun } from './analysisRun';
import { LOCAL_RESOURCE_FOLDERS, buildPanelHtml, makeNonce } from './panelHtml';
import { readSpan } from '../host/editorInput';
import { inputProblemText } from '../host/inputProblems';

export const VIEW_TYPE = 'attentionLens.attentionPanel';

export interface PanelDeps {
  extensionUri: vscode.Uri;
  models: ModelManager;
  decorations: EditorAttention;
  /** Holds on engine runs shared with other views (the Layer Stepper follows the panel's run). */
  runs: RunHolds;
}

/** A run the panel has just shown, for other views to follow. */
export interface PanelAnalysis {
  summary: AnalysisSummary;
  /** Where the analysed text sits: document URI, start offset, length (UTF-16 units), e.g. "notes.txt:3–7". */
  source: { uri: string; base: number; length: number; label: string };
  /** Takes a hold on the run, so that it outlives the panel's use of it; call it while the event fires. */
  retain(): RunHold;
}

const analyzed = new vscode.EventEmitter<PanelAnalysis>();

export class AttentionPanel implements vscode.Disposable {
  static current: AttentionPanel | undefined;
  /** Fires after a run is ready in the panel (whichever panel: there is one at a time). */
  static readonly onDidAnalyze = analyzed.event;

  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  private disposed = false;
  /** The last Busy or ShowError, re-sent when the webview (re)loads. */
  private lastStatus: ToWebviewMessage | undefined;
  private request: AnalysisRequest | undefined;
  private run: AnalysisRun | undefined;
  private lastReady: AnalysisReadyMessage | undefined;
  private stale = false;
  private seq = 0;
  private abort: AbortController | undefined;
  private selected: { source: MatrixSource; query: number } | undefined;
  /** The run the editor decorations show (set once its surprisal is known). */
  private decoratedRun: number | undefined;
  /** When the current run was asked for, to log how long its first heatmaps took to paint. */
  private paintClock: { runId: number; requestedAt: number; T: number; logged: Set<string> } | undefined;
  private init: Omit<PanelInitMessage, 'type'> | undefined;

  /**
   * Shows the panel for the text of `editor` without taking the focus: an open panel stays in its
   * group unless it shares the editor's; a new one goes beside the editor (see panelColumn).
   */
  static createOrShow(deps: PanelDeps, editor: vscode.TextEditor): AttentionPanel {
    const current = AttentionPanel.current;
    const to = panelColumn({ editor: editor.viewColumn, panel: current?.panel.viewColumn, groups: vscode.window.tabGroups.all.length });
    const column = to === 'beside' ? vscode.ViewColumn.Beside : to;
    if (current) {
      current.panel.reveal(column, true);
      return current;
    }
    const panel = vscode.window.createWebviewPanel(VIEW_TYPE, 'Attention Lens', { viewColumn: column, preserveFocus: true }, webviewOptions(deps.extensionUri));
    AttentionPanel.current = new AttentionPanel(panel, deps);
    return AttentionPanel.current;
  }

  /** Brings back a panel after a window reload (from the serializer). */
  static revive(panel: vscode.WebviewPanel, deps: PanelDeps, state: PersistedState | undefined): AttentionPanel {
    AttentionPanel.current?.dispose();
    const p = new AttentionPanel(panel, deps);
    if (state?.source) {
      const s = state.source;
      p.request = { uri: s.uri, fileName: s.fileName, start: s.startOffset, end: s.endOffset, origin: s.origin };
      p.selected = state.selected;
    }
    AttentionPanel.current = p;
    return p;
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly deps: PanelDeps,
  ) {
    panel.webview.options = webviewOptions(deps.extensionUri);
    panel.iconPath = vscode.Uri.joinPath(deps.extensionUri, 'media', 'icons', 'attention-lens.svg');
    panel.webview.html = this.html();
    const d = this.disposables;
    d.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false; // the webview reloads when shown again
      }),
      deps.decorations.onDidMoveCursorToToken(({ runId, index }) => this.onCursorToken(runId, index)),
      deps.decorations.onDidChangeAnalysedText(({ runId }) => {
        if (runId !== this.run?.runId) return;
        this.stale = true;
        this.post({ type: PanelMessageType.TextChanged, runId });
      }),
      deps.models.onDidChangeModel((info) => {
        if (info && this.request && this.run) void this.analyze(this.request);
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('attentionLens')) return;
        const s = readSettings();
        deps.decorations.setOptions({ underlines: s.surprisalUnderlines, enabled: s.editorHighlights });
        if (this.lastReady) this.lastReady.settings = displaySettings(s);
        this.post({ type: PanelMessageType.SettingsChanged, settings: displaySettings(s) });
        void this.decorate();
      }),
    );
    const s = readSettings();
    deps.decorations.setOptions({ underlines: s.surprisalUnderlines, enabled: s.editorHighlights });
  }

  /**
   * Analyses a range of a document; a newer call cancels this one. `requestedAt` (performance.now()
   * when the user asked, default now) is what the log's "painted N ms after the request" counts from.
   */
  async analyze(req: AnalysisRequest, requestedAt = performance.now()): Promise<void> {
    const seq = ++this.seq;
    this.abort?.abort();
    const abort = new AbortController();
    this.abort = abort;
    this.request = req;
    const log = this.deps.models.output;
    try {
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(req.uri));
      const {
        span: { start, end },
        checked,
      } = readSpan(doc, req);
      if (!checked.ok) return this.showError(inputProblemText(checked.problem), [], checked.problem);
      const version = doc.version;
      const loaded = this.deps.models.state.kind === 'ready' || this.deps.models.state.kind === 'busy';
      this.post({ type: PanelMessageType.Busy, stage: loaded ? 'analysis' : 'model', detail: loaded ? vscode.l10n.t('Analysing…') : vscode.l10n.t('Loading the model…') });
      const settings = readSettings();
      const loadedModel = await this.deps.models.ensureLoaded();
      const info = loadedModel.info;
      let client = loadedModel.client;
      const model = { name: info.name, nLayer: info.config.nLayer, nHead: info.config.nHead, contextLength: info.contextLength, vocabSize: info.vocabSize, numParams: info.numParams };
      const source = { uri: req.uri, fileName: req.fileName, startOffset: start, endOffset: end, startLine: doc.positionAt(start).line, endLine: doc.positionAt(end).line, origin: req.origin };
      /** The AnalysisReady of a run whose first phase (attentions, no predictions) is shown. */
      let shown: AnalysisReadyMessage | undefined;
      /** Makes `first` the panel's run and sends it; without `full`, its predictions follow in a PredictionsReady. */
      const show = (first: AttentionSummary, layers?: LayerStream, full?: AnalysisSummary): AnalysisReadyMessage => {
        void this.run?.release();
        this.run = new AnalysisRun(client, first, this.deps.runs.hold(client, first.runId), layers);
        this.paintClock = { runId: first.runId, requestedAt, T: first.T, logged: new Set() };
        this.stale = false;
        const generated = req.marked ? tokenRangeOf(first.tokens, req.marked.start - start, req.marked.end - start) : undefined;
        const query = generated ? generated.start : this.selected && this.selected.query < first.T ? this.selected.query : first.T - 1;
        this.lastReady = {
          type: PanelMessageType.AnalysisReady,
          runId: first.runId,
          model,
          source,
          tokens: first.tokens,
          T: first.T,
          truncated: first.truncated,
          totalTokens: first.totalTokens,
          clippedChars: checked.clippedChars,
          predictions: full ? full.predictions.map((p) => ({ texts: p.texts, probs: p.probs })) : [],
          actual: full ? full.actual : [],
          settings: displaySettings(settings),
          initialQuery: query,
          generated,
          ...(full ? {} : { predictionsPending: true }),
        };
        this.post(this.lastReady);
        return this.lastReady;
      };
      // First phase: the tokens at once, each layer's heatmaps as soon as that layer has run (the
      // webview asks for the overview layer by layer; the LM head follows the last layer).
      const onAttentions = (early: EarlyAttentions): void => {
        if (seq !== this.seq || this.disposed) return; // a newer analysis started: dropped
        shown = show(early.summary, early.layers);
      };
      const summary = await this.deps.models.withModel('Analysing', ({ client: c }) => {
        client = c;
        return c.analyze(checked.text, { truncate: true, topK: settings.topK }, abort.signal, onAttentions);
      });
      if (seq !== this.seq) {
        void client.release(summary.runId).catch(() => undefined);
        return;
      }
      const predictions = summary.predictions.map((p) => ({ texts: p.texts, probs: p.probs }));
      if (shown && shown === this.lastReady && this.run?.runId === summary.runId) {
        // Second phase: fill in the predictions and surprisal of the run already shown.
        this.lastReady = { ...shown, predictions, actual: summary.actual, predictionsPending: false };
        this.post({ type: PanelMessageType.PredictionsReady, runId: summary.runId, predictions, actual: summary.actual });
      } else {
        show(summary, undefined, summary);
      }
      const textLength = summary.truncated ? summary.tokens[summary.T - 1].end : checked.text.length;
      log.info(`Run ${summary.runId}: ${summary.T} tokens${summary.truncated ? ` of ${summary.totalTokens}` : ''} from ${req.fileName} [${start}, ${end})`);
      this.deps.decorations.setRun({ runId: summary.runId, uri: doc.uri, base: start, length: textLength, requestedLength: end - start, tokens: summary.tokens, actual: summary.actual });
      this.decoratedRun = summary.runId;
      void this.decorate(); // the selection made while the predictions were computed
      analyzed.fire({
        summary,
        source: { uri: req.uri, base: start, length: textLength, label: rangeLabel(req.fileName, source.startLine, source.endLine) },
        retain: () => this.deps.runs.hold(client, summary.runId),
      });
      if (doc.version !== version) {
        this.stale = true;
        this.post({ type: PanelMessageType.TextChanged, runId: summary.runId });
      }
    } catch (err) {
      if (seq !== this.seq) return;
      if (err instanceof EngineError && err.code === 'CANCELLED') return;
      if (err instanceof ModelUnavailableError) {
        this.showError(err.message, ['openSettings', 'rerun'], err.code);
        const openLabel = vscode.l10n.t('Open Settings');
        const logLabel = vscode.l10n.t('Show Log');
        void vscode.window.showErrorMessage(vscode.l10n.t('Attention Lens: {0}', err.message), openLabel, logLabel).then((a) => {
          if (a === openLabel) void openSettings('modelPath');
          else if (a === logLabel) log.show(true);
        });
        return;
      }
      const e = EngineError.from(err);
      log.error(`Analysis failed: ${e.message} [${e.code}]`);
      this.showError(vscode.l10n.t('The analysis failed: {0}', e.message), ['rerun'], e.code);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (AttentionPanel.current === this) AttentionPanel.current = undefined;
    this.seq++;
    this.abort?.abort();
    void this.run?.release();
    this.run = undefined;
    this.deps.decorations.clear();
    this.panel.dispose();
    while (this.disposables.length) this.disposables.pop()?.dispose();
  }

  private html(): string {
    const w = this.panel.webview;
    const asUri = (...p: string[]) => w.asWebviewUri(vscode.Uri.joinPath(this.deps.extensionUri, ...p)).toString();
    return buildPanelHtml({ cspSource: w.cspSource, nonce: makeNonce(), scriptUri: asUri('dist', 'webview', 'panel.js'), styleUri: asUri('media', 'panel.css'), init: this.initData() });
  }

  /** The panel's strings in VS Code's display language (fixed for the session: made once). */
  private initData(): Omit<PanelInitMessage, 'type'> {
    this.init ??= { strings: localizePanelText((s) => vscode.l10n.t(s)), language: vscode.env.language };
    return this.init;
  }

  private post(m: ToWebviewMessage): void {
    if (m.type === PanelMessageType.Busy || m.type === PanelMessageType.ShowError) this.lastStatus = m;
    else if (m.type === PanelMessageType.AnalysisReady) this.lastStatus = undefined;
    // Before Ready, nothing is sent: Ready re-sends the run and the last status.
    if (this.ready) void this.panel.webview.postMessage(m);
  }

  private showError(message: string, actions: ('openSettings' | 'rerun')[], code?: string): void {
    this.post({ type: PanelMessageType.ShowError, message, actions, code });
  }

  private onMessage(raw: unknown): void {
    const msg = parseFromWebview(raw);
    if (!msg) {
      this.deps.models.output.warn(`Ignored a malformed message from the panel: ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    dispatch(this.handlers, msg);
  }

  private readonly handlers: Handlers<FromWebviewMessage> = {
    [PanelMessageType.Ready]: (m) => {
      this.ready = true;
      // The webview built its UI from the strings in the HTML (html()); Init is for a webview that
      // could not read them, which waits for it.
      this.post({ type: PanelMessageType.Init, ...this.initData() });
      if (this.lastReady && this.run) {
        const run = this.run;
        this.post({ ...this.lastReady, initialQuery: this.selected?.query ?? this.lastReady.initialQuery, ...(m.want ? { overviewFollows: true } : {}) });
        if (m.want) void this.answerOverview(run, 0, m.want.overviewSize, 0);
        if (this.stale) this.post({ type: PanelMessageType.TextChanged, runId: this.run.runId });
      }
      if (this.lastStatus) void this.panel.webview.postMessage(this.lastStatus);
      else if (!this.run && this.seq === 0) {
        const s = m.state?.source;
        if (!this.request && s) this.request = { uri: s.uri, fileName: s.fileName, start: s.startOffset, end: s.endOffset, origin: s.origin };
        if (!this.selected && m.state?.selected) this.selected = m.state.selected;
        if (this.request) void this.analyze(this.request);
        else this.showError('Select some text in an editor and run "Attention Lens: Show Attention" (Ctrl+Alt+A).', []);
      }
    },
    [PanelMessageType.RequestMatrix]: async (m) => {
      const run = this.run;
      if (!run || m.runId !== run.runId) return; // an older run: dropped
      try {
        const matrix = await run.quantized(m.source);
        if (this.run !== run) return;
        this.post({ type: PanelMessageType.MatrixReply, requestId: m.requestId, runId: m.runId, source: m.source, T: run.T, matrix });
      } catch (err) {
        if (this.run === run) this.requestFailed(err);
      }
    },
    [PanelMessageType.RequestOverview]: async (m) => {
      const run = this.run;
      if (!run || m.runId !== run.runId) return;
      await this.answerOverview(run, m.requestId, m.size, m.fromLayer ?? 0);
    },
    [PanelMessageType.SelectToken]: (m) => {
      if (m.runId !== this.run?.runId) return;
      this.selected = { source: m.source, query: m.index };
      void this.decorate();
    },
    [PanelMessageType.Rerun]: () => {
      const req = this.request;
      if (!req) return;
      // the analysed range as moved and resized by the edits since
      const span = this.deps.decorations.span;
      void this.analyze(span ? { ...req, start: span.start, end: span.end } : req);
    },
    [PanelMessageType.OpenSettings]: () => void openSettings('modelPath'),
    [PanelMessageType.SetSurprisalUnderlines]: (m) => void updateSetting('surprisalUnderlines', m.enabled),
    [PanelMessageType.RevealToken]: (m) => {
      if (m.runId === this.run?.runId) void this.deps.decorations.reveal(m.index, this.panel.viewColumn);
    },
    [PanelMessageType.Painted]: (m) => {
      const c = this.paintClock;
      if (!c || m.runId !== c.runId || c.logged.has(m.what)) return;
      c.logged.add(m.what);
      const arrived = performance.now() - c.requestedAt;
      // The webview's time of the paint (epoch ms, its own clock: same machine) leaves out the
      // message's way back, which waits behind whatever the workbench does next; a time outside
      // [request, arrival] (clocks apart) falls back to the arrival.
      const painted = m.at !== undefined ? m.at - (performance.timeOrigin + c.requestedAt) : NaN;
      const ms = painted >= 0 && painted <= arrived ? painted : arrived;
      this.deps.models.output.info(
        `Run ${m.runId}: ${m.what === 'overview' ? 'overview heatmaps' : 'head matrix'} painted ${ms.toFixed(0)} ms after the request (${c.T} tokens; the panel's message arrived at ${arrived.toFixed(0)} ms)`,
      );
    },
  };

  /** Sends the overview thumbnails of `run` from `fromLayer` (a RequestOverview, or Ready's want as requestId 0). */
  private async answerOverview(run: AnalysisRun, requestId: number, size: number, fromLayer: number): Promise<void> {
    try {
      const o = await run.overview(Math.min(size, 64), fromLayer);
      if (this.run !== run) return;
      const { nLayer, nHead } = run.summary;
      this.post({ type: PanelMessageType.OverviewReply, requestId, runId: run.runId, nLayer, nHead, size: o.size, fromLayer: o.fromLayer, layers: o.layers, thumbs: o.thumbs });
    } catch (err) {
      if (this.run === run) this.requestFailed(err); // else a replaced run's wait, ended by its cancel
    }
  }

  private requestFailed(err: unknown): void {
    const e = EngineError.from(err);
    this.deps.models.output.error(`A panel request failed: ${e.message} [${e.code}]`);
    this.showError(`Could not fetch the attention: ${e.message}`, ['rerun'], e.code);
  }

  private onCursorToken(runId: number, index: number): void {
    if (runId !== this.run?.runId || this.stale) return;
    this.selected = { source: this.selected?.source ?? { kind: 'head', layer: 0, head: 0 }, query: index };
    this.post({ type: PanelMessageType.SelectTokenInPanel, runId, index });
    void this.decorate();
  }

  /** Puts the selected query's attention on the text. */
  private async decorate(): Promise<void> {
    const run = this.run;
    const sel = this.selected;
    if (!run || !sel || this.stale || run.runId !== this.decoratedRun) return;
    try {
      const row = await run.row(sel.source, Math.min(sel.query, run.T - 1));
      if (run !== this.run || sel !== this.selected) return;
      this.deps.decorations.setAttention({ query: sel.query, row, label: sourceLabel(sel.source), gamma: readSettings().colorScale === 'gamma' });
    } catch (err) {
      this.deps.models.output.warn(`Could not decorate the editor: ${EngineError.from(err).message}`);
    }
  }
}

function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: LOCAL_RESOURCE_FOLDERS.map((f) => vscode.Uri.joinPath(extensionUri, f)),
  };
}
