// `pull`: a model's files from the Hub into the cache, in the layout Python's huggingface_hub
// writes (cacheRead.ts), so Python's from_pretrained(..., local_files_only=True) opens what we
// fetch and we open what it fetched. @huggingface/hub serves the metadata (modelInfo: the commit
// and the file list; pathsInfo: each file's size, git oid and LFS sha256, which name the blobs as
// Python's ETags do). Its cache-aware downloads do not serve (read in 2.17.5):
// snapshotDownload fetches every file of the repo (no choice of files, so *.bin pickles too);
// downloadFileToCacheDir restarts from byte 0 (it truncates the .incomplete, no Range), checks
// neither size nor sha256, reports no progress, takes no AbortSignal, and given a branch it files
// the file under the file's last commit instead of the repo's; neither reads HF_ENDPOINT or
// HF_TOKEN. So the bytes go through blobDownload.ts and the snapshot through snapshotLink.ts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { modelInfo, pathsInfo, type PathInfo } from '@huggingface/hub';
import { resolveCached, type CachedSnapshot } from './cacheRead';
import { hubCacheDir, hubEndpoint, hubToken, isOffline, type Env } from './cachePaths';
import { downloadBlob } from './blobDownload';
import { acquireLock, blobLockPath } from './blobLock';
import { HubError } from './errors';
import { hubFetch, type HubContext } from './hubFetch';
import { checkRelativeName, pickRepoFiles, shardsOfIndex, WEIGHTS_INDEX } from './modelFiles';
import { COMMIT_HASH, parseRepoRef, repoFolderName } from './repoRef';
import { memoryFit, modelSupport } from './modelStats';
import { linkBlob } from './snapshotLink';

export interface PullFile {
  file: string;
  size: number;
  /** Already in the cache (nothing to fetch). */
  cached: boolean;
}

/** What a pull will fetch, before it starts (for a confirmation of large downloads). */
export interface PullPlan {
  repo: string;
  revision: string;
  commit: string;
  files: PullFile[];
  /** Bytes still to download (resumed .incomplete bytes included). */
  toDownload: number;
  /** Free bytes on the cache's disk. */
  freeBytes: number;
  /** From config.json (fetched before the plan): architectures[0] or model_type. */
  architecture: string | null;
  /** Whether this engine runs it (its config parser's verdict), and why not. */
  supported: boolean;
  reason?: string;
  /** Whether the engine can hold it in memory here (loading would refuse it otherwise), and why not: absent for a model it does not run. */
  fits?: boolean;
  memoryNote?: string;
}

export interface PullProgress {
  file: string;
  fileBytes: number;
  fileSize: number;
  /** Bytes of all files, cached ones included. */
  doneBytes: number;
  totalBytes: number;
}

export interface PullOptions {
  cacheDir?: string;
  /** HF_ENDPOINT etc. are read from here (process.env by default). */
  env?: Env;
  /** Overrides HF_TOKEN and the token file (a token the user typed, from VS Code's SecretStorage). */
  token?: string;
  signal?: AbortSignal;
  onPlan?: (plan: PullPlan) => boolean | Promise<boolean>;
  onProgress?: (p: PullProgress) => void;
  /** A file is being fetched by another process (its lock is held): we wait for it. */
  onWait?: (file: string) => void;
  /** false: never try symlinks (copies, as where the OS refuses them). */
  symlinks?: boolean;
  fetch?: typeof fetch;
}

export type PullResult = CachedSnapshot;

