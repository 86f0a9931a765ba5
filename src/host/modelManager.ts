// One engine for the whole extension: starts the worker and loads the model on first use, reloads
// when `attentionLens.modelPath` changes, reports its state (for the status bar) and logs what
// happened to the "Attention Lens" output channel. The engine (and so tfjs) is only touched on
// first use, which keeps activation fast.
import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';
import type { EngineClient } from '../engine/client';
import { EngineError } from '../engine/errors';
import type { ModelInfo } from '../engine/modelInfo';
import { SECTION, readSettings } from './settings';
import { UntrustedModelNotice, modelPathSetting } from './workspaceTrust';

export type ModelState =
  | { kind: 'idle' }
  | { kind: 'loading'; dir: string }
  | { kind: 'ready'; info: ModelInfo }
  | { kind: 'busy'; info: ModelInfo; what: string }
  | { kind: 'error'; message: string; code?: string };

/** A failure to find or load the model: the user fixes it in the settings. */
export class ModelUnavailableError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'ModelUnavailableError';
  }
}

export interface LoadedModel {
  client: EngineClient;
  info: ModelInfo;
}

export class ModelManager implements vscode.Disposable {
  readonly output: vscode.LogOutputChannel;
  private readonly stateEmitter = new vscode.EventEmitter<ModelState>();
  /** Fires on every state change (loading, ready, busy, error, idle). */
  readonly onDidChangeState = this.stateEmitter.event;
  private readonly modelEmitter = new vscode.EventEmitter<ModelInfo | undefined>();
  /** Fires when a different model was loaded (or the model was dropped after a settings change). */
  readonly onDidChangeModel = this.modelEmitter.event;

  private _state: ModelState = { kind: 'idle' };
  private client: EngineClient | undefined;
  private loading: Promise<LoadedModel> | undefined;
  private loadedDir: string | undefined;
  /** The modelPath value the loaded model came from. */
  private loadedSetting: string | undefined;
  private busyCount = 0;
  /** The error the last crash of the worker was reported with. */
  private lastCrash: EngineError | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly untrustedNotice: UntrustedModelNotice;

