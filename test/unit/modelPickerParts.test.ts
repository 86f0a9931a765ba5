// The vscode-free parts of Switch Model and downloads: the modelPath setting (folder or repo id),
// the token order (HF_TOKEN, the token file, the one typed in VS Code), the progress text (bytes,
// speed, time left) and the question before a large download.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hubTokenSource } from '../../src/hub/cachePaths';
import type { PullPlan } from '../../src/hub/pull';
import { DownloadMeter, formatDuration, formatSpeed, LARGE_DOWNLOAD, planQuestion } from '../../src/host/downloadProgress';
import { parseModelSetting, repoSetting } from '../../src/host/modelSource';
import { plainL10n } from '../helpers/plainL10n';


describe('modelPath: a folder or a repo id', () => {
  const ws = path.join(os.tmpdir(), 'ws');
  const ctx = (existing: string[] = []): Parameters<typeof parseModelSetting>[1] => ({ home: '/home/u', workspaceDir: ws, exists: (p) => existing.includes(p) });

  it('empty is the bundled model; absolute and ~/ paths are folders', () => {
    assert.deepEqual(parseModelSetting('  ', ctx()), { kind: 'bundled' });
    assert.deepEqual(parseModelSetting('/models/gpt2', ctx()), { kind: 'folder', dir: '/models/gpt2' });
    assert.deepEqual(parseModelSetting('~/models/qwen', ctx()), { kind: 'folder', dir: '/home/u/models/qwen' });
  });

  it('org/name and org/name@rev are repo ids, unless the workspace has such a folder', () => {
    assert.deepEqual(parseModelSetting('Qwen/Qwen2.5-0.5B', ctx()), { kind: 'repo', ref: { repo: 'Qwen/Qwen2.5-0.5B', revision: 'main' } });
    assert.deepEqual(parseModelSetting('HuggingFaceTB/SmolLM2-135M@v1.0', ctx()), { kind: 'repo', ref: { repo: 'HuggingFaceTB/SmolLM2-135M', revision: 'v1.0' } });
    assert.deepEqual(parseModelSetting('models/gpt2', ctx([path.join(ws, 'models/gpt2')])), { kind: 'folder', dir: path.join(ws, 'models/gpt2') });
  });

  it('other relative paths are workspace folders; with no workspace, a problem to report', () => {
    assert.deepEqual(parseModelSetting('my models/gpt2', ctx()), { kind: 'folder', dir: path.join(ws, 'my models/gpt2') });
    assert.deepEqual(parseModelSetting('a/b/c', ctx()), { kind: 'folder', dir: path.join(ws, 'a/b/c') });
    assert.deepEqual(parseModelSetting('model', { home: '/h', exists: () => false }), { kind: 'relative', path: 'model' });
    assert.deepEqual(parseModelSetting('org/name', { home: '/h', exists: () => false }), { kind: 'repo', ref: { repo: 'org/name', revision: 'main' } });
  });

  it('a cached snapshot is remembered as org/name for main, else with its revision', () => {
    assert.equal(repoSetting({ repo: 'a/b', revision: 'main' }), 'a/b');
    assert.equal(repoSetting({ repo: 'a/b', revision: 'v2' }), 'a/b@v2');
    assert.deepEqual(parseModelSetting(repoSetting({ repo: 'a/b', revision: 'v2' }), ctx()), { kind: 'repo', ref: { repo: 'a/b', revision: 'v2' } });
  });
});

describe('Hub token order', () => {
  let home: string;
  beforeEach(() => (home = fs.mkdtempSync(path.join(os.tmpdir(), 'al-token-'))));
  afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

  it('HF_TOKEN, else the token file in HF_HOME, else the one typed in VS Code', () => {
    assert.equal(hubTokenSource({ HF_HOME: home }), undefined);
    assert.deepEqual(hubTokenSource({ HF_HOME: home }, ' hf_typed '), { token: 'hf_typed', from: 'stored', where: 'SecretStorage' });
    fs.writeFileSync(path.join(home, 'token'), 'hf_file\n');
    assert.deepEqual(hubTokenSource({ HF_HOME: home }, 'hf_typed'), { token: 'hf_file', from: 'file', where: path.join(home, 'token') });
    assert.deepEqual(hubTokenSource({ HF_HOME: home, HF_TOKEN: 'hf_env' }, 'hf_typed'), { token: 'hf_env', from: 'env', where: 'HF_TOKEN' });
    assert.deepEqual(hubTokenSource({ HF_HOME: home, HUGGING_FACE_HUB_TOKEN: 'hf_old' }), { token: 'hf_old', from: 'env', where: 'HUGGING_FACE_HUB_TOKEN' });
    // HF_TOKEN_PATH moves the file; an empty HF_TOKEN counts as unset.
    fs.writeFileSync(path.join(home, 'other'), 'hf_other');
    assert.equal(hubTokenSource({ HF_HOME: home, HF_TOKEN: '  ', HF_TOKEN_PATH: path.join(home, 'other') })?.token, 'hf_other');
  });
});

