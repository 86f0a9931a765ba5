import * as assert from 'node:assert/strict';
import { ShuffledBatches, TokenWindows, copyTaskBatch, type CopyTaskOptions } from '../../src/train/data';
import { parseTrainConfig } from '../../src/train/trainConfig';

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

  const copy: CopyTaskOptions = { rows: 6, length: 40, periodMin: 5, periodMax: 12, idsFrom: 256, idsTo: 300 };

  it('copy task: each row repeats a random span, with loss only where the span is known', () => {
    const b = copyTaskBatch(copy, 7, 3);
    assert.equal(b.B, 6);
    assert.equal(b.T, 40);
    const periods = new Set<number>();
    for (let r = 0; r < b.B; r++) {
      const seq = [...Array.from(b.inputs.subarray(r * 40, r * 40 + 40)), b.targets[r * 40 + 39]];
      for (const id of seq) assert.ok(id >= 256 && id < 300, `id ${id}`);
      // the smallest P with seq[i] = seq[i − P] everywhere
      let P = 1;
      while (seq.some((x, i) => i >= P && x !== seq[i - P])) P++;
      assert.ok(P >= 5 && P <= 12, `period ${P}`);
      periods.add(P);
      for (let i = 0; i < 40; i++) {
        assert.equal(b.targets[r * 40 + i], seq[i + 1]);
        assert.equal(b.weights![r * 40 + i], i + 1 >= P ? 1 : 0, `row ${r} position ${i}`);
      }
    }
    assert.ok(periods.size > 1, 'the period varies between rows');
  });

  it('copy task: the same (seed, step) draws the same rows, another step other rows', () => {
    assert.deepEqual(copyTaskBatch(copy, 7, 3), copyTaskBatch(copy, 7, 3));
    assert.notDeepEqual(copyTaskBatch(copy, 7, 3).inputs, copyTaskBatch(copy, 7, 4).inputs);
    assert.notDeepEqual(copyTaskBatch(copy, 7, 3).inputs, copyTaskBatch(copy, 8, 3).inputs);
  });

  it('copy task: the config is checked with a message naming the field', () => {
    const base = { tokenizer: 't', data: { train: 'a', val: 'b' }, model: { nLayer: 1, nHead: 1, nEmbd: 8 }, contextLength: 32, batchSize: 1, steps: 1, lr: 0.001, out: 'o' };
    const ok = parseTrainConfig({ ...base, copyTask: { ...copy, length: 32 } }, 'c.json');
    assert.deepEqual(ok.copyTask, { ...copy, length: 32 });
    assert.equal(parseTrainConfig(base, 'c.json').copyTask, undefined);
    assert.throws(() => parseTrainConfig({ ...base, copyTask: { ...copy } }, 'c.json'), /copyTask\.length/); // 40 > context 32
    assert.throws(() => parseTrainConfig({ ...base, copyTask: { ...copy, length: 32, periodMin: 0 } }, 'c.json'), /copyTask\.periodMin/);
    assert.throws(() => parseTrainConfig({ ...base, copyTask: { ...copy, length: 32, periodMax: 4 } }, 'c.json'), /copyTask\.periodMax/);
    assert.throws(() => parseTrainConfig({ ...base, copyTask: 'yes' }, 'c.json'), /"copyTask" must be an object/);
  });
});
