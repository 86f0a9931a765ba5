// The text of a download's progress notification: the file and its bytes, the whole download's
// bytes, the speed over the last seconds and the time left; and the question asked before a large
// download or one that will not run here. No vscode here (the strings come
// through the `l10n` given), so that mocha tests it with a clock of its own.
import { formatBytes, type PullPlan, type PullProgress } from '../hub/pull';

export interface L10n {
  t(message: string, ...args: Array<string | number | boolean>): string;
}

/** "4.2 MiB/s". */
export function formatSpeed(bytesPerSecond: number): string {
  return `${formatBytes(Math.round(bytesPerSecond))}/s`;
}

/** "45 s", "3 min 05 s", "1 h 02 min" (rounded up to the second). */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

export interface ProgressStep {
  message: string;
  /** Percent of the whole download since the last step (for Progress.report's increment). */
  increment: number;
}

/**
 * Turns pull's progress events into notification steps: the speed is measured over the last
 * `windowMs` (5 s), so that it follows a connection that slows down; steps come at most every
 * `everyMs` (250 ms), except when the file changes or the download ends.
 */
export class DownloadMeter {
  private samples: { t: number; bytes: number }[] = [];
  private reportedPercent = 0;
  private lastStep = Number.NEGATIVE_INFINITY;
  private lastFile = '';

  constructor(
    private readonly l10n: L10n,
    private readonly now: () => number = () => Date.now(),
    private readonly windowMs = 5000,
    private readonly everyMs = 250,
  ) {}

  /** Bytes per second over the window; undefined until a second of samples exists. */
  speed(): number | undefined {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.t - first.t < 1000) return undefined;
    return ((last.bytes - first.bytes) * 1000) / (last.t - first.t);
  }

  /** The step to report for `p`, or undefined when one was reported less than everyMs ago. */
  update(p: PullProgress): ProgressStep | undefined {
    const t = this.now();
    this.samples.push({ t, bytes: p.doneBytes });
    while (this.samples.length > 2 && t - this.samples[1].t >= this.windowMs) this.samples.shift();
    const done = p.doneBytes >= p.totalBytes;
    if (!done && p.file === this.lastFile && t - this.lastStep < this.everyMs) return undefined;
    this.lastStep = t;
    this.lastFile = p.file;
    const percent = p.totalBytes > 0 ? Math.min(100, (100 * p.doneBytes) / p.totalBytes) : 100;
    const increment = percent - this.reportedPercent;
    this.reportedPercent = percent;
    return { message: this.message(p), increment };
  }

  private message(p: PullProgress): string {
    const file = this.l10n.t('{0}: {1} of {2}', p.file, formatBytes(p.fileBytes), formatBytes(p.fileSize));
    const total = this.l10n.t('total {0} of {1}', formatBytes(p.doneBytes), formatBytes(p.totalBytes));
    const speed = this.speed();
    if (speed === undefined) return `${file} · ${total} · ${this.l10n.t('measuring speed…')}`;
    const left = speed > 0 ? this.l10n.t('{0} left', formatDuration((p.totalBytes - p.doneBytes) / speed)) : this.l10n.t('stalled');
    return `${file} · ${total} · ${formatSpeed(speed)} · ${left}`;
  }
}

/** Downloads larger than this are confirmed first. */
export const LARGE_DOWNLOAD = 1024 ** 3;

/**
 * What to ask before downloading per `plan` (its size against the free disk, and whether the
 * model runs and fits here), or undefined when nothing needs asking: under LARGE_DOWNLOAD, runs, fits.
 */
export function planQuestion(plan: PullPlan, l10n: L10n): string | undefined {
  const problems: string[] = [];
  if (!plan.supported) problems.push(l10n.t('Attention Lens cannot run it: {0}', plan.reason ?? plan.architecture ?? '?'));
  else if (plan.fits === false) problems.push(l10n.t('It is too big for this machine: {0}', plan.memoryNote ?? ''));
  if (problems.length === 0 && plan.toDownload <= LARGE_DOWNLOAD) return undefined;
  const free = Number.isFinite(plan.freeBytes) ? formatBytes(plan.freeBytes) : '?';
  return [l10n.t('{0}: {1} to download ({2} free on the disk).', plan.repo, formatBytes(plan.toDownload), free), ...problems].join('\n');
}
