// Switching models (src/host/modelSwap.ts): the current model stays in use while the next one
// loads; a switch that fails keeps it, a settings load that fails drops it; loads run one at a time.
import * as assert from 'node:assert/strict';
import { ModelSwap } from '../../src/host/modelSwap';

/** A loader whose loads the test settles by hand, and a log of the hooks. */
function harness() {
  const pending = new Map<string, { resolve: (info: string) => void; reject: (e: Error) => void }>();
  const log: string[] = [];
  const started: string[] = [];
  const swap = new ModelSwap<string>(
    (dir) =>
      new Promise<string>((resolve, reject) => {
        started.push(dir);
        pending.set(dir, { resolve, reject });
      }),
    {
      loading: (dir) => log.push(`loading ${dir} (current ${swap.current?.info ?? 'none'})`),
      loaded: (s) => log.push(`loaded ${s.info}`),
      failed: (err, dir, kept) => log.push(`failed ${dir}: ${(err as Error).message}; kept ${kept?.info ?? 'none'}`),
    },
  );
  const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
  return { swap, pending, log, started, tick };
}

describe('model switching', () => {
  it('the current model stays in use until the new one has loaded', async () => {
    const { swap, pending, log, tick } = harness();
    const a = swap.load('/a', { keep: true });
    await tick();
    pending.get('/a')!.resolve('A');
    await a;
    const b = swap.load('/b', { keep: true });
    await tick();
    assert.equal(swap.current?.info, 'A', 'A is in use while B loads');
    assert.equal(swap.busy, true);
    pending.get('/b')!.resolve('B');
    assert.deepEqual(await b, { dir: '/b', info: 'B' });
    assert.equal(swap.current?.info, 'B');
    assert.equal(swap.busy, false);
    assert.deepEqual(log, ['loading /a (current none)', 'loaded A', 'loading /b (current A)', 'loaded B']);
  });

  it('a switch that fails keeps the model in use', async () => {
    const { swap, pending, log, tick } = harness();
    const a = swap.load('/a', { keep: true });
    await tick();
    pending.get('/a')!.resolve('A');
    await a;
    const bad = swap.load('/bad', { keep: true });
    await tick();
    pending.get('/bad')!.reject(new Error('unsupported'));
    await assert.rejects(bad, /unsupported/);
    assert.deepEqual(swap.current, { dir: '/a', info: 'A' });
    assert.equal(log.at(-1), 'failed /bad: unsupported; kept A');
  });

  it('a load the settings asked for that fails drops the model (the error must show)', async () => {
    const { swap, pending, log, tick } = harness();
    const a = swap.load('/a', { keep: true });
    await tick();
    pending.get('/a')!.resolve('A');
    await a;
    const bad = swap.load('/missing', { keep: false });
    await tick();
    pending.get('/missing')!.reject(new Error('does not exist'));
    await assert.rejects(bad, /does not exist/);
    assert.equal(swap.current, undefined);
    assert.equal(log.at(-1), 'failed /missing: does not exist; kept none');
  });

  it('loads run one at a time, in order; idle() waits for all of them', async () => {
    const { swap, pending, started, tick } = harness();
    const b = swap.load('/b', { keep: true });
    const c = swap.load('/c', { keep: true });
    await tick();
    assert.deepEqual(started, ['/b'], 'the second load waits for the first');
    let idle = false;
    void swap.idle().then(() => (idle = true));
    pending.get('/b')!.reject(new Error('no'));
    await assert.rejects(b);
    await tick();
    assert.deepEqual(started, ['/b', '/c']);
    assert.equal(idle, false);
    pending.get('/c')!.resolve('C');
    await c;
    await tick();
    assert.equal(idle, true);
    assert.equal(swap.current?.info, 'C');
  });
});
