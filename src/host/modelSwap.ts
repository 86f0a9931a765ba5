// Which model is loaded, and the move to another: the loaded model stays in use (and on show)
// until the new one has loaded; a switch that fails keeps it (the engine worker keeps its session
// when a load fails), while a load the settings asked for drops it, so that the error shows. Loads
// run one at a time. No vscode here, so that mocha tests it; ModelManager gives the load and
// turns the hooks into states and events.

export interface Slot<I> {
  dir: string;
  info: I;
}

export interface SwapHooks<I> {
  /** A load of `dir` started (the current model, if any, is still there). */
  loading(dir: string): void;
  loaded(slot: Slot<I>): void;
  /** A load failed; `kept` is the model still in use, if the switch kept it. */
  failed(err: unknown, dir: string, kept: Slot<I> | undefined): void;
}

export class ModelSwap<I> {
  private _current: Slot<I> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private pendingCount = 0;

  constructor(
    private readonly loadDir: (dir: string) => Promise<I>,
    private readonly hooks: SwapHooks<I>,
  ) {}

  /** The model in use, or undefined. */
  get current(): Slot<I> | undefined {
    return this._current;
  }

  /** A load is running or queued. */
  get busy(): boolean {
    return this.pendingCount > 0;
  }

  /** Resolves once every queued load has settled. */
  idle(): Promise<void> {
    return this.queue.then(() => undefined);
  }

  /**
   * Loads `dir` after the loads queued before it. The current model is in use until it has loaded;
   * on failure, `keep` keeps it as the current model (a switch), else it is dropped (the settings
   * name a model that cannot load: that error must show). Rejects with the load's error.
   */
  load(dir: string, opts: { keep: boolean }): Promise<Slot<I>> {
    this.pendingCount++;
    const run = this.queue.then(async () => {
      const before = this._current;
      this.hooks.loading(dir);
      try {
        const slot = { dir, info: await this.loadDir(dir) };
        this._current = slot;
        this.hooks.loaded(slot);
        return slot;
      } catch (err) {
        const kept = opts.keep ? before : undefined;
        this._current = kept;
        this.hooks.failed(err, dir, kept);
        throw err;
      } finally {
        this.pendingCount--;
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Forgets the current model (its engine was shut down). */
  forget(): void {
    this._current = undefined;
  }
}
