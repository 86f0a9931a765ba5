// `cache`: ONE JSON line per cached model snapshot (src/hub/cacheRead.ts), read offline.
import { hubCacheDir } from '../hub/cachePaths';
import { listCachedModels } from '../hub/cacheRead';
import { parseFlags } from './args';
import { USAGE } from './usage';

const FLAGS = {
  'cache-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function cacheCommand(argv: string[]): Promise<void> {
  const v = parseFlags('cache', argv, FLAGS);
  if (v.help) {
    process.stdout.write(USAGE);
    return;
  }
  for (const m of listCachedModels(v['cache-dir'] ?? hubCacheDir())) {
    const line = { repo: m.repo, revision: m.revision, commit: m.commit, path: m.path, architecture: m.architecture, supported: m.supported, params: m.params, bytes: m.bytes, dtype: m.dtype, ...(m.reason ? { reason: m.reason } : {}), ...(m.missing.length ? { missing: m.missing } : {}) };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
}
