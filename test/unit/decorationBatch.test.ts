// The editor decorations' batching (src/host/decorationBatch.ts): requests within one frame reach
// the editor as one update of the kinds asked for; the highlight levels of a query's row.
import * as assert from 'node:assert/strict';
import { attentionLevels, DecorationBatch } from '../../src/host/decorationBatch';

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('DecorationBatch', () => {
  it('sends a burst of requests as one flush of the kinds asked for', async () => {
    const flushes: string[][] = [];
    const batch = new DecorationBatch<'attention' | 'underlines'>((k) => flushes.push([...k].sort()), 10);
    for (let i = 0; i < 30; i++) batch.request('attention'); // scrubbing the query
    batch.request('underlines');
    assert.equal(flushes.length, 0, 'nothing runs inside the caller (an edit event, a message)');
    await tick(40);
    assert.deepEqual(flushes, [['attention', 'underlines']]);
    batch.request('attention');
    await tick(40);
    assert.deepEqual(flushes, [['attention', 'underlines'], ['attention']]);
  });

  it('flushes now on demand, and drops what is pending when disposed', async () => {
    const flushes: string[][] = [];
    const batch = new DecorationBatch<'a' | 'b'>((k) => flushes.push([...k]), 10);
    batch.request('b');
    batch.flushNow();
    assert.deepEqual(flushes, [['b']]);
    batch.flushNow();
    assert.equal(flushes.length, 1, 'nothing pending: no flush');
    batch.request('a');
    batch.dispose();
    await tick(30);
    assert.equal(flushes.length, 1);
  });
});

describe('attentionLevels', () => {
  it('bins keys up to the query relative to the row max; weak and later keys get none', () => {
    const row = [0.5, 0.01, 0.25, 0.24, 0.9];
    assert.deepEqual(Array.from(attentionLevels(row, 3, 5, false, 8, 0.04)), [7, -1, 4, 3, -1]);
    // gamma lifts the small weight over the threshold: (0.01 / 0.5)^0.4 ≈ 0.21
    assert.deepEqual(Array.from(attentionLevels(row, 3, 5, true, 8, 0.04)), [7, 1, 6, 5, -1]);
    assert.deepEqual(Array.from(attentionLevels([0, 0, 0], 2, 3, false, 8, 0.04)), [-1, -1, -1], 'an all-zero row');
  });
});
