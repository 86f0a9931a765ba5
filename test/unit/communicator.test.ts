// The communicator a model runs with when it asks no other thread: alone (a no-op) or as a peer
// of a tensor-parallel model (sums only). Rank 0's coordinator is tested through parallel.test.ts.
import * as assert from 'assert';
import { LocalCommunicator, singleThread } from '../../src/engine/communicator';
import { AllReduce, createReduceBuffer } from '../../src/engine/parallel/allReduce';
import type { LayerCapture } from '../../src/engine/types';

describe('communicator', function () {
  const request = { ids: [1, 2], opts: {}, logitsOut: new Float32Array(4), attentionsOut: [] };

  it('alone: one thread, the partial is the sum, plain arrays, never broken', function () {
    const partial = new Float32Array([1, 2, 3]);
    assert.strictEqual(singleThread.threads, 1);
    assert.strictEqual(singleThread.allReduce(partial), partial);
    const a = singleThread.array(5);
    assert.ok(a instanceof Float32Array && a.length === 5 && a.buffer instanceof ArrayBuffer);
    singleThread.fail();
    assert.strictEqual(singleThread.broken, false);
    assert.strictEqual(singleThread.waitedMs, 0);
  });

  it('alone: a streamed layer is handed over before layer() returns, with nothing to await', function () {
    const join = singleThread.forward(request);
    const handed: number[] = [];
    for (let l = 0; l < 3; l++) {
      const wait = join.layer(l, () => handed.push(l));
      assert.strictEqual(wait, undefined);
      assert.deepStrictEqual(handed, Array.from({ length: l + 1 }, (_, i) => i));
    }
  });

  it('alone: the capture and the logits columns come back as they are', async function () {
    const join = singleThread.forward(request);
    const capture = { layer: 0 } as LayerCapture;
    assert.strictEqual(await join.blocks(capture), capture);
    assert.strictEqual(await join.blocks(undefined), undefined);
    await join.done();
    const local = new Float32Array([4, 5]);
    assert.strictEqual(await singleThread.columns({ op: 'unembed', residual: new Float32Array(2), T: 1 })(local, 1), local);
  });

  it('a peer: as many threads as ranks, and a failure it reports marks the shared sums failed', function () {
    const sab = createReduceBuffer(2, 4);
    const peer = new LocalCommunicator(new AllReduce(sab, 1, 2, 4));
    const other = new AllReduce(sab, 0, 2, 4);
    assert.strictEqual(peer.threads, 2);
    assert.strictEqual(peer.broken, false);
    peer.fail();
    assert.strictEqual(peer.broken, true);
    assert.strictEqual(other.failed, true);
    assert.throws(() => other.sum(new Float32Array(4)), /stopped/);
  });
});
