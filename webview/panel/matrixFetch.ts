// The full matrices of the current run in the panel: the ones here (dequantised), and the one
// asked for. Only one request is out at a time: asking for another matrix cancels it (the user
// opened that one first), and a new run forgets everything.
import { sourceKey, type MatrixSource } from '../../src/shared/matrixSource';
import { dequantize, reviveQuantized } from '../../src/shared/quantize';
import { host } from './api';

export class MatrixFetch {
  private runId = -1;
  private readonly here = new Map<string, Float32Array>();
  private pending: { key: string; cancel: AbortController } | undefined;

  /** `arrived` runs when a matrix asked for is here (its source's key). */
  constructor(private readonly arrived: (key: string) => void) {}

  /** A new run: what was here or asked for belongs to the run before. */
  setRun(runId: number): void {
    this.runId = runId;
    this.here.clear();
    this.pending?.cancel.abort();
    this.pending = undefined;
  }

  get(source: MatrixSource): Float32Array | undefined {
    return this.here.get(sourceKey(source));
  }

  /** Asks the host for `source`'s matrix unless it is here or already asked for. */
  want(source: MatrixSource): void {
    const key = sourceKey(source);
    if (this.runId < 0 || this.here.has(key) || this.pending?.key === key) return;
    this.pending?.cancel.abort();
    const pending = { key, cancel: new AbortController() };
    this.pending = pending;
    const runId = this.runId;
    host.request('matrix', { runId, source }, { signal: pending.cancel.signal }).then(
      (m) => {
        if (this.pending === pending) this.pending = undefined;
        if (runId !== this.runId) return; // an older run: dropped
        performance.mark('al:matrix-reply');
        this.here.set(key, dequantize(reviveQuantized(m.matrix)));
        this.arrived(key);
      },
      () => {
        // Cancelled (superseded), or the host failed: it shows the failure itself.
        if (this.pending === pending) this.pending = undefined;
      },
    );
  }
}
