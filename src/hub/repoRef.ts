// A model's name on the Hub, `org/name[@revision]`, and its folder in the cache (`models--org--name`).
import { HubError } from './errors';

export interface RepoRef {
  /** `org/name` (or a bare `name`, as old repos such as `gpt2` have). */
  repo: string;
  /** A branch, tag or commit hash; `main` when none is given. */
  revision: string;
}

const PART = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;

/** True when `s` reads as a repo id (with an optional @revision), not as a path. */
export function looksLikeRepoId(s: string): boolean {
  const [repo] = splitAt(s);
  const parts = repo.split('/');
  return parts.length === 2 && parts.every((p) => PART.test(p) && !p.includes('..'));
}

function splitAt(s: string): [string, string | undefined] {
  const at = s.indexOf('@');
  return at < 0 ? [s, undefined] : [s.slice(0, at), s.slice(at + 1)];
}

/** Parses `org/name[@rev]`; one clear line when it is not one. */
export function parseRepoRef(s: string): RepoRef {
  const [repo, rev] = splitAt(s.trim());
  const parts = repo.split('/');
  if (parts.length > 2 || !parts.every((p) => PART.test(p) && !p.includes('..'))) {
    throw new HubError('BAD_REPO_ID', `"${s}" is not a Hub repo id (expected org/name or org/name@revision, e.g. HuggingFaceTB/SmolLM2-135M)`);
  }
  if (rev !== undefined && (rev === '' || rev.split('/').some((p) => p === '' || p === '.' || p === '..') || /[\\\s]/.test(rev))) {
    throw new HubError('BAD_REPO_ID', `"${s}": "${rev}" is not a revision (a branch, tag or commit hash)`);
  }
  return { repo, revision: rev ?? 'main' };
}

/** `models--org--name`, the repo's folder in the cache (getRepoFolderName in both libraries). */
export function repoFolderName(repo: string): string {
  return ['models', ...repo.split('/')].join('--');
}

/** The repo id back from a cache folder name, or undefined for anything else (datasets, spaces). */
export function repoFromFolderName(folder: string): string | undefined {
  if (!folder.startsWith('models--')) return undefined;
  return folder.slice('models--'.length).split('--').join('/');
}

export const COMMIT_HASH = /^[0-9a-f]{40}$/;

/** The repo's page on the Hub (where gated access is requested). */
export function repoPage(endpoint: string, repo: string): string {
  return `${endpoint}/${repo}`;
}
