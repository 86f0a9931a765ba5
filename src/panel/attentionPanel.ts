// The attention panel (one at a time, beside the editor): its lifecycle as in the webview-sample
// (createOrShow / revive / dispose of every listener) and the routing between webview, engine and
// editor. Its handlers, analysis phases, decorations, paint clock and failure report: own files.
import * as vscode from 'vscode';
import { EngineError } from '../engine/errors';
import { panelColumn } from '../host/editorColumns';
import { inputProblemText } from '../host/inputProblems';
import { LatestOnly } from '../host/latestOnly';
import { displaySettings, readSettings } from '../host/settings';
import { WebviewHost, webviewOptions } from '../host/webviewHost';
import { PanelMessageType as M, type AnalysisReadyMessage, type ErrorAction, type PanelHostProtocol, type PanelWebviewProtocol, type PersistedState, type ToWebviewMessage } from '../shared/protocol';
import { PANEL_HOST_ACCEPT } from '../shared/protocolChecks';
import { requestOf, textRequest, type AnalysisRequest } from './analysisRequest';
import { analysisFailure } from './analysisFailure';
import { analysisReady, finishRun, modelSummary, readRequest, runPhases } from './analysisPhases';
import { dropAblation } from './ablationHandler';
import { AnalysisRun } from './analysisRun';
import { DecorationSync } from './decorationSync';
import { EditorAttribution } from '../host/attributionDecorations';
import { ProbeTable } from './headTable';
import { PaintClock } from './paintClock';
import type { PanelAnalysis, PanelDeps } from './panelDeps';
import { connectPanel, panelInit, postPredictions, postRun } from './panelHandlers';

export const VIEW_TYPE = 'attentionLens.attentionPanel';

export type { PanelAnalysis, PanelDeps } from './panelDeps';

const analyzed = new vscode.EventEmitter<PanelAnalysis>();

export class AttentionPanel implements vscode.Disposable {
  static current: AttentionPanel | undefined;
  /** Fires after a run is ready in the panel (whichever panel: there is one at a time). */
  static readonly onDidAnalyze = analyzed.event;

