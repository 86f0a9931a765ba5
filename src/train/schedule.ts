// Learning-rate schedule: linear warm-up from 0 to `lr` over `warmupSteps`, then cosine decay to
// `minLr` at `totalSteps` (nanoGPT's get_lr). Steps are 1-based: step 1 is the first update.

export interface ScheduleOptions {
  lr: number;
  minLr: number;
  warmupSteps: number;
  totalSteps: number;
}

export function learningRate(step: number, o: ScheduleOptions): number {
  if (o.warmupSteps > 0 && step <= o.warmupSteps) return (o.lr * step) / o.warmupSteps;
  if (step >= o.totalSteps) return o.minLr;
  const span = Math.max(1, o.totalSteps - o.warmupSteps);
  const progress = (step - o.warmupSteps) / span; // 0 → 1
  return o.minLr + 0.5 * (1 + Math.cos(Math.PI * progress)) * (o.lr - o.minLr);
}
