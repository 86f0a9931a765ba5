// The head table on the bundled model (media/model), whose README names its heads: the
// previous-token head L0H3 and the induction heads L2H1 and L2H3. Asserted as rankings of what is
// measured (which head comes first), not as stored numbers; and the CLI's `heads` prints the same
// table as the in-process session computes.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rankHeads, SCORE_NAMES, type HeadRow, type ScoreName } from '../../src/analysis/headScores';
import { headRowsOf, probeTokens } from '../../src/cli/heads';
import { EngineSession } from '../../src/engine/session';
import { assertOneLineFailure, cli, ensureBuilt } from './cliRun';

const ROOT = join(__dirname, '..', '..');
const MODEL = join(ROOT, 'media', 'model');
const REPEATS = join(ROOT, 'samples', 'repeats.txt');
/** The CLI and the session run the same forward: only JSON's printing of the floats differs. */
const TOL = 1e-9;

const name = (r: HeadRow): string => `L${r.layer}H${r.head}`;
const top = (rows: HeadRow[], by: ScoreName, k: number): string[] => rankHeads(rows, by).slice(0, k).map(name);

describe('head table on the bundled model', function () {
  this.timeout(120_000);
  let session: EngineSession;
  let onText: HeadRow[];
  let onProbe: HeadRow[];

  before(async () => {
    session = await EngineSession.load(MODEL);
    onText = await headRowsOf(session, readFileSync(REPEATS, 'utf8'));
    onProbe = await headRowsOf(session, probeTokens(session));
  });
  after(() => session?.dispose());

  for (const which of ['samples/repeats.txt', 'the probe'] as const) {
    const rows = (): HeadRow[] => (which === 'the probe' ? onProbe : onText);

    it(`on ${which}: L0H3 ranks first by previous-token and has the badge`, () => {
      assert.deepEqual(top(rows(), 'previousToken', 1), ['L0H3']);
      assert.ok(rows().find((r) => name(r) === 'L0H3')?.badges.includes('previousToken'));
    });

    it(`on ${which}: L2H1 and L2H3 rank first and second by induction, with the badge`, () => {
      assert.deepEqual(top(rows(), 'induction', 2).sort(), ['L2H1', 'L2H3']);
      for (const h of ['L2H1', 'L2H3']) assert.ok(rows().find((r) => name(r) === h)?.badges.includes('induction'), h);
    });
  }

  it('every score of the probe is a number; headRowsOf lets go of its runs', () => {
    assert.equal(onProbe.length, 16);
    for (const r of onProbe) for (const k of SCORE_NAMES) assert.ok(Number.isFinite(r.scores[k]), `${name(r)} ${k}`);
    assert.throws(() => session.ids(1), /no longer available/);
  });

  describe('CLI heads', () => {
    before(() => ensureBuilt());

    const compare = (printed: unknown, expected: HeadRow[]): void => {
      assert.ok(Array.isArray(printed));
      assert.equal(printed.length, expected.length);
      printed.forEach((p: { layer: number; head: number; scores: Record<string, number | null>; badges: string[] }, i) => {
        const e = expected[i];
        assert.deepEqual([p.layer, p.head], [e.layer, e.head]);
        assert.deepEqual(Object.keys(p.scores), [...SCORE_NAMES]);
        for (const k of SCORE_NAMES) {
          const want = e.scores[k];
          if (Number.isNaN(want)) assert.equal(p.scores[k], null);
          else assert.ok(Math.abs((p.scores[k] ?? NaN) - want) <= TOL, `${name(e)} ${k}: ${p.scores[k]} vs ${want}`);
        }
        assert.deepEqual(p.badges, e.badges);
      });
    };

    it('prints the text\'s table as JSON', () => {
      const r = cli('heads', '--model', MODEL, '--text-file', REPEATS);
      assert.equal(r.status, 0, r.stderr);
      compare(JSON.parse(r.stdout), onText);
    });

    it('--probe prints the probe\'s table (the text file not read)', () => {
      const r = cli('heads', '--model', MODEL, '--text-file', join(ROOT, 'no-such-file.txt'), '--probe');
      assert.equal(r.status, 0, r.stderr);
      compare(JSON.parse(r.stdout), onProbe);
    });

    it('without --text-file or with a missing one: one line naming it', () => {
      assertOneLineFailure(cli('heads', '--model', MODEL), '--text-file');
      assertOneLineFailure(cli('heads', '--model', MODEL, '--text-file', 'missing.txt'), 'missing.txt');
    });
  });
});
