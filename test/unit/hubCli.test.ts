// The CLI's `pull` and `cache` (node dist/cli.js) against the loopback Hub, and `info --model`
// given a repo id that resolves through the cache offline. The CLI runs as a child process that
// is awaited (not spawnSync: the loopback Hub lives in this process's event loop).
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FakeHub, folderFiles } from '../helpers/fakeHub';
import { CLI, ensureBuilt, type Run } from './cliRun';

function run(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('CLI pull and cache (dist/cli.js)', function () {
  this.timeout(120000);
  let hub: FakeHub;
  let tmp: string;
  let env: Record<string, string>;

  before(async () => {
    ensureBuilt();
    const files = folderFiles(path.join(__dirname, '..', 'fixtures', 'tiny-qwen2'));
    hub = new FakeHub({ 'tiny-org/tiny-qwen2': { files }, 'tiny-org/gated': { files, gated: [] } });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'al-hubcli-'));
    env = { HF_ENDPOINT: await hub.start(), HF_HOME: path.join(tmp, 'home'), HF_HUB_CACHE: path.join(tmp, 'cache') };
  });
  after(async () => {
    await hub.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('pull prints one JSON line (progress on stderr); cache lists it; info --model takes the repo id offline', async () => {
    const cacheDir = path.join(tmp, 'elsewhere');
    const r = await run(['pull', 'tiny-org/tiny-qwen2', '--cache-dir', cacheDir], env);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    const out = JSON.parse(lines[0]) as Record<string, string>;
    const commit = hub.commitOf('tiny-org/tiny-qwen2');
    assert.deepEqual(out, { repo: 'tiny-org/tiny-qwen2', revision: 'main', commit, path: path.join(cacheDir, 'models--tiny-org--tiny-qwen2', 'snapshots', commit) });
    assert.match(r.stderr, /^model\.safetensors: 0\.2 MiB \/ 0\.2 MiB/m);

    const c = await run(['cache', '--cache-dir', cacheDir], env);
    assert.equal(c.status, 0, c.stderr);
    const listed = c.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(listed.length, 1);
    assert.deepEqual(Object.keys(listed[0]).slice(0, 8), ['repo', 'revision', 'commit', 'path', 'architecture', 'supported', 'params', 'bytes']);
    assert.equal(listed[0].architecture, 'Qwen2ForCausalLM');
    assert.equal(listed[0].supported, true);
    assert.equal(listed[0].path, out.path);

    const info = await run(['info', '--model', 'tiny-org/tiny-qwen2', '--backend', 'cpu'], { ...env, HF_HUB_CACHE: cacheDir, HF_HUB_OFFLINE: '1' });
    assert.equal(info.status, 0, info.stderr);
    assert.equal((JSON.parse(info.stdout) as { nLayer: number }).nLayer, 2);
  });

  it('errors: one line, exit 1 (gated, unknown repo, not cached)', async () => {
    const gated = await run(['pull', 'tiny-org/gated'], env);
    assert.equal(gated.status, 1);
    assert.equal(gated.stdout, '');
    assert.match(gated.stderr, new RegExp(`^error: tiny-org/gated: gated repo: request access at ${env.HF_ENDPOINT}/tiny-org/gated.*\\n$`));
    const missing = await run(['pull', 'nobody/nothing'], env);
    assert.match(missing.stderr, /^error: nobody\/nothing: no such repo on http:\/\/127\.0\.0\.1:\d+.*\n$/);
    const notCached = await run(['info', '--model', 'nobody/nothing'], env);
    assert.equal(notCached.status, 1);
    assert.match(notCached.stderr, /^error: nobody\/nothing: no such model folder, nor a model nobody\/nothing in the Hugging Face cache \(.*\); download it with: pull nobody\/nothing\n$/);
  });
});
