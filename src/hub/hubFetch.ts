// The one fetch every Hub request goes through (the @huggingface/hub calls get it as their
// `fetch`): it adds the token and the caller's AbortSignal, and turns a failed response into a
// HubError that says what is missing or why access was refused, read from the Hub's X-Error-Code
// header as Python's hf_raise_for_status reads it (RepoNotFound, RevisionNotFound, EntryNotFound,
// GatedRepo), so a 404 for a repo, a revision or a file each says which.
import { HubError } from './errors';
import { repoPage } from './repoRef';

export interface HubContext {
  endpoint: string;
  repo: string;
  revision: string;
  token?: string;
  signal?: AbortSignal;
  /** The transport (tests may wrap it); globalThis.fetch by default. */
  fetch?: typeof fetch;
}

function fileOf(url: string): string | undefined {
  const m = /\/resolve\/[^/]+\/(.+)$/.exec(new URL(url).pathname);
  return m ? decodeURIComponent(m[1]) : undefined;
}

/** The HubError for a failed Hub response (`url` is the request's, to tell a file from the repo). */
export function errorForResponse(res: Response, url: string, ctx: HubContext): HubError {
  const code = res.headers.get('x-error-code') ?? '';
  const file = fileOf(url);
  const page = repoPage(ctx.endpoint, ctx.repo);
  const at = `${ctx.repo}@${ctx.revision}`;
  if (code === 'GatedRepo' || (res.status === 403 && code === '')) {
    return new HubError(
      'GATED',
      ctx.token
        ? `${ctx.repo}: gated repo, and this token's account has no access yet; request access at ${page}`
        : `${ctx.repo}: gated repo: request access at ${page}, then set HF_TOKEN (or log in with huggingface-cli login)`,
    );
  }
  if (code === 'RepoNotFound') {
    return new HubError('REPO_NOT_FOUND', `${ctx.repo}: no such repo on ${ctx.endpoint}${ctx.token ? '' : ' (if it is private, set HF_TOKEN)'}`);
  }
  if (code === 'RevisionNotFound') return new HubError('REVISION_NOT_FOUND', `${ctx.repo}: no revision "${ctx.revision}" (branch, tag or commit) on ${ctx.endpoint}`);
  if (code === 'EntryNotFound' || (res.status === 404 && file)) {
    return new HubError('FILE_NOT_FOUND', `${at}: the repo has no file "${file ?? '?'}"`);
  }
  if (res.status === 401) {
    return new HubError('UNAUTHORIZED', `${ctx.repo}: ${ctx.token ? 'the token was refused (invalid or expired)' : 'private or gated: set HF_TOKEN'} (${page})`);
  }
  if (res.status === 404) return new HubError('REPO_NOT_FOUND', `${ctx.repo}: not found on ${ctx.endpoint} (${res.url || url})`);
  return new HubError('SERVER_ERROR', `${ctx.repo}: the Hub answered ${res.status} ${res.statusText} for ${url}`);
}

function isAbort(err: unknown, signal?: AbortSignal): boolean {
  return signal?.aborted === true || (err as { name?: string } | null)?.name === 'AbortError';
}

/** Turns a thrown fetch/stream failure into CANCELLED or NETWORK (a HubError passes as it is). */
export function transportError(err: unknown, ctx: HubContext, what: string): HubError {
  if (err instanceof HubError) return err;
  if (isAbort(err, ctx.signal)) return new HubError('CANCELLED', `${ctx.repo}: cancelled ${what}`);
  const e = err as { message?: string; cause?: { message?: string; code?: string } };
  const cause = e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
  return new HubError('NETWORK', `${ctx.repo}: ${what} failed: ${cause}`);
}

/**
 * A fetch for `ctx`: adds Authorization for the Hub's own origin (never for a redirect elsewhere:
 * fetch drops it across origins), the AbortSignal, and throws a HubError for a failed answer.
 */
export function hubFetch(ctx: HubContext): typeof fetch {
  const origin = new URL(ctx.endpoint).origin;
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const headers = new Headers(init?.headers);
    if (ctx.token && new URL(url).origin === origin) headers.set('Authorization', `Bearer ${ctx.token}`);
    let res: Response;
    try {
      res = await (ctx.fetch ?? fetch)(url, { ...init, headers, signal: ctx.signal });
    } catch (err) {
      throw transportError(err, ctx, `reaching ${origin}`);
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw errorForResponse(res, url, ctx);
    }
    return res;
  };
}
