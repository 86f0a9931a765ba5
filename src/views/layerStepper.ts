// The "Layer Stepper" webview view in the Attention Lens activity-bar container: a learner steps
// through one decoder pass with the real numbers. The host side answers the webview's requests
// on its channel (a layer's capture at a query position, the final read-out, the logit lens) from the engine,
// translates the UI strings (vscode.l10n) and highlights in the editor the tokens a step is about.
import * as vscode from 'vscode';
import { rangeLabel } from '../analysis/inputText';
import type { TopPredictions } from '../shared/sessionTypes';
import { EngineError } from '../engine/errors';
import type { AnalysisSummary } from '../shared/sessionTypes';
import type { ModelManager } from '../host/modelManager';
import type { RunHold, RunHolds } from '../host/runHolds';
import { STEPPER_HOST_TEXT, localizeStepperText } from '../shared/explanations';
import type { Channel } from '../shared/channel';
import {
  STEPPER_HOST_ACCEPT,
  StepperMessageType as M,
  type StepperFromWebview,
  type StepperHostProtocol,
  type StepperToWebview,
  type StepperWebviewProtocol,
} from '../shared/stepperProtocol';
import { exportFailed, saveWithDialog } from '../host/exportSave';
import { modelFacts } from '../host/modelFacts';
import { StepperHighlights } from './stepperHighlights';
import { READOUT_TOP_K, StepperRun, type StepperRunSource } from './stepperRun';
import { readEditorInput } from '../host/editorInput';
import { LatestOnly } from '../host/latestOnly';
import { WebviewHost } from '../host/webviewHost';
import { warnInputProblem } from '../host/inputProblems';

export const STEPPER_VIEW_ID = 'attentionLens.layerStepper';
export const STEP_THROUGH_LAYERS = 'attentionLens.stepThroughLayers';

/** An analysis made elsewhere (the attention panel) for the stepper to follow. */
export interface FollowedAnalysis {
  summary: Pick<AnalysisSummary, 'runId' | 'tokens' | 'predictions'>;
  source: StepperRunSource;
  /** Takes the stepper's own hold on the run (called at once, while the event fires). */
  retain(): RunHold;
}

type Handlers = { [K in StepperFromWebview['type']]: (m: Extract<StepperFromWebview, { type: K }>) => void | Promise<void> };

