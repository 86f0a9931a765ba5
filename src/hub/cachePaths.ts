// Where the Hugging Face cache and token live, and which Hub we talk to, computed from the
// environment exactly as Python's huggingface_hub (constants.py) does, so that both share one cache.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';

export type Env = Record<string, string | undefined>;

/** `~` at the start and `$VAR` / `${VAR}` anywhere, as os.path.expanduser + os.path.expandvars. */
function expand(p: string, env: Env): string {
  const home = p === '~' || p.startsWith('~/') || p.startsWith(`~${path.sep}`) ? homedir() + p.slice(1) : p;
  return home.replace(/\$(\w+)|\$\{(\w+)\}/g, (all, a: string | undefined, b: string | undefined) => env[a ?? b ?? ''] ?? all);
}

/** HF_HOME, else XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface. */
export function hfHome(env: Env = process.env): string {
  const xdg = env.XDG_CACHE_HOME || path.join(homedir(), '.cache');
  return expand(env.HF_HOME || path.join(xdg, 'huggingface'), env);
}

/** HF_HUB_CACHE, else the older HUGGINGFACE_HUB_CACHE, else HF_HOME/hub. */
export function hubCacheDir(env: Env = process.env): string {
  return expand(env.HF_HUB_CACHE || env.HUGGINGFACE_HUB_CACHE || path.join(hfHome(env), 'hub'), env);
}

/** HF_ENDPOINT (a mirror, or our tests' loopback Hub), else https://huggingface.co. */
export function hubEndpoint(env: Env = process.env): string {
  return (env.HF_ENDPOINT || 'https://huggingface.co').replace(/\/+$/, '');
}

/** HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) set to 1 / ON / YES / TRUE. */
export function isOffline(env: Env = process.env): boolean {
  return [env.HF_HUB_OFFLINE, env.TRANSFORMERS_OFFLINE].some((v) => ['1', 'ON', 'YES', 'TRUE'].includes((v ?? '').trim().toUpperCase()));
}

/** HF_TOKEN (or the older HUGGING_FACE_HUB_TOKEN), else the file HF_TOKEN_PATH or HF_HOME/token. */
export function hubToken(env: Env = process.env): string | undefined {
  return hubTokenSource(env)?.token;
}

export interface TokenSource {
  token: string;
  /** env: HF_TOKEN; file: HF_TOKEN_PATH or HF_HOME/token (what `huggingface-cli login` writes); stored: one the user typed (VS Code's SecretStorage). */
  from: 'env' | 'file' | 'stored';
  /** The variable or file it came from, for messages. */
  where: string;
}

/**
 * The token to send and where it came from: HF_TOKEN, else the token file Python's
 * `huggingface-cli login` writes, else `stored` (a token the user typed once in VS Code).
 */
export function hubTokenSource(env: Env = process.env, stored?: string): TokenSource | undefined {
  for (const name of ['HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN']) {
    const v = (env[name] ?? '').trim();
    if (v) return { token: v, from: 'env', where: name };
  }
  const file = env.HF_TOKEN_PATH ? expand(env.HF_TOKEN_PATH, env) : path.join(hfHome(env), 'token');
  try {
    const token = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
    if (token) return { token, from: 'file', where: file };
  } catch {
    // unreadable: as if absent
  }
  const typed = (stored ?? '').trim();
  return typed ? { token: typed, from: 'stored', where: 'SecretStorage' } : undefined;
}
