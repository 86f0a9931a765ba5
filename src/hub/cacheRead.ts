// Reading the Hugging Face cache as Python's huggingface_hub writes it:
//   {cache}/models--{org}--{name}/refs/{revision}        the commit hash a branch or tag points to
//                                /snapshots/{commit}/{file} relative symlinks to ../../blobs/{etag}
//                                                          (or copies where symlinks cannot be made)
//                                /blobs/{etag}              the content; {etag}.incomplete while downloading
// Nothing here touches the network.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HubError } from './errors';
import { checkRelativeName, shardsOfIndex, SINGLE_WEIGHTS, WEIGHTS_INDEX } from './modelFiles';
import { modelStats, type ModelStats } from './modelStats';
import { COMMIT_HASH, repoFolderName, repoFromFolderName, type RepoRef } from './repoRef';

export interface CachedSnapshot {
  repo: string;
  /** The ref that names this snapshot (main first), or the commit itself when no ref does. */
  revision: string;
  commit: string;
  /** The snapshot folder: a model folder the engine loads as it is. */
  path: string;
}

export type CachedModel = CachedSnapshot &
  ModelStats & {
    /** What the snapshot lacks to be loaded (Python may have fetched config.json alone); [] when whole. */
    missing: string[];
  };

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** refs/ read recursively (a ref may hold slashes: refs/pr/1): ref name → commit. */
function readRefs(repoDir: string): Map<string, string> {
  const refs = new Map<string, string>();
  const root = path.join(repoDir, 'refs');
  const walk = (dir: string, prefix: string): void => {
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const p = path.join(dir, name);
      if (isDir(p)) walk(p, `${prefix}${name}/`);
      else {
        const commit = fs.readFileSync(p, 'utf8').trim();
        if (COMMIT_HASH.test(commit)) refs.set(`${prefix}${name}`, commit);
      }
    }
  };
  walk(root, '');
  return refs;
}

/** Every snapshot of every model repo in the cache, with its refs; an absent cache is empty. */
export function listSnapshots(cacheDir: string): CachedSnapshot[] {
  if (!isDir(cacheDir)) return [];
  const out: CachedSnapshot[] = [];
  for (const folder of fs.readdirSync(cacheDir).sort()) {
    const repo = repoFromFolderName(folder);
    const repoDir = path.join(cacheDir, folder);
    const snapshotsDir = path.join(repoDir, 'snapshots');
    if (!repo || !isDir(snapshotsDir)) continue;
    const refs = readRefs(repoDir);
    for (const commit of fs.readdirSync(snapshotsDir).sort()) {
      const dir = path.join(snapshotsDir, commit);
      if (!isDir(dir)) continue;
      const names = [...refs].filter(([, c]) => c === commit).map(([r]) => r);
      const revision = names.includes('main') ? 'main' : (names.sort()[0] ?? commit);
      out.push({ repo, revision, commit, path: dir });
    }
  }
  return out;
}

/** listSnapshots with each snapshot's architecture, support, parameters, dtype and size. */
export function listCachedModels(cacheDir: string): CachedModel[] {
  return listSnapshots(cacheDir).map((s) => {
    let missing: string[];
    try {
      missing = missingModelFiles(s.path);
    } catch (err) {
      missing = [(err as Error).message];
    }
    return { ...s, ...modelStats(s.path), missing };
  });
}

/**
 * The files a snapshot folder lacks to be loaded: config.json, a tokenizer (tokenizer.json, or
 * vocab.json + merges.txt) and the weights (every shard).
 */
export function missingModelFiles(dir: string): string[] {
  const missing: string[] = [];
  const has = (f: string): boolean => fs.existsSync(path.join(dir, f));
  if (!has('config.json')) missing.push('config.json');
  if (!has('tokenizer.json') && !(has('vocab.json') && has('merges.txt'))) missing.push('tokenizer.json');
  if (fs.existsSync(path.join(dir, SINGLE_WEIGHTS))) return missing;
  const index = path.join(dir, WEIGHTS_INDEX);
  if (!fs.existsSync(index)) return [...missing, SINGLE_WEIGHTS];
  let shards: string[];
  try {
    shards = shardsOfIndex(JSON.parse(fs.readFileSync(index, 'utf8')), index);
  } catch (err) {
    if (err instanceof HubError) throw err;
    return [...missing, `${WEIGHTS_INDEX} (not valid JSON)`];
  }
  return [...missing, ...shards.filter((s) => !fs.existsSync(path.join(dir, s)))];
}

/**
 * `org/name[@rev]` → its snapshot folder in the cache, offline: a commit hash names the snapshot,
 * anything else is read from refs/. Fails with one line saying what is missing.
 */
export function resolveCached(ref: RepoRef, cacheDir: string): CachedSnapshot {
  checkRelativeName(ref.revision, `${ref.repo}@${ref.revision}`);
  const repoDir = path.join(cacheDir, repoFolderName(ref.repo));
  const label = `${ref.repo}@${ref.revision}`;
  if (!isDir(repoDir)) throw new HubError('NOT_CACHED', `${ref.repo}: not in the Hugging Face cache (${cacheDir}); download it first (pull ${ref.repo})`);
  let commit: string;
  if (COMMIT_HASH.test(ref.revision)) commit = ref.revision;
  else {
    const refFile = path.join(repoDir, 'refs', ref.revision);
    if (!fs.existsSync(refFile)) {
      throw new HubError('NOT_CACHED', `${label}: the cache has ${ref.repo} but no revision "${ref.revision}" (${refFile} is missing)`);
    }
    commit = fs.readFileSync(refFile, 'utf8').trim();
  }
  const dir = path.join(repoDir, 'snapshots', commit);
  if (!isDir(dir)) throw new HubError('NOT_CACHED', `${label}: the cache has no snapshot ${commit} (${dir} is missing)`);
  const missing = missingModelFiles(dir);
  if (missing.length) throw new HubError('NOT_CACHED', `${label}: the cached snapshot ${commit} lacks ${missing.join(', ')}`);
  return { repo: ref.repo, revision: ref.revision, commit, path: dir };
}
