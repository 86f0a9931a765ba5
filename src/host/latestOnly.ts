// "Only the newest run counts": each start cancels the one before (its AbortSignal aborts) and
// makes its ticket stale, so a slow answer for an older run is dropped. The attention panel and the
// Layer Stepper both run analyses this way. No vscode import.

export interface RunTicket {
  readonly seq: number;
  readonly signal: AbortSignal;
}

export class LatestOnly {
  private seq = 0;
  private abort: AbortController | undefined;

  /** Starts a run: the one before is aborted and stops being current. */
  start(): RunTicket {
    this.abort?.abort();
    const abort = new AbortController();
    this.abort = abort;
    return { seq: ++this.seq, signal: abort.signal };
  }

  /** True while no run (and no cancel) has come after `ticket`. */
  isCurrent(ticket: RunTicket | number): boolean {
    return (typeof ticket === 'number' ? ticket : ticket.seq) === this.seq;
  }

  /** True before the first start. */
  get idle(): boolean {
    return this.seq === 0;
  }

  /** The current run's seq (to check later with isCurrent, for work that does not abort). */
  get current(): number {
    return this.seq;
  }

  /** Takes a seq without a signal of its own: what was running is aborted and stale. */
  bump(): number {
    this.abort?.abort();
    this.abort = undefined;
    return ++this.seq;
  }

  /** Cancels the current run (e.g. on dispose). */
  cancel(): void {
    this.bump();
  }
}
