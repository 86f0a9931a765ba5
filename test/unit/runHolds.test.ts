// Shared engine runs (tiny-model, in process): the panel and the Layer Stepper each hold the run
// they show; the engine forgets it only when the last hold is let go, so closing the panel (or the
// panel moving on to a new analysis) never pulls the run from under the stepper that follows it.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { EngineSession } from '../../src/engine/session';
import { RunHolds } from '../../src/host/runHolds';
import { AnalysisRun } from '../../src/panel/analysisRun';
import { rangeLabel } from '../../src/analysis/inputText';
import { StepperRun } from '../../src/views/stepperRun';

const TINY = join(__dirname, '..', 'fixtures', 'tiny-model');
const TEXT = 'The progress of public credit is witnessed by a considerable rise.';

describe('RunHolds: engine runs shared by the panel and the Layer Stepper', function () {
  this.timeout(60_000);
  let s: EngineSession;
  /** The engine as the host sees it (the worker client's methods used by the runs). */
  let engine: {
    attention: (r: number, l: number, h: number) => Promise<Float32Array>;
    allAttentions: (r: number) => Promise<Float32Array>;
    release: (r: number) => Promise<void>;
    capture: EngineSession['capture'];
    logits: (r: number) => Promise<Float32Array>;
    logitLens: EngineSession['logitLens'];
  };
  const alive = (runId: number): boolean => {
    try {
      s.ids(runId);
      return true;
    } catch {
      return false;
    }
  };

  before(async () => {
    s = await EngineSession.load(TINY);
    engine = {
      attention: async (r, l, h) => s.attention(r, l, h),
      allAttentions: async (r) => s.allAttentions(r),
      release: async (r) => s.release(r),
      capture: (r, l, p) => s.capture(r, l, p),
      logits: async (r) => s.logits(r),
      logitLens: (r, k) => s.logitLens(r, k),
    };
  });
  after(() => s?.dispose());

  it('forgets a run only when its last hold is let go; a hold lets go once', async () => {
    const runs = new RunHolds();
    const { runId } = await s.analyze(TEXT);
    const a = runs.hold(engine, runId);
    const b = runs.hold(engine, runId);
    assert.equal(runs.count(engine, runId), 2);
    await a.release();
    await a.release(); // a second call must not take b's hold away
    assert.equal(runs.count(engine, runId), 1);
    assert.ok(alive(runId), 'still held by b');
    await b.release();
    assert.equal(runs.count(engine, runId), 0);
    assert.ok(!alive(runId), 'the engine forgot the run');
  });

  it('counts per engine: the same run id of another engine is another run', async () => {
    const runs = new RunHolds();
    const { runId } = await s.analyze(TEXT);
    const other = { release: async (): Promise<void> => assert.fail('the other engine must not be asked') };
    runs.hold(other, runId);
    const h = runs.hold(engine, runId);
    assert.equal(runs.count(engine, runId), 1);
    await h.release();
    assert.ok(!alive(runId));
    assert.equal(runs.count(other, runId), 1);
  });

  it('keeps the stepper’s followed run alive after the panel lets go of it', async () => {
    const runs = new RunHolds();
    const summary = await s.analyze(TEXT, { topK: 10 });
    const panelRun = new AnalysisRun(engine, summary, runs.hold(engine, summary.runId));
    const fromPanel = await panelRun.matrix({ kind: 'head', layer: 0, head: 0 });
    // What AttentionPanel.onDidAnalyze hands the stepper: retain() takes the stepper's own hold.
    const stepperHold = runs.hold(engine, summary.runId);
    const stepper = new StepperRun(engine, summary.runId, summary.tokens, { uri: 'file:///x.txt', base: 0, length: TEXT.length, label: rangeLabel('x.txt', 0, 0) }, s.info.vocabSize, summary.predictions);
    await panelRun.release(); // the panel closes, or moves on to another analysis
    await panelRun.release();
    assert.ok(alive(summary.runId), 'the stepper still holds the run');
    const last = summary.T - 1;
    const c = await stepper.capture(0, last);
    // the stepper's softmax row of head 0 is the panel's matrix row (same run, same numbers)
    const T = summary.T;
    const row = fromPanel.subarray(last * T, (last + 1) * T);
    for (let j = 0; j < T; j++) assert.ok(Math.abs(c.capture.weights[j] - row[j]) < 1e-6, `key ${j}`);
    const r = await stepper.readout(last);
    assert.deepEqual(r.ids, summary.predictions[last].ids);
    await stepperHold.release(); // the stepper moves on
    assert.ok(!alive(summary.runId), 'no one holds the run: the engine forgot it');
  });

  it('labels a range with 1-based lines', () => {
    assert.equal(rangeLabel('notes.txt', 2, 2), 'notes.txt:3');
    assert.equal(rangeLabel('notes.txt', 2, 6), 'notes.txt:3–7');
  });
});
