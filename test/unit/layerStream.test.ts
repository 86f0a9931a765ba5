import * as assert from 'node:assert/strict';
import { LayerStream } from '../../src/engine/layerStream';

describe('engine/LayerStream: the layers of an analysis as they arrive', () => {
  const layer = (x: number) => new Float32Array([x, x]);

  it('counts the layers here from layer 0 and resolves waits as layers come', async () => {
    const s = new LayerStream(3, true);
    const w2 = s.whenLayer(2);
    assert.equal(s.ready, 0);
    s.add(1, layer(1)); // out of order: not yet contiguous
    assert.equal(s.ready, 0);
    assert.deepEqual(s.get(1), layer(1));
    s.add(0, layer(0));
    assert.equal(s.ready, 2);
    assert.equal(s.complete, false);
    s.add(2, layer(2));
    assert.deepEqual(await w2, layer(2));
    assert.equal(s.complete, true);
    assert.deepEqual(await s.whenLayer(0), layer(0));
    s.add(0, layer(9)); // a layer arrives once
    assert.deepEqual(s.get(0), layer(0));
  });

  it('a failure rejects the waits for missing layers, not the layers already here', async () => {
    const s = new LayerStream(2, true);
    s.add(0, layer(0));
    const w1 = s.whenLayer(1);
    s.fail(new Error('cancelled'));
    await assert.rejects(w1, /cancelled/);
    await assert.rejects(s.whenLayer(1), /cancelled/);
    assert.deepEqual(await s.whenLayer(0), layer(0));
    await assert.rejects(s.whenLayer(2), RangeError);
  });

  it('a run whose layers are not streamed (too big for events) rejects every wait at once', async () => {
    const s = new LayerStream(2, false);
    await assert.rejects(s.whenLayer(0), /not streamed/);
    assert.equal(s.ready, 0);
  });
});
