// pull (src/hub/pull.ts) against the loopback Hub (test/helpers/fakeHub.ts): a full pull that the
// engine then loads, resume after a dropped connection, cancel, sha256 mismatch, gated repos,
// 404s for repo / revision / file, .bin-only repos, offline mode and the symlink-less fallback.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadCheckpoint } from '../../src/engine/checkpoint';
import { HubError } from '../../src/hub/errors';
import { hubFetch } from '../../src/hub/hubFetch';
import { pull, type PullPlan, type PullProgress } from '../../src/hub/pull';
import { resolveModelArg } from '../../src/hub/resolveModel';
import { blobName, FakeHub, folderFiles } from '../helpers/fakeHub';

const QWEN = folderFiles(path.join(__dirname, '..', 'fixtures', 'tiny-qwen2'));
const REPO = 'tiny-org/tiny-qwen2';
const TOKEN = 'hf_granted_test_token';

async function rejectsWith(p: Promise<unknown>, code: string, pattern: RegExp): Promise<HubError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof HubError, `expected a HubError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.match(err.message, pattern);
    return err;
  }
  assert.fail(`expected ${code}, the pull succeeded`);
}

describe('hub pull (loopback Hub)', function () {
  this.timeout(30000);
  let hub: FakeHub;
  let env: Record<string, string>;
  let tmp: string;
  let cacheDir: string;

  beforeEach(async () => {
    hub = new FakeHub({
      [REPO]: { files: QWEN, revisions: { v1: 'a'.repeat(40) } },
      'tiny-org/gated': { files: QWEN, gated: [TOKEN] },
      'tiny-org/gemma': { files: { ...QWEN, 'config.json': Buffer.from(JSON.stringify({ architectures: ['GemmaForCausalLM'], model_type: 'gemma' })) } },
      'tiny-org/pickles': { files: { 'config.json': QWEN['config.json'], 'pytorch_model.bin': Buffer.alloc(64, 1) } },
      'tiny-org/bad-index': {
        files: {
          'config.json': QWEN['config.json'],
          'model.safetensors.index.json': Buffer.from(JSON.stringify({ weight_map: { 'model.embed_tokens.weight': 'model-00001-of-00002.safetensors' } })),
        },
      },
      'tiny-org/evil-index': {
        files: {
          'config.json': QWEN['config.json'],
          'model.safetensors.index.json': Buffer.from(JSON.stringify({ weight_map: { a: '../../../../evil.safetensors' } })),
        },
      },
    });
    const endpoint = await hub.start();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'al-hub-'));
    cacheDir = path.join(tmp, 'hub');
    // HF_HOME without a token file: no token unless a test sets one.
    env = { HF_ENDPOINT: endpoint, HF_HOME: path.join(tmp, 'home') };
  });

  afterEach(async () => {
    await hub.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('a full pull writes the Python layout (blobs by ETag, relative symlinks, refs/main) and the engine loads the snapshot', async () => {
    const progress: PullProgress[] = [];
    const r = await pull(REPO, { cacheDir, env, onProgress: (p) => progress.push(p) });
    const commit = hub.commitOf(REPO);
    const folder = path.join(cacheDir, 'models--tiny-org--tiny-qwen2');
    assert.deepEqual(r, { repo: REPO, revision: 'main', commit, path: path.join(folder, 'snapshots', commit) });
    assert.equal(fs.readFileSync(path.join(folder, 'refs', 'main'), 'utf8'), commit);
    assert.deepEqual(fs.readdirSync(r.path).sort(), ['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
    for (const name of fs.readdirSync(r.path)) {
      assert.equal(fs.readlinkSync(path.join(r.path, name)), `../../blobs/${blobName(name, QWEN[name])}`, name);
      assert.deepEqual(fs.readFileSync(path.join(r.path, name)), QWEN[name], name);
    }
    const sha = createHash('sha256').update(QWEN['model.safetensors']).digest('hex');
    assert.ok(fs.existsSync(path.join(folder, 'blobs', sha)), 'the weights blob is named by its sha256');
    assert.equal(fs.readdirSync(path.join(folder, 'blobs')).filter((b) => b.endsWith('.incomplete')).length, 0);
    const total = Object.entries(QWEN).reduce((s, [, b]) => s + b.length, 0);
    const last = progress[progress.length - 1];
    assert.equal(last.doneBytes, total);
    assert.equal(last.totalBytes, total);
    const steps = progress.filter((p) => p.file === 'model.safetensors').map((p) => p.fileBytes);
    assert.ok(steps.every((b, k) => k === 0 || b > steps[k - 1]), 'progress only grows');
    assert.equal(steps[steps.length - 1], QWEN['model.safetensors'].length);

    const { config, weights } = loadCheckpoint(r.path);
    assert.equal(config.nLayer, 2);
    assert.ok(weights.size > 0);

    // A second pull finds everything cached: metadata only, no bytes.
    const before = hub.log.length;
    await pull(REPO, { cacheDir, env });
    assert.deepEqual(hub.log.slice(before).filter((q) => q.path.includes('/resolve/') || q.path.startsWith('/lfs-storage')), []);
  });

  it('the loopback Hub answers resolve as the real one: X-Repo-Commit, ETag, and for LFS a 302 with X-Linked-Etag/-Size', async () => {
    const commit = hub.commitOf(REPO);
    const lfs = await fetch(`${hub.endpoint}/${REPO}/resolve/main/model.safetensors`, { method: 'HEAD', redirect: 'manual' });
    assert.equal(lfs.status, 302);
    assert.equal(lfs.headers.get('x-repo-commit'), commit);
    assert.equal(lfs.headers.get('x-linked-etag'), `"${blobName('model.safetensors', QWEN['model.safetensors'])}"`);
    assert.equal(lfs.headers.get('x-linked-size'), String(QWEN['model.safetensors'].length));
    const ranged = await fetch(lfs.headers.get('location')!, { headers: { Range: 'bytes=10-19' } });
    assert.equal(ranged.status, 206);
    assert.equal(ranged.headers.get('content-range'), `bytes 10-19/${QWEN['model.safetensors'].length}`);
    assert.deepEqual(Buffer.from(await ranged.arrayBuffer()), QWEN['model.safetensors'].subarray(10, 20));
    const small = await fetch(`${hub.endpoint}/${REPO}/resolve/main/config.json`, { method: 'HEAD' });
    assert.equal(small.status, 200);
    assert.equal(small.headers.get('etag'), `"${blobName('config.json', QWEN['config.json'])}"`);
    assert.equal(small.headers.get('x-repo-commit'), commit);
  });

  it('a dropped connection keeps the .incomplete blob; the next pull resumes it with a Range request', async () => {
    hub.dropOnce = 'model.safetensors';
    await rejectsWith(pull(REPO, { cacheDir, env }), 'NETWORK', /model\.safetensors.*pull again to resume/);
    const blobs = path.join(cacheDir, 'models--tiny-org--tiny-qwen2', 'blobs');
    const partial = fs.readdirSync(blobs).find((b) => b.endsWith('.incomplete'))!;
    assert.ok(partial, 'an .incomplete blob is left');
    const kept = fs.statSync(path.join(blobs, partial)).size;
    assert.ok(kept > 0 && kept < QWEN['model.safetensors'].length, `kept ${kept} bytes`);

    const r = await pull(REPO, { cacheDir, env });
    const ranges = hub.log.filter((q) => q.path.startsWith('/lfs-storage') && q.range).map((q) => q.range);
    assert.deepEqual(ranges, [`bytes=${kept}-`]);
    assert.deepEqual(fs.readFileSync(path.join(r.path, 'model.safetensors')), QWEN['model.safetensors']);
    assert.equal(fs.readdirSync(blobs).filter((b) => b.endsWith('.incomplete')).length, 0);
  });

  it('a server that ignores Range: the resumed download starts over and still ends whole', async () => {
    hub.dropOnce = 'model.safetensors';
    await rejectsWith(pull(REPO, { cacheDir, env }), 'NETWORK', /pull again to resume/);
    hub.ignoreRange = true;
    const progress: PullProgress[] = [];
    const r = await pull(REPO, { cacheDir, env, onProgress: (p) => progress.push(p) });
    assert.ok(hub.log.some((q) => q.path.startsWith('/lfs-storage') && q.range), 'it asked for a range');
    assert.deepEqual(fs.readFileSync(path.join(r.path, 'model.safetensors')), QWEN['model.safetensors']);
    const last = progress.filter((p) => p.file === 'model.safetensors').pop()!;
    assert.equal(last.fileBytes, QWEN['model.safetensors'].length, 'the kept bytes are not counted twice');
  });

  it('a second revision with the same files links the blobs it already has: no bytes fetched', async () => {
    const main = await pull(REPO, { cacheDir, env });
    const before = hub.log.length;
    const v1 = await pull(`${REPO}@v1`, { cacheDir, env });
    assert.notEqual(v1.path, main.path);
    assert.deepEqual(hub.log.slice(before).filter((q) => q.path.includes('/resolve/') || q.path.startsWith('/lfs-storage')), []);
    for (const name of fs.readdirSync(main.path)) assert.equal(fs.realpathSync(path.join(v1.path, name)), fs.realpathSync(path.join(main.path, name)));
  });

  it('a cancelled pull stops at once and leaves a resumable .incomplete blob', async () => {
    hub.paceMs = 20; // the first piece of the weights arrives alone: the cancel lands mid-file
    const controller = new AbortController();
    const onProgress = (p: PullProgress): void => {
      if (p.file === 'model.safetensors' && p.fileBytes > 0) controller.abort();
    };
    await rejectsWith(pull(REPO, { cacheDir, env, signal: controller.signal, onProgress }), 'CANCELLED', /cancelled while downloading model\.safetensors/);
    const folder = path.join(cacheDir, 'models--tiny-org--tiny-qwen2');
    const partial = fs.readdirSync(path.join(folder, 'blobs')).filter((b) => b.endsWith('.incomplete'));
    assert.equal(partial.length, 1);
    assert.ok(fs.statSync(path.join(folder, 'blobs', partial[0])).size < QWEN['model.safetensors'].length);
    assert.ok(!fs.existsSync(path.join(folder, 'snapshots', hub.commitOf(REPO), 'model.safetensors')));
    assert.ok(!fs.existsSync(path.join(folder, 'refs', 'main')), 'refs/main is written once the snapshot is whole');
    const r = await pull(REPO, { cacheDir, env });
    assert.deepEqual(fs.readFileSync(path.join(r.path, 'model.safetensors')), QWEN['model.safetensors']);
  });

  it('a blob whose sha256 differs from the Hub’s is deleted, with a message saying so', async () => {
    hub.corrupt = 'model.safetensors';
    await rejectsWith(pull(REPO, { cacheDir, env }), 'SHA_MISMATCH', /model\.safetensors has sha256 [0-9a-f]{64}, the Hub lists [0-9a-f]{64}; the download was deleted/);
    const blobs = path.join(cacheDir, 'models--tiny-org--tiny-qwen2', 'blobs');
    const sha = blobName('model.safetensors', QWEN['model.safetensors']);
    assert.ok(!fs.existsSync(path.join(blobs, sha)));
    assert.ok(!fs.existsSync(path.join(blobs, `${sha}.incomplete`)));
  });

  it('gated: without a token a message with the repo page; with HF_TOKEN or the token file in HF_HOME it downloads', async () => {
    const gated = 'tiny-org/gated';
    await rejectsWith(pull(gated, { cacheDir, env }), 'GATED', new RegExp(`^tiny-org/gated: gated repo: request access at ${hub.endpoint}/tiny-org/gated`));
    await rejectsWith(pull(gated, { cacheDir, env: { ...env, HF_TOKEN: 'hf_someone_else' } }), 'GATED', /this token's account has no access yet; request access at http:\/\/127\.0\.0\.1:\d+\/tiny-org\/gated/);
    const r = await pull(gated, { cacheDir, env: { ...env, HF_TOKEN: TOKEN } });
    assert.ok(fs.existsSync(path.join(r.path, 'model.safetensors')));
    const lfsGets = hub.log.filter((q) => q.path.startsWith('/lfs-storage'));
    assert.ok(lfsGets.length > 0);
    assert.deepEqual(lfsGets.filter((q) => q.auth !== undefined), [], 'the token stays with the Hub: not sent to the LFS storage');
    fs.rmSync(cacheDir, { recursive: true });
    fs.mkdirSync(env.HF_HOME, { recursive: true });
    fs.writeFileSync(path.join(env.HF_HOME, 'token'), `${TOKEN}\n`);
    const again = await pull(gated, { cacheDir, env });
    assert.ok(fs.existsSync(path.join(again.path, 'config.json')));
    assert.ok(hub.log.some((q) => q.path.includes('/tiny-org/gated/resolve/') && q.auth === `Bearer ${TOKEN}`));
  });

  it('404s say whether the repo, the revision or a file is missing', async () => {
    await rejectsWith(pull('tiny-org/nothing-here', { cacheDir, env }), 'REPO_NOT_FOUND', /^tiny-org\/nothing-here: no such repo on http:\/\/127\.0\.0\.1:\d+ \(if it is private, set HF_TOKEN\)/);
    await rejectsWith(pull(`${REPO}@no-such-branch`, { cacheDir, env }), 'REVISION_NOT_FOUND', /^tiny-org\/tiny-qwen2: no revision "no-such-branch"/);
    await rejectsWith(pull('tiny-org/bad-index', { cacheDir, env }), 'FILE_NOT_FOUND', /names the shard "model-00001-of-00002\.safetensors", which the repo does not have/);
    await rejectsWith(pull('tiny-org/pickles', { cacheDir, env }), 'NO_SAFETENSORS', /only PyTorch pickle weights \(pytorch_model\.bin\)/);
    await rejectsWith(pull('tiny-org/evil-index', { cacheDir, env }), 'BAD_FILENAME', /refusing the file name "\.\.\/\.\.\/\.\.\/\.\.\/evil\.safetensors"/);
    await rejectsWith(pull('not a repo', { cacheDir, env }), 'BAD_REPO_ID', /not a Hub repo id/);
    const get = hubFetch({ endpoint: hub.endpoint, repo: REPO, revision: 'main' });
    await rejectsWith(get(`${hub.endpoint}/${REPO}/resolve/main/nope.json`), 'FILE_NOT_FOUND', /^tiny-org\/tiny-qwen2@main: the repo has no file "nope\.json"/);
    assert.ok(!fs.existsSync(path.join(tmp, 'evil.safetensors')));
  });

  it('a revision other than main: refs/{branch} names the commit; a commit hash writes no ref', async () => {
    const r = await pull(`${REPO}@v1`, { cacheDir, env });
    assert.equal(r.commit, 'a'.repeat(40));
    const folder = path.join(cacheDir, 'models--tiny-org--tiny-qwen2');
    assert.equal(fs.readFileSync(path.join(folder, 'refs', 'v1'), 'utf8'), r.commit);
    const byHash = await pull(`${REPO}@${r.commit}`, { cacheDir, env });
    assert.equal(byHash.path, r.path);
    assert.deepEqual(fs.readdirSync(path.join(folder, 'refs')), ['v1']);
  });

  it('the plan comes before any weights: sizes, free space, and whether the engine runs the model; declining stops there', async () => {
    let seen: PullPlan | undefined;
    await rejectsWith(pull('tiny-org/gemma', { cacheDir, env, onPlan: (p) => ((seen = p), false) }), 'CANCELLED', /download declined/);
    assert.ok(seen);
    assert.equal(seen.architecture, 'GemmaForCausalLM');
    assert.equal(seen.supported, false);
    assert.match(seen.reason!, /model_type "gemma" is not supported yet/);
    assert.equal(seen.fits, undefined, 'no memory verdict for a model the engine does not run');
    assert.equal(seen.toDownload, Object.entries(QWEN).filter(([n]) => n !== 'config.json').reduce((s, [, b]) => s + b.length, 0));
    assert.ok(seen.freeBytes > 0);
    assert.deepEqual(hub.log.filter((q) => q.path.startsWith('/lfs-storage')), [], 'no weights fetched');
    const ok = await pull(REPO, { cacheDir, env, onPlan: (p) => ((seen = p), true) });
    assert.equal(seen.supported, true);
    assert.equal(seen.fits, true, seen.memoryNote);
    assert.ok(fs.existsSync(path.join(ok.path, 'model.safetensors')));
  });

  it('HF_HUB_OFFLINE=1 resolves from the cache with no request, and says what is missing', async () => {
    const online = await pull(REPO, { cacheDir, env });
    const before = hub.log.length;
    const offline = { ...env, HF_HUB_OFFLINE: '1' };
    assert.deepEqual(await pull(REPO, { cacheDir, env: offline }), online);
    assert.equal(resolveModelArg(REPO, { cacheDir }), online.path);
    assert.equal(resolveModelArg(`${REPO}@${online.commit}`, { cacheDir }), online.path);
    await rejectsWith(pull('tiny-org/gated', { cacheDir, env: offline }), 'NOT_CACHED', /^offline \(HF_HUB_OFFLINE is set\): tiny-org\/gated: not in the Hugging Face cache/);
    fs.rmSync(path.join(online.path, 'model.safetensors'));
    await rejectsWith(pull(REPO, { cacheDir, env: offline }), 'NOT_CACHED', /the cached snapshot [0-9a-f]{40} lacks model\.safetensors/);
    assert.equal(hub.log.length, before, 'offline: nothing sent');
  });

  it('no network: a cached model is resolved from the cache; an uncached one says both what failed and what the cache lacks', async () => {
    const online = await pull(REPO, { cacheDir, env });
    await hub.stop();
    assert.deepEqual(await pull(REPO, { cacheDir, env }), online);
    await rejectsWith(pull('tiny-org/gated', { cacheDir, env }), 'NETWORK', /^tiny-org\/gated: reaching http:\/\/127\.0\.0\.1:\d+ failed: ECONNREFUSED; the cache cannot stand in: tiny-org\/gated: not in the Hugging Face cache/);
    hub = new FakeHub({});
    await hub.start(); // for afterEach
  });

  it('where symlinks cannot be made: the new blob is moved into the snapshot (as Python does), and the engine loads it', async () => {
    const r = await pull(REPO, { cacheDir, env, symlinks: false });
    for (const name of fs.readdirSync(r.path)) {
      assert.ok(!fs.lstatSync(path.join(r.path, name)).isSymbolicLink(), name);
      assert.deepEqual(fs.readFileSync(path.join(r.path, name)), QWEN[name]);
    }
    assert.deepEqual(fs.readdirSync(path.join(cacheDir, 'models--tiny-org--tiny-qwen2', 'blobs')), []);
    assert.equal(loadCheckpoint(r.path).config.nLayer, 2);
  });

  it('without symlinks, a blob another snapshot links to is copied (it stays in blobs/)', async () => {
    const main = await pull(REPO, { cacheDir, env });
    const v1 = await pull(`${REPO}@v1`, { cacheDir, env, symlinks: false });
    const blobs = path.join(cacheDir, 'models--tiny-org--tiny-qwen2', 'blobs');
    assert.equal(fs.readdirSync(blobs).length, Object.keys(QWEN).length);
    for (const name of fs.readdirSync(v1.path)) {
      assert.ok(!fs.lstatSync(path.join(v1.path, name)).isSymbolicLink(), name);
      assert.ok(fs.lstatSync(path.join(main.path, name)).isSymbolicLink(), name);
      assert.deepEqual(fs.readFileSync(path.join(v1.path, name)), QWEN[name]);
    }
  });
});
