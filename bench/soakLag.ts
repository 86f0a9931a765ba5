// The soak benchmark's responsiveness part: how late the extension host's event loop runs while
// the engine works (perf_hooks.monitorEventLoopDelay on the thread that drives the worker, as the
// extension host's main thread does), during a GPT-2-small model load, Show Attention at T = 256
// (the panel's path, its thumbnails and heatmap made on this thread) and a long completion.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { EngineClient } from '../src/engine/client';
import { PanelPath, complete, prepare } from './soakWork';

export interface LagPhase {
  phase: string;
  /** The machine's own delay with this process idle: what the other phases are compared with, not judged. */
  baseline?: boolean;
  seconds: number;
  /** performance.eventLoopUtilization over the phase: the share of time this thread ran callbacks (our code), not waited. */
  utilization: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface LagReport {
  resolutionMs: number;
  phases: LagPhase[];
}

const RESOLUTION_MS = 5;

/** Runs `work` with a fresh event-loop delay histogram and reports it. */
async function timed(phase: string, work: () => Promise<unknown>): Promise<LagPhase> {
  const h = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  const t0 = performance.now();
  const elu0 = performance.eventLoopUtilization();
  h.enable();
  try {
    await work();
  } finally {
    h.disable();
  }
  const utilization = performance.eventLoopUtilization(elu0).utilization;
  const ms = (ns: number): number => ns / 1e6;
  return { phase, seconds: (performance.now() - t0) / 1000, utilization, p50Ms: ms(h.percentile(50)), p99Ms: ms(h.percentile(99)), maxMs: ms(h.max) };
}

/** The three phases on the model in `dir` (GPT-2 small), through a worker of its own. */
export async function measureLag(dir: string, dist: string): Promise<LagReport> {
  const client = EngineClient.start({ workerPath: join(dist, 'engine-worker.js'), wasmDir: dist });
  try {
    // The machine's own share: the same histogram while this process does nothing (a loaded machine
    // delays timers of an idle thread too; compare the phases with it).
    const phases: LagPhase[] = [{ ...(await timed('idle (the machine alone)', () => new Promise((r) => setTimeout(r, 10_000)))), baseline: true }];
    let info: Awaited<ReturnType<EngineClient['load']>> | undefined;
    phases.push(
      await timed('model load', async () => {
        info = await client.load(dir);
      }),
    );
    const w = await prepare(client, info!, 256);
    const panel = new PanelPath(w);
    await panel.show(0); // the first after the load (cold kernels) is timed too, below, with two more
    phases.push(
      await timed('Show Attention ×3, T = 256', async () => {
        for (let i = 1; i <= 3; i++) await panel.show(i);
      }),
    );
    phases.push(await timed('completion of 200 tokens', () => complete(w, 1, 200)));
    await panel.close();
    return { resolutionMs: RESOLUTION_MS, phases };
  } finally {
    await client.dispose();
  }
}