  constructor(private readonly extensionUri: vscode.Uri) {
    this.output = vscode.window.createOutputChannel('Attention Lens', { log: true });
    this.disposables.push(
      this.output,
      this.stateEmitter,
      this.modelEmitter,
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${SECTION}.modelPath`)) void this.onModelPathChanged();
        else if (e.affectsConfiguration(`${SECTION}.engineThreads`)) void this.onThreadsChanged();
      }),
      // Trusted now: the workspace's own model path, if it has one, is the model to load.
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        if (modelPathSetting().value !== this.loadedSetting) void this.onModelPathChanged();
      }),
    );
    this.untrustedNotice = new UntrustedModelNotice(this.output);
  }

  get state(): ModelState {
    return this._state;
  }

  /** The folder the model is loaded from, per the setting (throws ModelUnavailableError). */
  resolveModelDir(): string {
    const { value: setting, ignored } = modelPathSetting();
    if (ignored !== undefined) this.untrustedNotice.tell(ignored);
    if (!setting) {
      const bundled = vscode.Uri.joinPath(this.extensionUri, 'media', 'model').fsPath;
      if (!existsSync(join(bundled, 'config.json')))
        throw new ModelUnavailableError(
          vscode.l10n.t('No model is bundled with this build (looked in {0}). Set "attentionLens.modelPath" to a folder holding config.json, model.safetensors and the tokenizer files.', bundled),
          'FILE_NOT_FOUND',
        );
      return bundled;
    }
    let dir = setting.startsWith('~/') ? join(homedir(), setting.slice(2)) : setting;
    if (!isAbsolute(dir)) {
      const folder = vscode.workspace.workspaceFolders?.[0];
      if (!folder)
        throw new ModelUnavailableError(
          vscode.l10n.t('"attentionLens.modelPath" is the relative path "{0}", but no workspace folder is open to resolve it against. Use an absolute path.', setting),
          'FILE_NOT_FOUND',
        );
      dir = join(folder.uri.fsPath, dir);
    }
    if (!existsSync(dir) || !statSync(dir).isDirectory())
      throw new ModelUnavailableError(vscode.l10n.t('The model folder "{0}" (from "attentionLens.modelPath") does not exist.', dir), 'FILE_NOT_FOUND');
    return dir;
  }

  /** The engine with the model loaded; loads it on first use. Throws ModelUnavailableError. */
  async ensureLoaded(): Promise<LoadedModel> {
    if (this.client && this._state.kind !== 'error' && this.loadedDir && !this.loading) {
      const info = this.currentInfo();
      if (info) return { client: this.client, info };
    }
    if (!this.loading) {
      this.loading = this.load().finally(() => {
        this.loading = undefined;
      });
    }
    return this.loading;
  }

  /** Runs `fn` with the loaded model, showing "busy" meanwhile. */
  async withModel<T>(what: string, fn: (m: LoadedModel) => Promise<T>): Promise<T> {
    const m = await this.ensureLoaded();
    this.busyCount++;
    this.setState({ kind: 'busy', info: m.info, what });
    try {
      return await fn(m);
    } finally {
      this.busyCount--;
      if (this.busyCount === 0 && this._state.kind === 'busy') this.setState({ kind: 'ready', info: m.info });
    }
  }

  dispose(): void {
    void this.client?.dispose();
    this.client = undefined;
    for (const d of this.disposables) d.dispose();
  }

  private currentInfo(): ModelInfo | undefined {
    const s = this._state;
    return s.kind === 'ready' || s.kind === 'busy' ? s.info : undefined;
  }

  private async load(): Promise<LoadedModel> {
    let dir: string;
    try {
      dir = this.resolveModelDir();
    } catch (err) {
      const e = err as ModelUnavailableError;
      this.output.error(e.message);
      this.setState({ kind: 'error', message: e.message, code: e.code });
      throw e;
    }
    this.setState({ kind: 'loading', dir });
    this.output.info(`Loading the model from ${dir}`);
    const started = Date.now();
    try {
      const client = await this.getClient();
      const info = await client.load(dir);
      this.loadedDir = dir;
      this.loadedSetting = modelPathSetting().value;
      this.output.info(
        `Loaded "${info.name}": ${info.config.nLayer} layers × ${info.config.nHead} heads, d=${info.config.nEmbd}, ` +
          `${info.numParams.toLocaleString('en-US')} parameters, context ${info.contextLength}, ` +
          `${info.threads === 1 ? 'one thread' : `split over ${info.threads} threads`} (${Date.now() - started} ms)`,
      );
      this.setState({ kind: 'ready', info });
      this.modelEmitter.fire(info);
      return { client, info };
    } catch (err) {
      const e = EngineError.from(err);
      const message = `Could not load the model from "${dir}": ${e.message}`;
      this.output.error(`${message} [${e.code}]`);
      this.setState({ kind: 'error', message, code: e.code });
      this.loadedDir = undefined;
      throw new ModelUnavailableError(message, e.code);
    }
  }

  private async getClient(): Promise<EngineClient> {
    if (this.client) return this.client;
    // Loaded here, not at the top of the file: the extension activates without the engine.
    const { EngineClient } = await import('../engine/client');
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist').fsPath;
    const threads = readSettings().engineThreads;
    const client = EngineClient.start({ workerPath: join(dist, 'engine-worker.js'), wasmDir: dist, threads: threads > 0 ? threads : undefined });
    client.onDidCrash = (err) => this.reportCrash(err);
    this.client = client;
    return client;
  }

  /** True for the error a crash was reported with (every call then out rejected with it): say nothing more. */
  wasReported(err: unknown): boolean {
    return err !== undefined && err === this.lastCrash;
  }

  /**
   * The worker stopped (a fatal error, or out of memory): said once, here — in the log, the status
   * bar and one notification; every call then out rejects with this error (see wasReported). The
   * next command loads the model again on a new worker.
   */
  private reportCrash(err: EngineError): void {
    this.lastCrash = err;
    this.output.error(`The engine stopped: ${err.message} [${err.code}]`);
    this.loadedDir = undefined; // the next ensureLoaded loads it again, on a new worker
    const message =
      err.code === 'OUT_OF_MEMORY'
        ? vscode.l10n.t('The engine ran out of memory and stopped; the next command starts it again with the model.')
        : vscode.l10n.t('The engine stopped unexpectedly; the next command starts it again with the model.');
    this.setState({ kind: 'error', message, code: err.code });
    const logLabel = vscode.l10n.t('Show Log');
    void vscode.window.showErrorMessage(vscode.l10n.t('Attention Lens: {0}', message), logLabel).then((a) => {
      if (a === logLabel) this.output.show(true);
    });
  }

  private async onModelPathChanged(): Promise<void> {
    this.output.info(`"attentionLens.modelPath" is now "${modelPathSetting().value || '(bundled model)'}"`);
    await this.reload();
  }

  /** Drops the loaded model and, if one was loaded (or failed to), loads the one the settings name. */
  private async reload(): Promise<void> {
    const wasLoaded = this.loadedDir !== undefined || this._state.kind === 'error';
    this.loadedDir = undefined;
    if (this.loading) await this.loading.catch(() => undefined);
    this.loadedDir = undefined;
    this.setState({ kind: 'idle' });
    this.modelEmitter.fire(undefined);
    if (wasLoaded) await this.ensureLoaded().catch(() => undefined);
  }

  /** A new thread count needs a new engine: the old one is shut down and the model loaded again if it was. */
  private async onThreadsChanged(): Promise<void> {
    this.output.info(`"attentionLens.engineThreads" changed to ${readSettings().engineThreads || 'automatic'}`);
    if (this.loading) await this.loading.catch(() => undefined);
    const old = this.client;
    this.client = undefined;
    await old?.dispose();
    await this.reload();
  }

  private setState(s: ModelState): void {
    this._state = s;
    this.stateEmitter.fire(s);
  }
}
