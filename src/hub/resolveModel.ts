// `--model` and the `attentionLens.modelPath` setting: a model folder, or a Hub repo id
// `org/name[@rev]` that resolves through the local cache (offline: never a download).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveCached } from './cacheRead';
import { hubCacheDir, type Env } from './cachePaths';
import { HubError } from './errors';
import { looksLikeRepoId, parseRepoRef, repoFolderName } from './repoRef';

/**
 * The folder to load for `arg`: `arg` itself when it exists (or does not read as a repo id; the
 * engine then says the folder is missing), else the cached snapshot of the repo id.
 * Throws HubError NOT_CACHED saying what the cache lacks.
 */
export function resolveModelArg(arg: string, opts: { cacheDir?: string; env?: Env } = {}): string {
  if (fs.existsSync(arg) || !looksLikeRepoId(arg)) return arg;
  const ref = parseRepoRef(arg);
  const cacheDir = opts.cacheDir ?? hubCacheDir(opts.env);
  if (!fs.existsSync(path.join(cacheDir, repoFolderName(ref.repo)))) {
    // Could be a mistyped folder as well as a model never downloaded: say both.
    throw new HubError('NOT_CACHED', `${arg}: no such model folder, nor a model ${ref.repo} in the Hugging Face cache (${cacheDir}); download it with: pull ${ref.repo}`);
  }
  return resolveCached(ref, cacheDir).path;
}
