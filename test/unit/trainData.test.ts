import * as assert from 'node:assert/strict';
import { ShuffledBatches, TokenWindows } from '../../src/train/data';

describe('training data: windows and the copy curriculum', () => {
  const tokens = Int32Array.from({ length: 4001 }, (_, i) => i);
  const T = 16;

  it('plain windows are consecutive tokens shifted by one', () => {
    const w = new TokenWindows(tokens, T);
    const b = w.batch([3]);
    assert.deepEqual(Array.from(b.inputs), Array.from({ length: T }, (_, i) => 3 * T + i));
    assert.deepEqual(Array.from(b.targets), Array.from({ length: T }, (_, i) => 3 * T + i + 1));
  });

  it('a repeat window holds half a window twice, so its second half is predictable by copying', () => {
    const w = new TokenWindows(tokens, T);
    const b = w.batch([2], [true]);
    const seq = [...Array.from(b.inputs), b.targets[T - 1]]; // the T+1 tokens of the row
    const half = Math.ceil((T + 1) / 2);
    for (let i = half; i < seq.length; i++) assert.equal(seq[i], seq[i - half], `position ${i}`);
    for (let i = 0; i < T; i++) assert.equal(b.targets[i], seq[i + 1]);
    assert.equal(seq[0], 2 * T);
  });

  it('repeatFraction picks about that share of windows, the same ones after a resume', () => {
    const w = new TokenWindows(tokens, T);
    const isRepeat = (b: { inputs: Int32Array }, r: number) => b.inputs[r * T + Math.ceil((T + 1) / 2)] === b.inputs[r * T];
    const a = new ShuffledBatches(w, 5, 42, { epoch: 0, index: 0 }, 0.3);
    const flags: boolean[] = [];
    for (let i = 0; i < 40; i++) {
      const b = a.next();
      for (let r = 0; r < 5; r++) flags.push(isRepeat(b, r));
    }
    const share = flags.filter(Boolean).length / flags.length;
    assert.ok(share > 0.15 && share < 0.45, `share ${share}`);
    const resumed = new ShuffledBatches(w, 5, 42, { epoch: 0, index: 100 }, 0.3);
    const again: boolean[] = [];
    for (let i = 0; i < 20; i++) {
      const b = resumed.next();
      for (let r = 0; r < 5; r++) again.push(isRepeat(b, r));
    }
    assert.deepEqual(again, flags.slice(100));
    const none = new ShuffledBatches(w, 5, 42, { epoch: 0, index: 0 }, 0);
    for (let i = 0; i < 20; i++) {
      const b = none.next();
      for (let r = 0; r < 5; r++) assert.equal(isRepeat(b, r), false);
    }
  });
});