export class LayerStepperProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private readonly host: WebviewHost<StepperHostProtocol, StepperWebviewProtocol>;
  private run: StepperRun | undefined;
  /** The stepper's hold on the run it shows: the engine keeps it while the stepper needs it. */
  private hold: RunHold | undefined;
  private stale = false;
  private readonly runs = new LatestOnly();
  private readonly highlights = new StepperHighlights();
  private readonly disposables: vscode.Disposable[] = [this.highlights];
  private viewDisposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly models: ModelManager,
    private readonly holds: RunHolds,
  ) {
    this.host = new WebviewHost<StepperHostProtocol, StepperWebviewProtocol>({
      name: 'the Layer Stepper',
      log: models.output,
      extensionUri,
      script: ['dist', 'webview', 'stepper.js'],
      style: ['media', 'stepper.css'],
      title: vscode.l10n.t('Layer Stepper'),
      accept: STEPPER_HOST_ACCEPT,
      connect: (channel) => this.connect(channel),
    });
    this.disposables.push(
      this.host,
      models.onDidChangeModel(() => this.postModel()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        const run = this.run;
        if (!run || this.stale || e.contentChanges.length === 0) return;
        if (e.document.uri.toString() !== run.source.uri) return;
        this.stale = true;
        this.highlights.clear();
        this.post({ type: M.Stale, runId: run.runId });
      }),
    );
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    for (const d of this.viewDisposables) d.dispose();
    this.view = view;
    this.host.attach(view.webview);
    this.viewDisposables = [
      view.onDidChangeVisibility(() => {
        if (!view.visible) this.host.unload(); // the webview reloads and says Ready again
      }),
      view.onDidDispose(() => {
        if (this.view === view) {
          this.view = undefined;
          this.host.detach();
        }
        this.highlights.clear();
      }),
    ];
  }

  /** Steps through an analysis made elsewhere (e.g. by the attention panel). */
  follow(a: FollowedAnalysis): void {
    const seq = this.runs.bump();
    this.setRun(a.summary, a.source, a.retain(), seq).catch((err: unknown) => {
      this.models.output.error(`Layer Stepper: could not follow run ${a.summary.runId}: ${EngineError.from(err).message}`);
    });
  }

  /** Analyses the active editor's selection (or the paragraph at the cursor) and shows the view. */
  async analyzeSelection(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showInformationMessage(vscode.l10n.t(STEPPER_HOST_TEXT.noEditor));
      return;
    }
    const doc = editor.document;
    const { span, checked } = readEditorInput(editor);
    if (!checked.ok) return warnInputProblem(checked.problem);
    await vscode.commands.executeCommand(`${STEPPER_VIEW_ID}.focus`);
    const ticket = this.runs.start();
    const loaded = this.models.state.kind === 'ready' || this.models.state.kind === 'busy';
    this.post({ type: M.Busy, detail: loaded ? vscode.l10n.t(STEPPER_HOST_TEXT.analysing) : vscode.l10n.t(STEPPER_HOST_TEXT.loadingModel) });
    try {
      const { summary, hold } = await this.models.withModel('Analysing', async ({ client }) => {
        const summary = await client.analyze(checked.text, { truncate: true, topK: READOUT_TOP_K }, ticket.signal);
        return { summary, hold: this.holds.hold(client, summary.runId) };
      });
      if (!this.runs.isCurrent(ticket)) {
        void hold.release();
        return;
      }
      const label = rangeLabel(vscode.workspace.asRelativePath(doc.uri), doc.positionAt(span.start).line, doc.positionAt(span.end).line);
      const length = summary.truncated ? summary.tokens[summary.T - 1].end : checked.text.length;
      await this.setRun(summary, { uri: doc.uri.toString(), base: span.start, length, label }, hold, ticket.seq);
    } catch (err) {
      if (!this.runs.isCurrent(ticket)) return;
      const e = EngineError.from(err);
      if (e.code === 'CANCELLED') return;
      this.models.output.error(`Layer Stepper: the analysis failed: ${e.message} [${e.code}]`);
      this.post({ type: M.ShowError, message: e.message });
    }
  }

  dispose(): void {
    this.runs.cancel();
    void this.hold?.release();
    this.hold = undefined;
    for (const d of this.viewDisposables) d.dispose();
    for (const d of this.disposables) d.dispose();
  }

  /** Shows `summary` (whose hold passes to the stepper) unless a newer run came meanwhile (`seq`). */
  private async setRun(summary: FollowedAnalysis['summary'], source: StepperRunSource, hold: RunHold, seq: number): Promise<void> {
    const loaded = await this.models.ensureLoaded().catch((err: unknown) => {
      void hold.release();
      throw err;
    });
    if (!this.runs.isCurrent(seq)) {
      void hold.release();
      return;
    }
    const { client, info } = loaded;
    const predictions: TopPredictions[] = summary.predictions;
    void this.hold?.release();
    this.hold = hold;
    this.run = new StepperRun(client, summary.runId, summary.tokens, source, info.vocabSize, predictions);
    this.stale = false;
    this.highlights.clear();
    this.models.output.info(`Layer Stepper: run ${summary.runId}, ${summary.tokens.length} tokens from ${source.label}`);
    this.postModel();
    this.post({ type: M.Run, run: this.run.toMessage() });
  }

  private postModel(): void {
    const s = this.models.state;
    const info = s.kind === 'ready' || s.kind === 'busy' ? s.info : undefined;
    const bundled = vscode.Uri.joinPath(this.extensionUri, 'media', 'model').fsPath;
    this.post({ type: M.Model, ...(info ? { model: modelFacts(info, bundled) } : {}) });
  }

  private post(m: StepperToWebview): void {
    this.host.post(m);
  }

  /** Puts the stepper's handlers on a new channel to its page. */
  private connect(channel: Channel<StepperHostProtocol, StepperWebviewProtocol>): void {
    /** Logs a failed request; the error goes back to the webview, which shows it. */
    const logged = <T>(what: string, work: Promise<T>): Promise<T> =>
      work.catch((err: unknown) => {
        const e = EngineError.from(err);
        this.models.output.error(`Layer Stepper: ${what} failed: ${e.message} [${e.code}]`);
        throw e;
      });
    channel.onEach(this.handlers);
    channel.handle('capture', async ({ runId, layer, position }) => ({ runId, ...(await logged('capture', this.current(runId).capture(layer, position))) }));
    channel.handle('readout', async ({ runId, position }) => ({ runId, readout: await logged('readout', this.current(runId).readout(position)) }));
    channel.handle('logitLens', async ({ runId }) => ({ runId, cells: await logged('logitLens', this.current(runId).logitLens()) }));
  }


  private readonly handlers: Handlers = {
    [M.Ready]: () => {
      this.host.setReady();
      this.post({ type: M.Init, strings: localizeStepperText((s) => vscode.l10n.t(s)), language: vscode.env.language });
      this.postModel();
      if (this.run) {
        this.post({ type: M.Run, run: this.run.toMessage() });
        if (this.stale) this.post({ type: M.Stale, runId: this.run.runId });
      }
    },
    [M.AnalyzeSelection]: () =>
      this.analyzeSelection().catch((err: unknown) => {
        const e = EngineError.from(err);
        this.models.output.error(`Layer Stepper: analyzeSelection failed: ${e.message} [${e.code}]`);
        this.post({ type: M.ShowError, message: e.message });
      }),
    [M.SaveExport]: (m) => {
      const log = this.models.output;
      saveWithDialog(m.fileName, m.format, new TextEncoder().encode(m.data), this.run?.source.uri, log).catch((err: unknown) => exportFailed(log, m.fileName, err));
    },
    [M.Highlight]: (m) => {
      const run = this.run?.runId === m.runId ? this.run : undefined;
      if (!run || this.stale) return;
      const T = run.T;
      this.highlights.show(
        { uri: run.source.uri, base: run.source.base, tokens: run.tokens },
        m.query < T ? m.query : -1,
        m.context.filter((i) => i < T),
      );
    },
  };

  /** The run the stepper shows, if it is `runId` (else the request is for a run gone since). */
  private current(runId: number): StepperRun {
    if (this.run?.runId !== runId) throw new EngineError('CANCELLED', `run ${runId} is no longer the Layer Stepper's`);
    return this.run;
  }
}
