// What `attentionLens.modelPath` names: the bundled model (empty), a folder (absolute, `~/…`, or
// relative to the first workspace folder), or a Hub repo id `org/name[@rev]` that resolves through
// the local Hugging Face cache (never a download). No vscode here, so that mocha tests it.
import { isAbsolute, join } from 'node:path';
import { looksLikeRepoId, parseRepoRef, type RepoRef } from '../hub/repoRef';

export type ModelSource =
  | { kind: 'bundled' }
  | { kind: 'folder'; dir: string }
  | { kind: 'repo'; ref: RepoRef }
  /** A relative path with no workspace folder to resolve it against (and not a repo id). */
  | { kind: 'relative'; path: string };

export interface SourceContext {
  home: string;
  /** The first workspace folder, if one is open. */
  workspaceDir?: string;
  exists: (p: string) => boolean;
}

/**
 * The source a setting names. A relative path that exists in the workspace wins over a repo id of
 * the same spelling (`models/gpt2` may be both); otherwise a repo id is read as one.
 */
export function parseModelSetting(setting: string, ctx: SourceContext): ModelSource {
  const s = setting.trim();
  if (!s) return { kind: 'bundled' };
  if (s === '~' || s.startsWith('~/') || s.startsWith('~\\')) return { kind: 'folder', dir: join(ctx.home, s.slice(1)) };
  if (isAbsolute(s)) return { kind: 'folder', dir: s };
  const inWorkspace = ctx.workspaceDir ? join(ctx.workspaceDir, s) : undefined;
  if (inWorkspace && ctx.exists(inWorkspace)) return { kind: 'folder', dir: inWorkspace };
  if (looksLikeRepoId(s)) return { kind: 'repo', ref: parseRepoRef(s) };
  return inWorkspace ? { kind: 'folder', dir: inWorkspace } : { kind: 'relative', path: s };
}

/** The setting that names a cached snapshot: `org/name` for main, else `org/name@rev`. */
export function repoSetting(ref: RepoRef): string {
  return ref.revision === 'main' ? ref.repo : `${ref.repo}@${ref.revision}`;
}
