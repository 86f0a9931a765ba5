// The Switch Model list, built from plain data (the bundled model, the cache listing, the recent
// choices): sections with their separators, each cached model with its revision, parameters,
// dtype, size on disk and whether it fits here, and the models we cannot run listed with the
// reason (picking one says why, it loads nothing). No vscode here (the strings come through the
// `l10n` given), so that mocha tests it; modelPicker.ts turns entries into QuickPickItems.
import { basename } from 'node:path';
import type { CachedModel } from '../hub/cacheRead';
import { formatBytes } from '../hub/pull';
import type { L10n } from './downloadProgress';
import { repoSetting } from './modelSource';

export type PickerAction =
  /** Load the model this setting names ('' = the bundled model) and remember it. */
  | { kind: 'use'; setting: string }
  /** Cannot be loaded: show this message. */
  | { kind: 'refuse'; message: string }
  | { kind: 'openFolder' }
  | { kind: 'download' };

export interface PickerEntry {
  label: string;
  description?: string;
  detail?: string;
  /** A section title (a QuickPick separator), not a choice. */
  separator?: true;
  action?: PickerAction;
}

export type CachedEntry = CachedModel & {
  /** For a supported, whole model: whether the engine can hold it here (memoryFit), and why not. */
  fit?: { fits: boolean; note?: string };
};

export interface PickerInput {
  /** The bundled model's name, or undefined when this build has none. */
  bundled: string | undefined;
  cached: CachedEntry[];
  cacheDir: string;
  /** Settings chosen before, newest first. */
  recent: string[];
  /** attentionLens.modelPath now. */
  current: string;
  /** HF_HUB_OFFLINE is set: downloads are refused. */
  offline: boolean;
}

/** 494M, 1.5B, 123K parameters. */
export function formatParams(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}B`;
  if (n >= 1e6) return `${Math.round(n / 1e6)}M`;
  if (n >= 1e3) return `${Math.round(n / 1e3)}K`;
  return String(n);
}

function cachedEntry(m: CachedEntry, current: string, l10n: L10n): PickerEntry {
  const setting = repoSetting({ repo: m.repo, revision: m.revision });
  const label = m.revision === 'main' ? m.repo : `${m.repo}@${m.revision.length === 40 ? m.revision.slice(0, 10) : m.revision}`;
  const facts = [
    m.params !== null ? l10n.t('{0} params', formatParams(m.params)) : undefined,
    m.dtype ?? undefined,
    formatBytes(m.bytes),
  ].filter((x): x is string => x !== undefined);
  if (m.missing.length) {
    const message = l10n.t('{0} cannot be loaded: the cached snapshot lacks {1}.', label, m.missing.join(', '));
    return { label: `$(circle-slash) ${label}`, description: l10n.t('incomplete: lacks {0}', m.missing.join(', ')), detail: m.path, action: { kind: 'refuse', message } };
  }
  if (!m.supported) {
    const why = m.architecture ? l10n.t('architecture {0} not supported', m.architecture) : l10n.t('no architecture in config.json');
    const message = l10n.t('{0} cannot be loaded: {1} ({2}).', label, why, m.reason ?? '');
    return { label: `$(circle-slash) ${label}`, description: why, detail: m.reason, action: { kind: 'refuse', message } };
  }
  const fits = m.fit === undefined || m.fit.fits;
  const verdict = fits ? l10n.t('fits') : l10n.t('too big for this machine');
  const isCurrent = current === setting || current === m.repo + '@' + m.revision;
  const description = [verdict, ...facts, ...(isCurrent ? [l10n.t('current')] : [])].join(' · ');
  if (!fits) {
    return { label: `$(warning) ${label}`, description, detail: m.fit?.note, action: { kind: 'refuse', message: l10n.t('{0} is too big for this machine: {1}', label, m.fit?.note ?? '') } };
  }
  return { label: `$(database) ${label}`, description, detail: [m.architecture, m.commit.slice(0, 10)].filter(Boolean).join(' · '), action: { kind: 'use', setting } };
}

/** The QuickPick's entries, section by section. */
export function buildPickerItems(input: PickerInput, l10n: L10n): PickerEntry[] {
  const out: PickerEntry[] = [];
  const current = input.current.trim();
  out.push({ label: l10n.t('Bundled'), separator: true });
  if (input.bundled !== undefined) {
    const description = [l10n.t('shipped with the extension'), ...(current === '' ? [l10n.t('current')] : [])].join(' · ');
    out.push({ label: `$(package) ${input.bundled}`, description, action: { kind: 'use', setting: '' } });
  } else {
    out.push({ label: `$(circle-slash) ${l10n.t('Bundled model')}`, description: l10n.t('not in this build'), action: { kind: 'refuse', message: l10n.t('No model is bundled with this build.') } });
  }

  out.push({ label: l10n.t('Hugging Face cache'), separator: true });
  // What we run first, then what we cannot (greyed, with the reason), each group by name.
  const rank = (m: CachedEntry): number => (m.missing.length === 0 && m.supported ? 0 : 1);
  const cached = [...input.cached].sort((a, b) => rank(a) - rank(b) || a.repo.localeCompare(b.repo) || a.revision.localeCompare(b.revision));
  for (const m of cached) out.push(cachedEntry(m, current, l10n));
  if (cached.length === 0) {
    out.push({
      label: `$(info) ${l10n.t('No models in the Hugging Face cache')}`,
      description: input.cacheDir,
      action: { kind: 'refuse', message: l10n.t('No models in the Hugging Face cache ({0}). Download one from the Hub, or open a model folder.', input.cacheDir) },
    });
  }

  const listed = new Set(['', ...cached.map((m) => repoSetting({ repo: m.repo, revision: m.revision }))]);
  const recent = [...new Set(input.recent.map((r) => r.trim()))].filter((r) => !listed.has(r)).slice(0, 5);
  if (recent.length) {
    out.push({ label: l10n.t('Recently used'), separator: true });
    for (const r of recent) {
      const folderLike = r.includes('\\') || r.startsWith('/') || r.startsWith('~') || /^[A-Za-z]:/.test(r);
      const description = [r, ...(r === current ? [l10n.t('current')] : [])].join(' · ');
      out.push({ label: `${folderLike ? '$(folder)' : '$(history)'} ${folderLike ? basename(r) : r}`, description, action: { kind: 'use', setting: r } });
    }
  }

  out.push({ label: l10n.t('More'), separator: true });
  out.push({ label: `$(folder-opened) ${l10n.t('Open folder…')}`, description: l10n.t('config.json + model.safetensors + tokenizer files'), action: { kind: 'openFolder' } });
  out.push(
    input.offline
      ? {
          label: `$(cloud-download) ${l10n.t('Download from the Hugging Face Hub…')}`,
          description: l10n.t('offline (HF_HUB_OFFLINE is set)'),
          action: { kind: 'refuse', message: l10n.t('Downloads are off: HF_HUB_OFFLINE is set. Models already in the cache can still be used.') },
        }
      : { label: `$(cloud-download) ${l10n.t('Download from the Hugging Face Hub…')}`, description: l10n.t('a repo id such as HuggingFaceTB/SmolLM2-135M'), action: { kind: 'download' } },
  );
  return out;
}
