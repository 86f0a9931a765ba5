// Cross-attention as an alignment: a row per head or averaged over heads, its heaviest sources,
// and the links of every target token, on hand-made maps whose answer is known.
import * as assert from 'node:assert/strict';
import { alignmentLinks, crossRow, targetTokenAt, topSources } from '../../src/analysis/crossAlignment';

// 1 layer, 2 heads, T = 2 target positions, S = 3 source tokens: [L, H, T, S]
const maps = {
  decoderLayers: 1,
  nHead: 2,
  T: 2,
  S: 3,
  cross: Float32Array.from([
    // head 0: t0 → s2, t1 → s0
    0.1, 0.2, 0.7,
    0.6, 0.3, 0.1,
    // head 1: t0 → s1, t1 → s0
    0.1, 0.8, 0.1,
    0.9, 0.05, 0.05,
  ]),
};

describe('cross-attention alignment', function () {
  it('crossRow: one head, or the mean over the heads', function () {
    assert.deepEqual([...crossRow(maps, 0, 0, 0)].map((x) => +x.toFixed(4)), [0.1, 0.2, 0.7]);
    assert.deepEqual([...crossRow(maps, 0, -1, 0)].map((x) => +x.toFixed(4)), [0.1, 0.5, 0.4]);
    assert.throws(() => crossRow(maps, 0, 2, 0), /head 2 is outside 0\.\.1/);
    assert.throws(() => crossRow(maps, 0, 0, 2), /target position 2 is outside 0\.\.1/);
  });

  it('topSources: heaviest first, ties to the earlier source, light ones left out', function () {
    assert.deepEqual(topSources([0.2, 0.5, 0.2, 0.1], 3).map((a) => a.source), [1, 0, 2]);
    assert.deepEqual(topSources([0.2, 0.5, 0.2, 0.1], 3, 0.3).map((a) => a.source), [1]);
  });

  it('alignmentLinks: every target token to its top source', function () {
    const links = alignmentLinks(maps, 0, -1, 1);
    assert.deepEqual(links.map((l) => l.map((a) => a.source)), [[1], [0]]);
    assert.ok(Math.abs(links[1][0].weight - 0.75) < 1e-6);
  });

  it('targetTokenAt: the token under an offset (either edge), none off every token or on an empty span', function () {
    const target = [
      { id: 0, text: '<pad>', start: 0, end: 0 },
      { id: 5, text: ' Hallo', start: 0, end: 5 },
      { id: 6, text: ' Welt', start: 6, end: 10 },
    ];
    assert.equal(targetTokenAt({ target }, 0), 1);
    assert.equal(targetTokenAt({ target }, 5), 1);
    assert.equal(targetTokenAt({ target }, 7), 2);
    assert.equal(targetTokenAt({ target }, 11), undefined);
  });
});
