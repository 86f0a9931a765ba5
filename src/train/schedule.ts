// Learning-rate schedule: linear warm-up from 0 to `lr` over `warmupSteps`, then cosine decay to
// `minLr` at `totalSteps` (nanoGPT's get_lr). Steps are 1-based: step 1 is the first update.
// With `startStep` the whole schedule starts there (a warm restart: step startStep + 1 is the first
// warm-up step), for a training stage that continues a finished run.

export interface ScheduleOptions {
  lr: number;
  minLr: number;
  warmupSteps: number;
  totalSteps: number;
  /** The step the schedule starts after (default 0). */
  startStep?: number;
}

export function learningRate(globalStep: number, o: ScheduleOptions): number {
  const start = o.startStep ?? 0;
  const step = globalStep - start;
  const totalSteps = o.totalSteps - start;
  if (o.warmupSteps > 0 && step <= o.warmupSteps) return (o.lr * step) / o.warmupSteps;
  if (step >= totalSteps) return o.minLr;
  const span = Math.max(1, totalSteps - o.warmupSteps);
  const progress = (step - o.warmupSteps) / span; // 0 → 1
  return o.minLr + 0.5 * (1 + Math.cos(Math.PI * progress)) * (o.lr - o.minLr);
}
