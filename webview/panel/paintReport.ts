// Paint telemetry: tells the host, once per run and kind, that a heatmap of the run is on screen
// (the host logs the time from request to paint; bench:paint and the e2e read it).
import { PanelMessageType } from '../../src/shared/protocol';
import { send } from './api';

export type PaintedWhat = 'overview' | 'matrix';

export class PaintReport {
  /** What of the current run has been reported painted. */
  private readonly painted = new Set<PaintedWhat>();

  /** A new run: nothing of it painted yet. */
  reset(): void {
    this.painted.clear();
  }

  /**
   * The canvas was drawn in this task: the browser paints it before the next animation frame's
   * callbacks finish, and the message goes in the task after that frame, with the time (epoch ms)
   * it is sent.
   */
  report(runId: number | undefined, what: PaintedWhat): void {
    if (runId === undefined || this.painted.has(what)) return;
    this.painted.add(what);
    requestAnimationFrame(() =>
      setTimeout(() => {
        performance.mark(`al:painted-${what}`);
        send({ type: PanelMessageType.Painted, runId, what, at: performance.timeOrigin + performance.now() });
      }, 0),
    );
  }
}
