// `pull REPO_ID[@REV]`: downloads a model into the Hugging Face cache (src/hub/pull.ts); progress on
// stderr, then ONE JSON line {"repo","revision","commit","path"} on stdout.
import { pull, type PullProgress } from '../hub/pull';
import { CliError, parseFlagsWithPositionals } from './args';
import { USAGE } from './usage';

const FLAGS = {
  'cache-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function mib(n: number): string {
  return `${(n / 1048576).toFixed(1)} MiB`;
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/**
 * A progress writer: at most a line per 500 ms (and each file's last), with the overall speed
 * since the first byte and the time left at that speed.
 */
export function progressLines(write: (line: string) => void, now: () => number = Date.now): (p: PullProgress) => void {
  let last = 0;
  let start: { t: number; bytes: number } | undefined;
  return (p) => {
    const t = now();
    start ??= { t, bytes: p.doneBytes };
    const fileDone = p.fileBytes === p.fileSize;
    if (!fileDone && t - last < 500) return;
    last = t;
    const speed = ((p.doneBytes - start.bytes) / Math.max(t - start.t, 1)) * 1000;
    const left = speed > 0 ? (p.totalBytes - p.doneBytes) / speed : Infinity;
    write(`${p.file}: ${mib(p.fileBytes)} / ${mib(p.fileSize)} (all: ${mib(p.doneBytes)} / ${mib(p.totalBytes)}, ${mib(speed)}/s, ${duration(left)} left)\n`);
  };
}

export async function pullCommand(argv: string[]): Promise<void> {
  const { values: v, positionals } = parseFlagsWithPositionals('pull', argv, FLAGS);
  if (v.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (positionals.length !== 1) throw new CliError('pull: expected one repo id (org/name or org/name@revision; see --help)');
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    const result = await pull(positionals[0], {
      ...(v['cache-dir'] ? { cacheDir: v['cache-dir'] } : {}),
      signal: controller.signal,
      onPlan: (plan) => {
        if (!plan.supported) process.stderr.write(`warning: ${plan.repo}: Attention Lens cannot run it: ${plan.reason ?? 'unsupported'}\n`);
        if (plan.fits === false) process.stderr.write(`warning: ${plan.repo}: it will not load on this machine: ${plan.memoryNote ?? 'too large'}\n`);
        return true;
      },
      onProgress: progressLines((line) => process.stderr.write(line)),
    });
    process.stdout.write(`${JSON.stringify({ repo: result.repo, revision: result.revision, commit: result.commit, path: result.path })}\n`);
  } finally {
    process.off('SIGINT', onSigint);
  }
}