/** 1.2 GiB, 340.5 MiB, 12.0 KiB… */
export function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} bytes` : `${v.toFixed(1)} ${units[u]}`;
}

function freeBytesAt(dir: string): number {
  let d = path.resolve(dir);
  while (!fs.existsSync(d) && path.dirname(d) !== d) d = path.dirname(d);
  try {
    const s = fs.statfsSync(d);
    return s.bavail * s.bsize;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** A repo file's resolve URL at `commit` (each path segment encoded). */
function resolveUrl(ctx: HubContext, commit: string, file: string): string {
  return `${ctx.endpoint}/${ctx.repo}/resolve/${commit}/${file.split('/').map(encodeURIComponent).join('/')}`;
}

/** Downloads `repoRef` (`org/name[@rev]`) into the cache; returns its snapshot folder. */
export async function pull(repoRef: string, opts: PullOptions = {}): Promise<PullResult> {
  const env = opts.env ?? process.env;
  const ref = parseRepoRef(repoRef);
  const cacheDir = opts.cacheDir ?? hubCacheDir(env);
  if (isOffline(env)) {
    try {
      return resolveCached(ref, cacheDir);
    } catch (err) {
      if (err instanceof HubError) throw new HubError(err.code, `offline (HF_HUB_OFFLINE is set): ${err.message}`);
      throw err;
    }
  }
  const ctx: HubContext = { endpoint: hubEndpoint(env), repo: ref.repo, revision: ref.revision, token: opts.token ?? hubToken(env), signal: opts.signal, fetch: opts.fetch };
  const f = hubFetch(ctx);
  let info: { sha?: string; filePaths?: string[] };
  try {
    info = await modelInfo({ name: ref.repo, revision: ref.revision, additionalFields: ['sha', 'filePaths'], hubUrl: ctx.endpoint, fetch: f });
  } catch (err) {
    // No network: the cache answers, as Python falls back to it when the Hub cannot be reached.
    if (!(err instanceof HubError) || err.code !== 'NETWORK') throw err;
    try {
      return resolveCached(ref, cacheDir);
    } catch (cacheErr) {
      throw new HubError('NETWORK', `${err.message}; the cache cannot stand in: ${(cacheErr as Error).message}`);
    }
  }
  const commit = info.sha;
  if (!commit || !COMMIT_HASH.test(commit)) throw new HubError('SERVER_ERROR', `${ref.repo}: the Hub gave no commit hash for revision "${ref.revision}"`);
  const repoFiles = (info.filePaths ?? []).map((name) => checkRelativeName(name, `${ref.repo}: the Hub's file list`));

  const storage = path.join(cacheDir, repoFolderName(ref.repo));
  const snapshot = path.join(storage, 'snapshots', commit);
  if (ref.revision !== commit) checkRelativeName(ref.revision, `${ref.repo}@${ref.revision}`);

  const { side, weights } = pickRepoFiles(ref.repo, repoFiles);
  const describe = async (files: string[]): Promise<PathInfo[]> => {
    const infos = await pathsInfo({ repo: ref.repo, paths: files, revision: commit, hubUrl: ctx.endpoint, fetch: f });
    return files.map((file) => {
      const i = infos.find((x) => x.path === file && x.type === 'file');
      if (!i) throw new HubError('FILE_NOT_FOUND', `${ref.repo}@${ref.revision}: the repo has no file "${file}"`);
      return i;
    });
  };
  const fetchOne = async (i: PathInfo, onBytes: (n: number) => void): Promise<void> => {
    const pointer = path.join(snapshot, i.path);
    if (fs.existsSync(pointer)) return;
    const etag = i.lfs?.oid ?? i.oid;
    if (!etag) throw new HubError('SERVER_ERROR', `${ref.repo}: the Hub gave no id for ${i.path}`);
    const blob = path.join(storage, 'blobs', checkRelativeName(etag, `${ref.repo}: the id of ${i.path}`));
    fs.mkdirSync(path.dirname(blob), { recursive: true });
    let newBlob = false;
    if (!fs.existsSync(blob)) {
      // Another process (a second window, the CLI) may be fetching this blob: wait for it, then
      // find the blob in place or resume its .incomplete.
      const release = await acquireLock(blobLockPath(cacheDir, ref.repo, etag), { signal: opts.signal, onWait: () => opts.onWait?.(i.path) });
      try {
        if (!fs.existsSync(blob)) {
          await downloadBlob({ file: i.path, url: resolveUrl(ctx, commit, i.path), blob, size: i.lfs?.size ?? i.size, sha256: i.lfs?.oid }, ctx, onBytes);
          newBlob = true;
        }
      } finally {
        release();
      }
    }
    await linkBlob(blob, pointer, { newBlob, symlinks: opts.symlinks });
  };

  // config.json (and the shard index) first: small, and they say what the rest is.
  const first = weights === WEIGHTS_INDEX ? ['config.json', WEIGHTS_INDEX] : ['config.json'];
  for (const i of await describe(first)) await fetchOne(i, () => undefined);
  const { architecture, supported, reason } = modelSupport(snapshot);
  let wanted = [...side, weights];
  if (weights === WEIGHTS_INDEX) {
    const indexFile = path.join(snapshot, WEIGHTS_INDEX);
    let index: unknown;
    try {
      index = JSON.parse(fs.readFileSync(indexFile, 'utf8'));
    } catch (err) {
      throw new HubError('BAD_INDEX', `${ref.repo}: ${WEIGHTS_INDEX} is not valid JSON (${(err as Error).message.split('\n')[0]})`);
    }
    const shards = shardsOfIndex(index, `${ref.repo}: ${WEIGHTS_INDEX}`);
    for (const s of shards) if (!repoFiles.includes(s)) throw new HubError('FILE_NOT_FOUND', `${ref.repo}@${ref.revision}: ${WEIGHTS_INDEX} names the shard "${s}", which the repo does not have`);
    wanted = [...wanted, ...shards];
  }
  const infos = await describe(wanted);

  const files: PullFile[] = infos.map((i) => ({ file: i.path, size: i.lfs?.size ?? i.size, cached: fs.existsSync(path.join(snapshot, i.path)) }));
  const totalBytes = files.reduce((s, x) => s + x.size, 0);
  const toDownload = files.filter((x) => !x.cached).reduce((s, x) => s + x.size, 0);
  const plan: PullPlan = { repo: ref.repo, revision: ref.revision, commit, files, toDownload, freeBytes: freeBytesAt(cacheDir), architecture, supported, ...(reason ? { reason } : {}) };
  if (supported) {
    const weightBytes = files.filter((x) => x.file.endsWith('.safetensors')).reduce((s, x) => s + x.size, 0);
    const fit = memoryFit(snapshot, weightBytes);
    plan.fits = fit.fits;
    if (fit.note) plan.memoryNote = fit.note;
  }
  if (toDownload > plan.freeBytes) {
    throw new HubError('NO_DISK_SPACE', `${ref.repo}: needs ${formatBytes(toDownload)} in ${cacheDir}, only ${formatBytes(plan.freeBytes)} are free`);
  }
  if (opts.onPlan && !(await opts.onPlan(plan))) throw new HubError('CANCELLED', `${ref.repo}: download declined`);

  let doneBytes = files.filter((x) => x.cached).reduce((s, x) => s + x.size, 0);
  for (const [k, i] of infos.entries()) {
    if (files[k].cached) continue;
    const fileSize = files[k].size;
    let fileBytes = 0;
    await fetchOne(i, (n) => {
      fileBytes += n;
      doneBytes += n;
      opts.onProgress?.({ file: i.path, fileBytes, fileSize, doneBytes, totalBytes });
    });
    doneBytes += fileSize - fileBytes; // a blob another snapshot had: linked, not fetched
  }
  if (ref.revision !== commit) {
    // refs/{revision} → commit, as Python writes it (not for a commit hash), once the snapshot is whole.
    const refFile = path.join(storage, 'refs', ref.revision);
    fs.mkdirSync(path.dirname(refFile), { recursive: true });
    fs.writeFileSync(refFile, commit);
  }
  return { repo: ref.repo, revision: ref.revision, commit, path: snapshot };
}
