// The download lock (src/hub/blobLock.ts): one holder at a time, a waiter goes on when it is
// released, a lock left by a dead process or untouched too long is taken over, a cancel while
// waiting stops at once; and two pulls of the same repo into one cache (two windows, the CLI and
// the extension) fetch each blob once and both end with a whole snapshot.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { hostname } from 'node:os';
import * as os from 'node:os';
import * as path from 'node:path';
import { acquireLock, blobLockPath } from '../../src/hub/blobLock';
import { HubError } from '../../src/hub/errors';
import { pull } from '../../src/hub/pull';
import { blobName, FakeHub, folderFiles } from '../helpers/fakeHub';

const QWEN = folderFiles(path.join(__dirname, '..', 'fixtures', 'tiny-qwen2'));

/** A pid that no process has now (a child that has exited). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

describe('hub download lock', function () {
  this.timeout(30000);
  let tmp: string;
  let file: string;

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'al-lock-'));
    file = blobLockPath(path.join(tmp, 'hub'), 'org/name', 'abc123');
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('lives beside Python’s locks: .locks/models--org--name/{etag}.node.lock', () => {
    assert.equal(path.relative(tmp, file), path.join('hub', '.locks', 'models--org--name', 'abc123.node.lock'));
  });

  it('one holder at a time: a second acquirer waits until the first releases', async () => {
    const release = await acquireLock(file);
    const holder = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.equal(holder.pid, process.pid);
    let waitedFor: number | undefined;
    let second = false;
    const next = acquireLock(file, { pollMs: 20, onWait: (h) => (waitedFor = h?.pid) }).then((r) => {
      second = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(second, false, 'the second acquirer waits');
    assert.equal(waitedFor, process.pid, 'onWait names the holder');
    release();
    const release2 = await next;
    assert.ok(fs.existsSync(file));
    release2();
    assert.ok(!fs.existsSync(file), 'release removes the lock');
  });

  it('a lock left by a process that is gone is taken over at once', async () => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ pid: deadPid(), host: hostname(), at: Date.now(), nonce: 'old' }));
    let waited = false;
    const release = await acquireLock(file, { pollMs: 20, onWait: () => (waited = true) });
    assert.equal(waited, false);
    assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).pid, process.pid);
    release();
  });

  it('a lock of a live process is taken over only once nobody touched it for staleMs; a held lock is kept fresh', async () => {
    // A live holder that stopped touching it (hung, or on another machine): stale after staleMs.
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ pid: process.ppid, host: 'another-host', at: Date.now(), nonce: 'x' }));
    const t0 = Date.now();
    const release = await acquireLock(file, { staleMs: 300, pollMs: 20 });
    assert.ok(Date.now() - t0 >= 250, `taken over after ${Date.now() - t0} ms`);
    // Ours is touched while held: a waiter with the same staleMs does not take it over.
    let got = false;
    const waiter = acquireLock(file, { staleMs: 300, pollMs: 20 }).then((r) => {
      got = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(got, false, 'a held lock is not stale');
    release();
    (await waiter)();
  });

  it('a cancel while waiting throws CANCELLED and leaves the holder’s lock', async () => {
    const release = await acquireLock(file);
    const ac = new AbortController();
    const waiting = acquireLock(file, { pollMs: 1000, signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    const t0 = Date.now();
    await assert.rejects(waiting, (err: unknown) => err instanceof HubError && err.code === 'CANCELLED');
    assert.ok(Date.now() - t0 < 900, 'stops at once, not at the next poll');
    assert.ok(fs.existsSync(file));
    release();
  });

  it('two pulls of one repo into one cache: each blob is fetched once, both snapshots are whole', async () => {
    const hub = new FakeHub({ 'org/qwen': { files: QWEN } });
    hub.paceMs = 20; // the weights take a while, so that the second pull finds the lock held
    const endpoint = await hub.start();
    try {
      const env = { HF_ENDPOINT: endpoint, HF_HOME: path.join(tmp, 'home') };
      const cacheDir = path.join(tmp, 'hub');
      const waits: string[] = [];
      // The second pull starts once the first is inside the weights' body (paced), so it must find
      // that blob's lock held, whatever the machine's load.
      const first = pull('org/qwen', { env, cacheDir });
      while (!hub.log.some((r) => r.method === 'GET' && r.path.startsWith('/lfs-storage/'))) await new Promise((r) => setTimeout(r, 5));
      const [a, b] = await Promise.all([first, pull('org/qwen', { env, cacheDir, onWait: (f) => waits.push(f) })]);
      assert.equal(a.path, b.path);
      for (const [name, data] of Object.entries(QWEN)) {
        assert.deepEqual(fs.readFileSync(path.join(a.path, name)), data, name);
        assert.ok(fs.existsSync(path.join(cacheDir, 'models--org--qwen', 'blobs', blobName(name, data))), `${name}'s blob`);
      }
      const gets = hub.log.filter((r) => r.method === 'GET' && (r.path.startsWith('/lfs-storage/') || r.path.includes('/resolve/'))).map((r) => r.path);
      assert.deepEqual(gets.filter((p, k) => gets.indexOf(p) !== k), [], 'no file fetched twice');
      assert.ok(waits.length >= 1, 'the second pull waited for the first');
      const blobs = fs.readdirSync(path.join(cacheDir, 'models--org--qwen', 'blobs'));
      assert.deepEqual(blobs.filter((n) => n.endsWith('.incomplete')), []);
      assert.deepEqual(fs.readdirSync(path.join(cacheDir, '.locks', 'models--org--qwen')).filter((n) => n.endsWith('.node.lock')), [], 'every lock released');
    } finally {
      await hub.stop();
    }
  });
});
