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

/** A progress writer that prints at most a line per file per 500 ms (and each file's last). */
export function progressLines(write: (line: string) => void): (p: PullProgress) => void {
  let last = 0;
  return (p) => {
    const now = Date.now();
    const fileDone = p.fileBytes === p.fileSize;
    if (!fileDone && now - last < 500) return;
    last = now;
    write(`${p.file}: ${mib(p.fileBytes)} / ${mib(p.fileSize)} (all: ${mib(p.doneBytes)} / ${mib(p.totalBytes)})\n`);
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
      onProgress: progressLines((line) => process.stderr.write(line)),
    });
    process.stdout.write(`${JSON.stringify({ repo: result.repo, revision: result.revision, commit: result.commit, path: result.path })}\n`);
  } finally {
    process.off('SIGINT', onSigint);
  }
}
