// The Switch Model list (src/host/pickerItems.ts) from a Hugging Face cache written the way Python
// writes it: sections in order, the runnable models with their facts and "fits", the ones we
// cannot run listed with the reason (and a refusal, not a load), recents without repeats, and
// downloads refused when HF_HUB_OFFLINE is set.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { listCachedModels } from '../../src/hub/cacheRead';
import { memoryFit } from '../../src/hub/modelStats';
import { buildPickerItems, formatParams, type CachedEntry, type PickerInput } from '../../src/host/pickerItems';
import { folderFiles } from '../helpers/fakeHub';
import { writePythonCache } from '../helpers/pythonCache';
import { plainL10n } from '../helpers/plainL10n';

const QWEN = folderFiles(path.join(__dirname, '..', 'fixtures', 'tiny-qwen2'));
const GEMMA_CONFIG = Buffer.from(JSON.stringify({ architectures: ['GemmaForCausalLM'], model_type: 'gemma' }));

describe('Switch Model list', () => {
  let cacheDir: string;
  let cached: CachedEntry[];

  before(() => {
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-picker-'));
    writePythonCache(cacheDir, 'tiny-org/tiny-qwen2', QWEN, { commit: '1'.repeat(40) });
    writePythonCache(cacheDir, 'tiny-org/tiny-qwen2', QWEN, { commit: '2'.repeat(40), revision: 'v2' });
    writePythonCache(cacheDir, 'tiny-org/gemma', { ...QWEN, 'config.json': GEMMA_CONFIG }, { commit: '3'.repeat(40) });
    writePythonCache(cacheDir, 'tiny-org/config-only', { 'config.json': QWEN['config.json'] }, { commit: '4'.repeat(40) });
    cached = listCachedModels(cacheDir).map((m) => (m.supported && !m.missing.length ? { ...m, fit: memoryFit(m.path, m.bytes) } : m));
  });
  after(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

  const input = (p: Partial<PickerInput> = {}): PickerInput => ({ bundled: 'attention-lens-bundled', cached, cacheDir, recent: [], current: '', offline: false, ...p });

  it('sections in order: bundled, the cache (what runs first), recent, more', () => {
    const items = buildPickerItems(input({ recent: ['/models/gpt2'] }), plainL10n);
    assert.deepEqual(
      items.map((i) => (i.separator ? `-- ${i.label}` : i.label)),
      [
        '-- Bundled',
        '$(package) attention-lens-bundled',
        '-- Hugging Face cache',
        '$(database) tiny-org/tiny-qwen2',
        '$(database) tiny-org/tiny-qwen2@v2',
        '$(circle-slash) tiny-org/config-only',
        '$(circle-slash) tiny-org/gemma',
        '-- Recently used',
        '$(folder) gpt2',
        '-- More',
        '$(folder-opened) Open folder…',
        '$(cloud-download) Download from the Hugging Face Hub…',
      ],
    );
    assert.deepEqual(items[1].action, { kind: 'use', setting: '' });
    assert.equal(items[1].description, 'shipped with the extension · current');
  });

  it('a runnable cached model: parameters, dtype, size on disk, fits; picking it uses its repo id', () => {
    const items = buildPickerItems(input({ current: 'tiny-org/tiny-qwen2@v2' }), plainL10n);
    const main = items.find((i) => i.label === '$(database) tiny-org/tiny-qwen2')!;
    const m = cached.find((c) => c.repo === 'tiny-org/tiny-qwen2' && c.revision === 'main')!;
    assert.equal(main.description, `fits · ${formatParams(m.params!)} params · BF16 · ${(m.bytes / 1024).toFixed(1)} KiB`);
    assert.deepEqual(main.action, { kind: 'use', setting: 'tiny-org/tiny-qwen2' });
    const v2 = items.find((i) => i.label === '$(database) tiny-org/tiny-qwen2@v2')!;
    assert.deepEqual(v2.action, { kind: 'use', setting: 'tiny-org/tiny-qwen2@v2' });
    assert.match(v2.description ?? '', /^fits · .* · current$/);
    assert.ok(!items.find((i) => i.label.includes('bundled'))!.description!.includes('current'));
  });

  it('what we cannot run is listed with the reason, and picking it refuses with that reason', () => {
    const items = buildPickerItems(input(), plainL10n);
    const gemma = items.find((i) => i.label.endsWith('tiny-org/gemma'))!;
    assert.equal(gemma.description, 'architecture GemmaForCausalLM not supported');
    assert.match(gemma.detail ?? '', /model_type "gemma" is not supported/);
    assert.equal(gemma.action?.kind, 'refuse');
    assert.match(gemma.action?.kind === 'refuse' ? gemma.action.message : '', /^tiny-org\/gemma cannot be loaded: architecture GemmaForCausalLM not supported \(.*gemma.*\)\.$/);
    const partial = items.find((i) => i.label.endsWith('tiny-org/config-only'))!;
    assert.match(partial.description ?? '', /^incomplete: lacks tokenizer\.json, model\.safetensors$/);
    assert.equal(partial.action?.kind, 'refuse');
  });

  it('a model too big for this machine says so and is not loaded', () => {
    const big = cached.map((m) => (m.revision === 'main' && m.repo === 'tiny-org/tiny-qwen2' ? { ...m, fit: { fits: false, note: 'needs 30 GiB' } } : m));
    const item = buildPickerItems(input({ cached: big }), plainL10n).find((i) => i.label.endsWith('tiny-org/tiny-qwen2'))!;
    assert.equal(item.label, '$(warning) tiny-org/tiny-qwen2');
    assert.match(item.description ?? '', /^too big for this machine · /);
    assert.deepEqual(item.action, { kind: 'refuse', message: 'tiny-org/tiny-qwen2 is too big for this machine: needs 30 GiB' });
  });

  it('recent choices: newest first, at most five, none already listed above', () => {
    const recent = ['tiny-org/tiny-qwen2', '/m/a', 'other/repo@v1', '/m/a', '', '/m/b', '/m/c', '/m/d', '/m/e'];
    const items = buildPickerItems(input({ recent, current: '/m/b' }), plainL10n);
    const start = items.findIndex((i) => i.label === 'Recently used');
    const section = items.slice(start + 1, items.findIndex((i) => i.label === 'More'));
    assert.deepEqual(section.map((i) => i.label), ['$(folder) a', '$(history) other/repo@v1', '$(folder) b', '$(folder) c', '$(folder) d']);
    assert.equal(section[2].description, '/m/b · current');
    assert.deepEqual(section[1].action, { kind: 'use', setting: 'other/repo@v1' });
  });

  it('an empty cache says where it looked; offline refuses downloads; no bundled model is listed as missing', () => {
    const items = buildPickerItems(input({ cached: [], offline: true, bundled: undefined }), plainL10n);
    const empty = items.find((i) => i.label.includes('No models'))!;
    assert.equal(empty.description, cacheDir);
    const dl = items.find((i) => i.label.includes('Download from the Hugging Face Hub'))!;
    assert.equal(dl.description, 'offline (HF_HUB_OFFLINE is set)');
    assert.equal(dl.action?.kind, 'refuse');
    assert.equal(items[1].action?.kind, 'refuse');
    assert.deepEqual(buildPickerItems(input(), plainL10n).at(-1)!.action, { kind: 'download' });
  });

  it('formats parameter counts', () => {
    assert.deepEqual([123, 12_345, 134_515_008, 1_543_714_304].map(formatParams), ['123', '12K', '135M', '1.5B']);
  });
});
