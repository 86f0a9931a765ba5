import * as assert from 'node:assert/strict';
import { LatestOnly } from '../../src/host/latestOnly';

describe('host/latestOnly', () => {
  it('a new run aborts the one before and makes it stale', () => {
    const runs = new LatestOnly();
    assert.ok(runs.idle);
    const a = runs.start();
    assert.ok(!runs.idle);
    assert.ok(runs.isCurrent(a) && !a.signal.aborted);
    const b = runs.start();
    assert.ok(a.signal.aborted, 'the older run is cancelled');
    assert.ok(!runs.isCurrent(a) && runs.isCurrent(b) && runs.isCurrent(b.seq));
  });

  it('bump and cancel make every run stale and abort the current one', () => {
    const runs = new LatestOnly();
    const a = runs.start();
    const s = runs.bump();
    assert.ok(a.signal.aborted && !runs.isCurrent(a) && runs.isCurrent(s) && runs.current === s);
    const b = runs.start();
    runs.cancel();
    assert.ok(b.signal.aborted && !runs.isCurrent(b) && !runs.isCurrent(s));
  });
});