  readonly host: WebviewHost<PanelHostProtocol, PanelWebviewProtocol>;
  readonly runs = new LatestOnly();
  readonly paintClock = new PaintClock();
  readonly probeTable = new ProbeTable();
  readonly decorationSync: DecorationSync;
  readonly attributionMarks = new EditorAttribution();
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;
  /** The last Busy or ShowError, re-sent when the webview (re)loads. */
  lastStatus: ToWebviewMessage | undefined;
  request: AnalysisRequest | undefined;
  run: AnalysisRun | undefined;
  ablation: AnalysisRun | undefined;
  lastReady: AnalysisReadyMessage | undefined;
  overviewPush: AbortController | undefined;
  stale = false;
  /** The run past loading the model, on its way through the engine (its ticket's seq). */
  private analyzing: number | undefined;
  /** A run was cancelled because another model is loading: analyse again once one is ready. */
  private rerunOnModel = false;
  /** That analysis has started (the model's change event that follows needs none). */
  private rerunDone = false;

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
      p.request = requestOf(state.source);
      p.decorationSync.selected = state.selected;
    }
    AttentionPanel.current = p;
    return p;
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    readonly deps: PanelDeps,
  ) {
    this.host = new WebviewHost<PanelHostProtocol, PanelWebviewProtocol>({
      name: 'the panel',
      log: deps.models.output,
      extensionUri: deps.extensionUri,
      script: ['dist', 'webview', 'panel.js'],
      style: ['media', 'panel.css'],
      init: panelInit,
      accept: PANEL_HOST_ACCEPT,
      connect: (channel) => connectPanel(this, channel),
    });
    this.decorationSync = new DecorationSync(deps.decorations, deps.models.output, () => (this.stale ? undefined : this.run));
    panel.iconPath = vscode.Uri.joinPath(deps.extensionUri, 'media', 'icons', 'attention-lens.svg');
    this.host.attach(panel.webview);
    this.disposables.push(
      this.host,
      this.attributionMarks,
      panel.onDidDispose(() => this.dispose()),
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.host.unload(); // the webview reloads when shown again
      }),
      deps.decorations.onDidMoveCursorToToken(({ runId, index }) => {
        if (runId !== this.run?.runId || this.stale) return;
        this.decorationSync.selectQuery(index);
        this.post({ type: M.SelectTokenInPanel, runId, index });
      }),
      deps.decorations.onDidChangeAnalysedText(({ runId }) => {
        if (runId === this.run?.runId) this.markStale();
      }),
      deps.models.onDidChangeState((state) => {
        // Another model is loading (a switch): the run on the old one is of no more use, and would
        // keep the engine busy. The text is analysed again once a model is ready: the new one, or
        // the old one when the switch failed and kept it (an error state shows its error).
        if (state.kind === 'loading') this.rerunDone = false;
        if (state.kind === 'loading' && this.analyzing !== undefined && this.runs.isCurrent(this.analyzing)) {
          this.rerunOnModel = true;
          this.runs.cancel();
          // Its overview push and matrices would ask the engine for a run it has dropped.
          this.overviewPush?.abort();
          void this.run?.release();
          this.run = undefined;
          this.post({ type: M.Busy, stage: 'model', detail: vscode.l10n.t('Loading the model…') });
        } else if ((state.kind === 'ready' || state.kind === 'error') && this.rerunOnModel) {
          this.rerunOnModel = false;
          this.rerunDone = true;
          if (this.request) void this.analyze(textRequest(this.request));
        }
      }),
      deps.models.onDidChangeModel((info) => {
        // The state's change to ready came first and has analysed the text again already.
        if (this.rerunDone) return void (this.rerunDone = false);
        // A chat run's ids belong to the model that generated them: another model reads the text.
        if (info && this.request && this.run) void this.analyze(textRequest(this.request));
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('attentionLens')) return;
        const s = readSettings();
        this.decorationSync.applySettings(s);
        if (this.lastReady) this.lastReady.settings = displaySettings(s);
        this.post({ type: M.SettingsChanged, settings: displaySettings(s) });
      }),
    );
    this.decorationSync.applySettings(readSettings());
  }

  /**
   * Analyses a range of a document; a newer call cancels this one. `requestedAt` (performance.now()
   * when the user asked, default now) is what the log's "painted N ms after the request" counts from.
   */
  async analyze(req: AnalysisRequest, requestedAt = performance.now()): Promise<void> {
    const ticket = this.runs.start();
    this.request = req;
    const { models, runs } = this.deps;
    /** The layers the run streams (for the log when it is cancelled). */
    let streamed: { ready: number; nLayer: number } | undefined;
    try {
      const input = await readRequest(req);
      if (!input.checked.ok) return this.showError(inputProblemText(input.checked.problem), [], input.checked.problem);
      const loaded = models.state.kind === 'ready' || models.state.kind === 'busy';
      this.post({ type: M.Busy, stage: loaded ? 'analysis' : 'model', detail: loaded ? vscode.l10n.t('Analysing…') : vscode.l10n.t('Loading the model…') });
      const settings = readSettings();
      const model = await models.ensureLoaded();
      if (!this.runs.isCurrent(ticket)) return;
      this.analyzing = ticket.seq;
      const summaryOfModel = modelSummary(model.info);
      const done = await runPhases(models, model.client, req.chat?.tokens ?? input.checked.text, settings.topK, ticket.signal, {
        isCurrent: () => this.runs.isCurrent(ticket) && !this.disposed,
        show: (client, first, layers, full) => {
          streamed = layers;
          void this.run?.release();
          dropAblation(this);
          this.run = new AnalysisRun(client, first, runs.hold(client, first.runId), layers);
          this.paintClock.start(first.runId, requestedAt, first.T);
          this.stale = false;
          this.lastReady = analysisReady(req, input, summaryOfModel, settings, first, this.decorationSync.selected?.query, full);
          postRun(this, this.run, this.lastReady);
          return this.lastReady;
        },
        fillPredictions: (shown, summary) => postPredictions(this, shown, summary),
      });
      if (!done) return;
      analyzed.fire(finishRun(this.deps, this.decorationSync, req, input, req.chat ? input.end - input.start : input.checked.text.length, done));
      if (input.doc.version !== input.version) this.markStale();
    } catch (err) {
      if (err instanceof EngineError && err.code === 'CANCELLED' && streamed) {
        const why = this.disposed ? 'the panel was closed' : this.rerunOnModel ? 'another model is loading' : 'a newer run took over';
        models.output.info(`Run cancelled (${why}): ${streamed.ready} of ${streamed.nLayer} layers had arrived`);
      }
      if (!this.runs.isCurrent(ticket)) return;
      const failure = analysisFailure(err, models.output);
      if (failure) this.showError(failure.message, failure.actions, failure.code);
    } finally {
      if (this.analyzing === ticket.seq) this.analyzing = undefined;
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (AttentionPanel.current === this) AttentionPanel.current = undefined;
    this.runs.cancel();
    this.overviewPush?.abort();
    void this.run?.release();
    this.run = undefined;
    dropAblation(this);
    this.deps.decorations.clear();
    this.panel.dispose();
    while (this.disposables.length) this.disposables.pop()?.dispose();
  }

  post(m: ToWebviewMessage): void {
    if (m.type === M.Busy || m.type === M.ShowError) this.lastStatus = m;
    else if (m.type === M.AnalysisReady) this.lastStatus = undefined;
    // Before Ready, nothing is sent: Ready re-sends the run and the last status.
    this.host.post(m);
  }

  showError(message: string, actions: ErrorAction[], code?: string): void {
    this.post({ type: M.ShowError, message, actions, code });
  }

  private markStale(): void {
    this.stale = true;
    if (this.run) this.post({ type: M.TextChanged, runId: this.run.runId });
  }
}
