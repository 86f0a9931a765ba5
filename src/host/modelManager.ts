// One engine for the whole extension: starts the worker and loads the model on first use, reloads
// when `attentionLens.modelPath` changes, switches models for the model picker (the old model stays
// until the new one has loaded, and stays if it fails: modelSwap.ts), reports its state (for the
// status bar) and logs what happened to the "Attention Lens" output channel. The engine (and so
// tfjs) is only touched on first use, which keeps activation fast.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import * as vscode from 'vscode';
import type { EngineClient } from '../engine/client';
import { EngineError } from '../engine/errors';
import type { ModelInfo } from '../engine/modelInfo';
import { encDecFamilyOf } from '../engine/encdec/encdecConfig';
import type { EncDecInfo } from '../engine/encdec/encdecInfo';
import { resolveCached } from '../hub/cacheRead';
import { hubCacheDir } from '../hub/cachePaths';
import { HubError } from '../hub/errors';
import { parseModelSetting, repoSetting } from './modelSource';
import { ModelSwap, type Slot } from './modelSwap';
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
  private readonly swap: ModelSwap<ModelInfo>;
  /** The load of what the settings name, shared by everyone who asks meanwhile. */
  private settingLoad: Promise<LoadedModel> | undefined;
  /** The value a switch wrote to the setting: its change event is no new choice. */
  private writtenSetting: string | undefined;
  /** Snapshot folder → repo id, to name a model whose config names none by its repo, not its commit. */
  private readonly repoNames = new Map<string, string>();
  private loadStarted = 0;
  private busyCount = 0;
  /** The error the last crash of the worker was reported with. */
  private lastCrash: EngineError | undefined;
  /** The encoder–decoder model the worker holds instead of the swap's (one model at a time). */
  private encdec: EncDecInfo | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly untrustedNotice: UntrustedModelNotice;

  constructor(private readonly extensionUri: vscode.Uri) {
    this.output = vscode.window.createOutputChannel('Attention Lens', { log: true });
    this.untrustedNotice = new UntrustedModelNotice(this.output);
    this.swap = new ModelSwap<ModelInfo>((dir) => this.loadInEngine(dir), {
      loading: (dir) => {
        this.loadStarted = Date.now();
        this.output.info(`Loading the model from ${dir}`);
        this.setState({ kind: 'loading', dir });
      },
      loaded: (slot) => this.onLoaded(slot),
      failed: (err, _dir, kept) => {
        const e = err as ModelUnavailableError;
        this.output.error(`${e.message} [${e.code ?? 'ERROR'}]${kept ? `; still using "${kept.info.name}"` : ''}`);
        if (kept) this.setState({ kind: 'ready', info: kept.info });
        else {
          this.setState({ kind: 'error', message: e.message, code: e.code });
          this.modelEmitter.fire(undefined);
        }
      },
    });
    this.disposables.push(
      this.output,
      this.stateEmitter,
      this.modelEmitter,
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${SECTION}.modelPath`)) void this.onModelPathChanged();
        else if (e.affectsConfiguration(`${SECTION}.engineThreads`) || e.affectsConfiguration(`${SECTION}.maxMemoryMB`)) void this.onThreadsChanged(); // both start a new engine
      }),
      // Trusted now: the workspace's own model path, if it has one, is the model to load.
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.reload()),
    );
  }

  get state(): ModelState {
    return this._state;
  }

  /** The bundled model's folder (media/model), or undefined when this build has none. */
  bundledDir(): string | undefined {
    const bundled = vscode.Uri.joinPath(this.extensionUri, 'media', 'model').fsPath;
    return existsSync(join(bundled, 'config.json')) ? bundled : undefined;
  }

  /**
   * The folder a modelPath value names (the setting by default): a folder, or a repo id resolved
   * through the Hugging Face cache (offline). Throws ModelUnavailableError. By default the setting
   * as it may be used now: a workspace's value is set aside in Restricted Mode (workspaceTrust.ts).
   */
  resolveModelDir(setting?: string): string {
    if (setting === undefined) {
      const trusted = modelPathSetting();
      if (trusted.ignored !== undefined) this.untrustedNotice.tell(trusted.ignored);
      setting = trusted.value;
    }
    const source = parseModelSetting(setting, { home: homedir(), workspaceDir: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath, exists: existsSync });
    if (source.kind === 'bundled') {
      const bundled = this.bundledDir();
      if (!bundled)
        throw new ModelUnavailableError(
          vscode.l10n.t('No model is bundled with this build (looked in {0}). Set "attentionLens.modelPath" to a folder holding config.json, model.safetensors and the tokenizer files.', vscode.Uri.joinPath(this.extensionUri, 'media', 'model').fsPath),
          'FILE_NOT_FOUND',
        );
      return bundled;
    }
    if (source.kind === 'relative')
      throw new ModelUnavailableError(
        vscode.l10n.t('"attentionLens.modelPath" is the relative path "{0}", but no workspace folder is open to resolve it against. Use an absolute path.', setting),
        'FILE_NOT_FOUND',
      );
    if (source.kind === 'repo') {
      try {
        const snapshot = resolveCached(source.ref, hubCacheDir());
        this.repoNames.set(snapshot.path, repoSetting(source.ref));
        return snapshot.path;
      } catch (err) {
        if (err instanceof HubError) throw new ModelUnavailableError(err.message, err.code);
        throw err;
      }
    }
    const dir = source.dir;
    if (!existsSync(dir) || !statSync(dir).isDirectory())
      throw new ModelUnavailableError(vscode.l10n.t('The model folder "{0}" (from "attentionLens.modelPath") does not exist.', dir), 'FILE_NOT_FOUND');
    return dir;
  }

  /** The engine with the model loaded; loads it on first use. Throws ModelUnavailableError. */
  async ensureLoaded(): Promise<LoadedModel> {
    if (this.swap.busy) await this.swap.idle();
    const current = this.swap.current;
    if (this.client && current && this._state.kind !== 'error') return { client: this.client, info: current.info };
    return this.loadSettingOnce();
  }

  /**
   * Switch Model: loads what `setting` names while the current model stays in use, then stores
   * the setting. A failure keeps the current model and leaves the setting as it was (throws
   * ModelUnavailableError).
   */
  async switchTo(setting: string): Promise<ModelInfo> {
    await this.swap.idle();
    const dir = this.resolveModelDir(setting);
    const current = this.swap.current;
    if (!(this.client && current?.dir === dir && this._state.kind !== 'error')) {
      this.output.info(`Switching to "${setting || '(bundled model)'}"`);
      await this.swap.load(dir, { keep: true });
    }
    if (readSettings().modelPath !== setting) {
      this.writtenSetting = setting;
      await writeModelPath(setting);
    }
    return this.swap.current!.info;
  }

  /** Whether the settings name an encoder–decoder model (MarianMTModel, T5ForConditionalGeneration); reads config.json only. */
  settingIsEncDec(): boolean {
    try {
      return encDecFamilyOf(JSON.parse(readFileSync(join(this.resolveModelDir(), 'config.json'), 'utf8'))) !== undefined;
    } catch {
      return false; // the load says what is wrong
    }
  }

  /**
   * The engine with the encoder–decoder model the settings name, loaded in place of a decoder-only
   * one (the worker holds one model). Throws ModelUnavailableError.
   */
  async ensureEncDec(): Promise<{ client: EngineClient; info: EncDecInfo }> {
    await this.swap.idle();
    const dir = this.resolveModelDir();
    if (!this.settingIsEncDec())
      throw new ModelUnavailableError(
        vscode.l10n.t('"{0}" is not an encoder–decoder (translation) model: set "attentionLens.modelPath" to a MarianMTModel or T5ForConditionalGeneration folder.', dir),
        'BAD_CONFIG',
      );
    const client = await this.getClient();
    if (this.encdec?.dir === dir && this._state.kind !== 'error') return { client, info: this.encdec };
    this.swap.forget();
    this.setState({ kind: 'loading', dir });
    try {
      this.encdec = await client.loadEncDec(dir);
    } catch (err) {
      const e = EngineError.from(err);
      const message = `Could not load the model from "${dir}": ${e.message}`;
      this.setState({ kind: 'error', message, code: e.code });
      throw new ModelUnavailableError(message, e.code);
    }
    const i = this.encdec;
    this.output.info(`Loaded "${i.name}" (${i.architecture}): ${i.encoderLayers} + ${i.decoderLayers} layers × ${i.nHead} heads, d=${i.dModel}, ${i.numParams.toLocaleString('en-US')} parameters, one thread`);
    this.setState({ kind: 'idle' });
    this.modelEmitter.fire(undefined);
    return { client, info: i };
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

  /** Loads the model the settings name (a failure drops any model: the error shows). */
  private async loadSetting(): Promise<LoadedModel> {
    let dir: string;
    try {
      dir = this.resolveModelDir();
    } catch (err) {
      const e = err as ModelUnavailableError;
      this.output.error(e.message);
      this.swap.forget();
      this.setState({ kind: 'error', message: e.message, code: e.code });
      throw e;
    }
    const slot = await this.swap.load(dir, { keep: false });
    return { client: this.client!, info: slot.info };
  }

  /** The engine's load, its failure as a ModelUnavailableError that names the folder. */
  private async loadInEngine(dir: string): Promise<ModelInfo> {
    try {
      const client = await this.getClient();
      const info = await client.load(dir);
      this.encdec = undefined; // the worker dropped it
      const repo = this.repoNames.get(dir);
      // A snapshot folder is named by its commit: a config without a name is named by its repo.
      return repo && info.name === basename(dir) ? { ...info, name: repo } : info;
    } catch (err) {
      const e = EngineError.from(err);
      throw new ModelUnavailableError(`Could not load the model from "${dir}": ${e.message}`, e.code);
    }
  }

  private onLoaded({ info }: Slot<ModelInfo>): void {
    this.output.info(
      `Loaded "${info.name}": ${info.config.nLayer} layers × ${info.config.nHead} heads, d=${info.config.nEmbd}, ` +
        `${info.numParams.toLocaleString('en-US')} parameters, context ${info.contextLength}, ` +
        `${info.threads === 1 ? 'one thread' : `split over ${info.threads} threads`} (${Date.now() - this.loadStarted} ms)`,
    );
    this.setState({ kind: 'ready', info });
    this.modelEmitter.fire(info);
  }

  private async getClient(): Promise<EngineClient> {
    if (this.client) return this.client;
    // Loaded here, not at the top of the file: the extension activates without the engine.
    const { EngineClient } = await import('../engine/client');
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist').fsPath;
    const { engineThreads: threads, maxMemoryMB } = readSettings();
    const client = EngineClient.start({ workerPath: join(dist, 'engine-worker.js'), wasmDir: dist, threads: threads > 0 ? threads : undefined, ...(maxMemoryMB > 0 ? { maxMemoryMB } : {}) });
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
   * error state makes the next command load the model again, on a new worker (ensureLoaded).
   */
  private reportCrash(err: EngineError): void {
    this.lastCrash = err;
    this.output.error(`The engine stopped: ${err.message} [${err.code}]`);
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
    const setting = modelPathSetting().value;
    if (this.writtenSetting !== undefined && setting === this.writtenSetting) {
      this.writtenSetting = undefined; // Switch Model wrote it, after loading the model
      return;
    }
    this.writtenSetting = undefined;
    this.output.info(`"attentionLens.modelPath" changed to "${setting || '(bundled model)'}"`);
    await this.reload();
  }

  /**
   * The settings name another model: if one was loaded (or failed to), load the new one. The
   * current model stays on show until then; a failure drops it, so that the error shows.
   */
  private async reload(): Promise<void> {
    if (this.settingLoad) await this.settingLoad.catch(() => undefined);
    await this.swap.idle();
    const wasLoaded = this.swap.current !== undefined || this._state.kind === 'error';
    if (!wasLoaded) return;
    if (this.swap.current) {
      let dir: string | undefined;
      try {
        dir = this.resolveModelDir();
      } catch {
        // loadSetting reports it
      }
      if (dir === this.swap.current.dir) return;
    }
    await this.loadSettingOnce().catch(() => undefined);
  }

  /** loadSetting, once for everyone who asks meanwhile. */
  private loadSettingOnce(): Promise<LoadedModel> {
    if (!this.settingLoad) {
      this.settingLoad = this.loadSetting().finally(() => {
        this.settingLoad = undefined;
      });
    }
    return this.settingLoad;
  }

  /** A new thread count needs a new engine: the old one is shut down and the model loaded again if it was. */
  private async onThreadsChanged(): Promise<void> {
    this.output.info(`"attentionLens.engineThreads" changed to ${readSettings().engineThreads || 'automatic'}`);
    if (this.settingLoad) await this.settingLoad.catch(() => undefined);
    await this.swap.idle();
    const wasLoaded = this.swap.current !== undefined || this._state.kind === 'error';
    const old = this.client;
    this.client = undefined;
    this.swap.forget();
    await old?.dispose();
    this.setState({ kind: 'idle' });
    this.modelEmitter.fire(undefined);
    if (wasLoaded) await this.ensureLoaded().catch(() => undefined);
  }

  private setState(s: ModelState): void {
    this._state = s;
    this.stateEmitter.fire(s);
  }
}

/**
 * Stores modelPath where it takes effect: in the workspace when the workspace sets it (a global
 * value would be shadowed), else in the user settings.
 */
function writeModelPath(value: string): Thenable<void> {
  const c = vscode.workspace.getConfiguration(SECTION);
  const i = c.inspect<string>('modelPath');
  const inWorkspace = i?.workspaceFolderValue !== undefined || i?.workspaceValue !== undefined;
  return c.update('modelPath', value, inWorkspace ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global);
}
