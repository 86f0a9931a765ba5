// One download of a blob at a time: two VS Code windows, or the CLI and the extension, that fetch
// the same repo must not write the same `blobs/{etag}.incomplete` together. Python's huggingface_hub
// takes `{cache}/.locks/models--org--name/{etag}.lock` with flock(2) (the filelock package); Node
// has no flock and no well-kept lock library is among our dependencies, so this is our own
// exclusive-create lock beside Python's: `{etag}.node.lock`, created with O_EXCL, holding who took
// it ({pid, host, at}) and touched every few seconds while held. A lock whose holder is gone (same
// host, no such pid) or that nobody touched for `staleMs` is stale and taken over. A Python
// download running at the same moment is not seen (its flock is invisible here).
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { HubError } from './errors';
import { repoFolderName } from './repoRef';

export interface LockOptions {
  /** A lock untouched this long is stale (its holder hung or its machine died). Default 30 s. */
  staleMs?: number;
  /** How often a waiter looks again. Default 250 ms. */
  pollMs?: number;
  signal?: AbortSignal;
  /** Called once when the lock is held by someone else and we wait for it. */
  onWait?: (holder: LockHolder | undefined) => void;
}

export interface LockHolder {
  pid: number;
  host: string;
  at: number;
  /** Tells our own lock from a later one at the same path. */
  nonce: string;
}

/** The lock file for blob `etag` of `repo` in `cacheDir`. */
export function blobLockPath(cacheDir: string, repo: string, etag: string): string {
  return path.join(cacheDir, '.locks', repoFolderName(repo), `${etag}.node.lock`);
}

function readHolder(file: string): LockHolder | undefined {
  try {
    const h = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockHolder>;
    return typeof h.pid === 'number' && typeof h.host === 'string' && typeof h.nonce === 'string' ? (h as LockHolder) : undefined;
  } catch {
    return undefined; // gone, or being written: judged by its age alone
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}

/** Whether the lock at `file` may be taken over; false when it vanished meanwhile (just retry). */
function isStale(file: string, staleMs: number): boolean {
  let mtimeMs: number;
  try {
    mtimeMs = fs.statSync(file).mtimeMs;
  } catch {
    return false;
  }
  const holder = readHolder(file);
  if (holder && holder.host === hostname() && holder.pid !== process.pid && !processAlive(holder.pid)) return true;
  return Date.now() - mtimeMs > staleMs;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Takes the lock at `file`, waiting while another process holds it; resolves to its release.
 * A cancel while waiting throws HubError CANCELLED.
 */
export async function acquireLock(file: string, opts: LockOptions = {}): Promise<() => void> {
  const staleMs = opts.staleMs ?? 30_000;
  const pollMs = opts.pollMs ?? 250;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const me: LockHolder = { pid: process.pid, host: hostname(), at: Date.now(), nonce: randomBytes(8).toString('hex') };
  let waited = false;
  for (;;) {
    if (opts.signal?.aborted) throw new HubError('CANCELLED', `cancelled while waiting for another download (${file})`);
    try {
      fs.writeFileSync(file, JSON.stringify(me), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (isStale(file, staleMs)) {
      // Renamed away, not deleted: of two processes that both judged it stale, one rename fails.
      try {
        fs.renameSync(file, `${file}.stale-${me.nonce}`);
        fs.rmSync(`${file}.stale-${me.nonce}`, { force: true });
      } catch {
        // another process took it over first
      }
      continue;
    }
    if (!waited) {
      waited = true;
      opts.onWait?.(readHolder(file));
    }
    await sleep(pollMs, opts.signal);
  }
  // Touched while held, so that a waiter can tell a live lock from one left by a crash.
  const heartbeat = setInterval(() => {
    const now = new Date();
    try {
      fs.utimesSync(file, now, now);
    } catch {
      // taken over as stale (we were paused longer than staleMs); release will leave it be
    }
  }, Math.max(50, Math.floor(staleMs / 3)));
  heartbeat.unref();
  return () => {
    clearInterval(heartbeat);
    if (readHolder(file)?.nonce === me.nonce) fs.rmSync(file, { force: true });
  };
}
