// Who still needs an engine run. The attention panel and the Layer Stepper can show the same
// analysis: each takes a hold on the run, and the engine forgets it only when the last hold is let
// go. No vscode import: plain values, tested in plain Node.
import type { EngineClient } from '../engine/client';

type Engine = Pick<EngineClient, 'release'>;

/** One holder's claim on an engine run. */
export interface RunHold {
  readonly runId: number;
  /** Lets go of this hold (once; later calls do nothing). The last one releases the run in the engine. */
  release(): Promise<void>;
}

export class RunHolds {
  /** Per engine (a reloaded model is a new engine with its own run ids): run id → holds. */
  private readonly counts = new WeakMap<Engine, Map<number, number>>();

  /** Takes a hold on run `runId` of `engine`. */
  hold(engine: Engine, runId: number): RunHold {
    let runs = this.counts.get(engine);
    if (!runs) {
      runs = new Map();
      this.counts.set(engine, runs);
    }
    const held = runs;
    held.set(runId, (held.get(runId) ?? 0) + 1);
    let released = false;
    return {
      runId,
      release: async () => {
        if (released) return;
        released = true;
        const left = (held.get(runId) ?? 1) - 1;
        if (left > 0) {
          held.set(runId, left);
          return;
        }
        held.delete(runId);
        await engine.release(runId).catch(() => undefined);
      },
    };
  }

  /** How many holds run `runId` of `engine` has now. */
  count(engine: Engine, runId: number): number {
    return this.counts.get(engine)?.get(runId) ?? 0;
  }
}
