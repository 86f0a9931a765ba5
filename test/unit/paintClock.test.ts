import * as assert from 'node:assert/strict';
import { PaintClock } from '../../src/panel/paintClock';
import { PAINT_LINE } from '../e2e/lib/outputLog';

describe('panel/paintClock', () => {
  const origin = 1_796_000_000_000;

  it('logs each kind once per run, timed by the webview when its clock is within [request, arrival]', () => {
    const c = new PaintClock();
    assert.equal(c.painted({ runId: 1, what: 'overview' }, 50, origin), undefined, 'no run yet');
    c.start(3, 100, 42);
    assert.equal(c.painted({ runId: 2, what: 'overview' }, 200, origin), undefined, 'another run');
    const line = c.painted({ runId: 3, what: 'overview', at: origin + 100 + 60 }, 180, origin);
    assert.ok(line);
    const m = PAINT_LINE.exec(line);
    assert.ok(m, line);
    assert.deepEqual([m[1], m[2], m[3], m[4], m[5]], ['3', 'overview heatmaps', '60', '42', '80']);
    assert.equal(c.painted({ runId: 3, what: 'overview', at: origin + 170 }, 190, origin), undefined, 'once per kind');
    const matrix = c.painted({ runId: 3, what: 'matrix', at: origin + 500 }, 190, origin);
    assert.match(matrix ?? '', /head matrix painted 90 ms/, 'a paint time after the arrival falls back to the arrival');
  });
});
