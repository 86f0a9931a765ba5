// The panel's paint telemetry: how long after the user asked the run's first heatmaps (overview,
// head matrix) were on screen, once per run and kind, for the log (read by bench:paint and the e2e
// suite). No vscode import.
import type { PaintedMessage } from '../shared/protocol';

export class PaintClock {
  private clock: { runId: number; requestedAt: number; T: number; logged: Set<string> } | undefined;

  /** Run `runId` (of `T` tokens) was asked for at `requestedAt` (performance.now()). */
  start(runId: number, requestedAt: number, T: number): void {
    this.clock = { runId, requestedAt, T, logged: new Set() };
  }

  /**
   * The log line for a Painted message: undefined for another run or a kind already logged.
   * `now` and `timeOrigin` are the host's performance clock (parameters for the tests).
   */
  painted(m: Pick<PaintedMessage, 'runId' | 'what' | 'at'>, now = performance.now(), timeOrigin = performance.timeOrigin): string | undefined {
    const c = this.clock;
    if (!c || m.runId !== c.runId || c.logged.has(m.what)) return undefined;
    c.logged.add(m.what);
    const arrived = now - c.requestedAt;
    // The webview's time of the paint (epoch ms, its own clock: same machine) leaves out the
    // message's way back, which waits behind whatever the workbench does next; a time outside
    // [request, arrival] (clocks apart) falls back to the arrival.
    const painted = m.at !== undefined ? m.at - (timeOrigin + c.requestedAt) : NaN;
    const ms = painted >= 0 && painted <= arrived ? painted : arrived;
    return `Run ${m.runId}: ${m.what === 'overview' ? 'overview heatmaps' : 'head matrix'} painted ${ms.toFixed(0)} ms after the request (${c.T} tokens; the panel's message arrived at ${arrived.toFixed(0)} ms)`;
  }
}
