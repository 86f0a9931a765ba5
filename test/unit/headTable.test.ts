// The head table on the panel's side, against the engine worker and the bundled model: the run's
// table (scored layer by layer from the streamed layers, or from the engine head by head) is the
// table of the run's attention; the probe's table is computed once per model, finds the bundled
// model's induction heads, and leaves no run behind; NaN crosses as null.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rankHeads, scoreHeads, type HeadRow } from '../../src/analysis/headScores';
import { EngineClient, type EarlyAttentions } from '../../src/engine/client';
import { AnalysisRun } from '../../src/panel/analysisRun';
import { messageRows, ProbeTable, scoreRun } from '../../src/panel/headTable';
import type { HeadScoreRow } from '../../src/shared/protocol';

const ROOT = join(__dirname, '..', '..');
const WORKER = join(ROOT, 'dist', 'engine-worker.js');
const MODEL = join(ROOT, 'media', 'model');
const TEXT = readFileSync(join(ROOT, 'samples', 'repeats.txt'), 'utf8').split('\n\n')[0];

/** The rows back as numbers (null → NaN), to rank them. */
const numeric = (rows: HeadScoreRow[]): HeadRow[] =>
  rows.map((r) => ({ ...r, scores: Object.fromEntries(Object.entries(r.scores).map(([k, v]) => [k, v ?? NaN])) as HeadRow['scores'] }));

describe('panel head table with the engine worker', function () {
  this.timeout(120_000);
  let client: EngineClient;

  before(async () => {
    if (!existsSync(WORKER)) execFileSync(process.execPath, ['esbuild.config.mjs'], { cwd: ROOT, stdio: 'ignore' });
    client = EngineClient.start({ workerPath: WORKER });
    await client.load(MODEL);
  });
  after(async () => {
    await client?.dispose();
  });

  it("scores the run's attention, from the engine or from the streamed layers, the same", async () => {
    let early: EarlyAttentions | undefined;
    const summary = await client.analyze(TEXT, { truncate: true, topK: 1 }, undefined, (e) => (early = e));
    const { nLayer, nHead, T } = summary;
    const all = await client.allAttentions(summary.runId); // [L, H, T, T]
    const per = nHead * T * T;
    const layers = Array.from({ length: nLayer }, (_, l) => all.subarray(l * per, (l + 1) * per));
    const expected = messageRows(scoreHeads(layers, nHead, T, summary.tokens.map((t) => t.id)));
    const fromEngine = await scoreRun(new AnalysisRun(client, summary), new AbortController().signal);
    assert.deepEqual(fromEngine, expected);
    assert.ok(early?.layers.complete);
    const fromStream = await scoreRun(new AnalysisRun(client, early.summary, undefined, early.layers), new AbortController().signal);
    assert.deepEqual(fromStream, expected);
    assert.deepEqual(rankHeads(numeric(expected), 'induction').slice(0, 2).map((r) => `L${r.layer}H${r.head}`).sort(), ['L2H1', 'L2H3']);
    const stopped = new AbortController();
    stopped.abort();
    assert.equal(await scoreRun(new AnalysisRun(client, summary), stopped.signal), undefined, 'an aborted scoring gives nothing');
    await client.release(summary.runId);
  });

  it('the probe: once per model, its induction heads first, its run released', async () => {
    const info = await client.load(MODEL);
    const table = new ProbeTable();
    const first = table.scores({ client, info });
    assert.equal(table.scores({ client, info }), first, 'the second ask gets the first answer');
    const { T, rows } = await first;
    assert.equal(T, 64);
    assert.equal(rows.length, info.config.nLayer * info.config.nHead);
    assert.deepEqual(rankHeads(numeric(rows), 'induction').slice(0, 2).map((r) => `L${r.layer}H${r.head}`).sort(), ['L2H1', 'L2H3']);
    assert.deepEqual(rankHeads(numeric(rows), 'previousToken')[0].layer, 0);
    // The probe's run is released: asking for its attention fails (run ids count up from the last).
    const probe = await client.analyze('a', { topK: 1 });
    await assert.rejects(client.attention(probe.runId - 1, 0, 0), /no longer available/);
    await client.release(probe.runId);
  });

  it('a score with nothing to average over crosses as null', () => {
    const [row] = messageRows([{ layer: 0, head: 0, scores: { previousToken: 1, induction: NaN, duplicateToken: NaN, firstToken: 0, local: 1, entropy: 0 }, badges: ['previousToken'] }]);
    assert.deepEqual(row.scores, { previousToken: 1, induction: null, duplicateToken: null, firstToken: 0, local: 1, entropy: 0 });
    assert.deepEqual(JSON.parse(JSON.stringify(row)), row);
  });
});