describe('download progress text', () => {
  it('formats speeds and durations', () => {
    assert.equal(formatSpeed(4.2 * 1024 * 1024), '4.2 MiB/s');
    assert.equal(formatDuration(0.2), '1 s');
    assert.equal(formatDuration(45), '45 s');
    assert.equal(formatDuration(185), '3 min 05 s');
    assert.equal(formatDuration(3720), '1 h 02 min');
  });

  it('per file and overall bytes; the speed over the last 5 s and the time left; steps at most every 250 ms', () => {
    let now = 0;
    const meter = new DownloadMeter(plainL10n, () => now);
    const MiB = 1024 * 1024;
    const total = 100 * MiB;
    const at = (t: number, done: number, file = 'model.safetensors'): ReturnType<DownloadMeter['update']> => {
      now = t;
      return meter.update({ file, fileBytes: done - 1 * MiB, fileSize: 99 * MiB, doneBytes: done, totalBytes: total });
    };
    const first = at(0, 1 * MiB);
    assert.ok(first);
    assert.equal(first.message, 'model.safetensors: 0 bytes of 99.0 MiB · total 1.0 MiB of 100.0 MiB · measuring speed…');
    assert.equal(at(100, 2 * MiB), undefined, 'no step within 250 ms');
    const s = at(2000, 21 * MiB); // 20 MiB in 2 s
    assert.ok(s);
    assert.equal(s.message, 'model.safetensors: 20.0 MiB of 99.0 MiB · total 21.0 MiB of 100.0 MiB · 10.0 MiB/s · 8 s left');
    // The connection slows: after the window, only the recent rate counts.
    at(6000, 61 * MiB);
    at(11000, 66 * MiB);
    const slow = at(12000, 67 * MiB);
    assert.ok(slow);
    assert.match(slow.message, / · 1\.0 MiB\/s · 33 s left$/);
    // Increments add up to the percentage done.
    const m2 = new DownloadMeter(plainL10n, () => now);
    let sum = 0;
    for (const [t, d] of [[0, 10], [1000, 50], [2000, 100]] as const) {
      now = t;
      sum += m2.update({ file: 'f', fileBytes: d, fileSize: 100, doneBytes: d, totalBytes: 100 })?.increment ?? 0;
    }
    assert.equal(sum, 100);
  });

  it('asks before a download over 1 GiB or one that will not run or fit here, with its size and the free disk', () => {
    const plan = (p: Partial<PullPlan>): PullPlan => ({ repo: 'org/m', revision: 'main', commit: 'c'.repeat(40), files: [], toDownload: 1000, freeBytes: 50 * 1024 ** 3, architecture: 'Qwen2ForCausalLM', supported: true, fits: true, ...p });
    assert.equal(planQuestion(plan({}), plainL10n), undefined);
    assert.equal(planQuestion(plan({ toDownload: LARGE_DOWNLOAD + 1 }), plainL10n), 'org/m: 1.0 GiB to download (50.0 GiB free on the disk).');
    assert.equal(
      planQuestion(plan({ fits: false, memoryNote: 'needs 30 GiB, 16 GiB here' }), plainL10n),
      'org/m: 1000 bytes to download (50.0 GiB free on the disk).\nIt is too big for this machine: needs 30 GiB, 16 GiB here',
    );
    assert.match(planQuestion(plan({ supported: false, fits: undefined, reason: 'model_type "gemma" is not supported' }), plainL10n) ?? '', /\nAttention Lens cannot run it: model_type "gemma" is not supported$/);
  });
});
