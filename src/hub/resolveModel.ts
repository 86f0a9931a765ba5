// `--model` and the `attentionLens.modelPath` setting: a model folder, or a Hub repo id
// `org/name[@rev]` that resolves through the local cache (offline: never a download).
import * as fs from 'node:fs';
import { resolveCached } from './cacheRead';
import { hubCacheDir, type Env } from './cachePaths';
import { looksLikeRepoId, parseRepoRef } from './repoRef';

/**
 * The folder to load for `arg`: `arg` itself when it exists (or does not read as a repo id; the
 * engine then says the folder is missing), else the cached snapshot of the repo id.
 * Throws HubError NOT_CACHED saying what the cache lacks.
 */
export function resolveModelArg(arg: string, opts: { cacheDir?: string; env?: Env } = {}): string {
  if (fs.existsSync(arg) || !looksLikeRepoId(arg)) return arg;
  return resolveCached(parseRepoRef(arg), opts.cacheDir ?? hubCacheDir(opts.env)).path;
}
