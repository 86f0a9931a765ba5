// The head table's scores on hand-built attention patterns (each pattern the one a score names
// scores 1, uniform attention near 0), its badges and ranking, the probe's ids, and the vocabulary
// facts the probe draws from (on real tokenizers: GPT-2-style, Mistral with its BOS, Qwen3).
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { PROBE_LENGTH, probeIds } from '../../src/analysis/headProbe';
import { BADGE_THRESHOLDS, badgesOf, rankHeads, scoreHeads, scoreLayer, type HeadScoreValues } from '../../src/analysis/headScores';
import { makeRepeatedRandomTokens } from '../../src/analysis/headStats';
import { loadTokenizer } from '../../src/engine/loadTokenizer';
import { vocabularyFacts } from '../../src/engine/modelInfo';

const ROOT = join(__dirname, '..', '..');
/** "Near 0": what uniform attention over T = 128 keys may score on the one-key patterns. */
const NEAR_ZERO = 0.05;

type Row = (t: number) => number[];
/** [H, T, T] from one row function per head. */
function build(T: number, heads: Row[]): Float32Array {
  const att = new Float32Array(heads.length * T * T);
  heads.forEach((row, h) => {
    for (let t = 0; t < T; t++) att.set(row(t), (h * T + t) * T);
  });
  return att;
}
const oneHot = (T: number, s: number): number[] => Array.from({ length: T }, (_, i) => (i === s ? 1 : 0));
const uniform = (T: number): Row => (t) => Array.from({ length: T }, (_, s) => (s <= t ? 1 / (t + 1) : 0));
/** Equal weight on the keys `keys(t)` (itself when there are none). */
const spread = (T: number, keys: (t: number) => number[]): Row => (t) => {
  const k = keys(t);
  return k.length ? Array.from({ length: T }, (_, s) => (k.includes(s) ? 1 / k.length : 0)) : oneHot(T, t);
};

describe('headScores', () => {
  const n = 64;
  const T = 2 * n;
  const ids = makeRepeatedRandomTokens(n, 5000, 7); // [2n]: n random ids, then the same again
  const previous: Row = (t) => oneHot(T, Math.max(0, t - 1));
  const sink: Row = () => oneHot(T, 0);
  // In the second half, query t looks at the token after its first occurrence, t − n + 1.
  const induction: Row = (t) => oneHot(T, t >= n ? t - n + 1 : t);
  const duplicate = spread(T, (t) => (t >= n ? [t - n] : []));
  const self: Row = (t) => oneHot(T, t);
  const rows = scoreLayer(3, build(T, [previous, sink, induction, duplicate, uniform(T), self]), 6, T, ids);
  const [prev, snk, ind, dup, uni, slf] = rows.map((r) => r.scores);

  it('a pure previous-token map scores 1 on previousToken and 1 token of distance', () => {
    assert.equal(prev.previousToken, 1);
    assert.equal(prev.local, 1);
    assert.equal(prev.entropy, 0);
  });

  it('a sink scores 1 on firstToken', () => {
    assert.equal(snk.firstToken, 1);
    assert.ok(snk.previousToken < NEAR_ZERO);
  });

  it('a perfect induction pattern on a repeated sequence scores 1 on induction, 0 on duplicateToken', () => {
    assert.equal(ind.induction, 1);
    assert.equal(ind.duplicateToken, 0);
  });

  it('attention to earlier copies of the token scores 1 on duplicateToken, 0 on induction', () => {
    assert.equal(dup.duplicateToken, 1);
    assert.equal(dup.induction, 0);
  });

  it('uniform attention scores near 0 on the one-key scores, log2(t+1) bits, T/4 tokens of distance', () => {
    for (const k of ['previousToken', 'induction', 'duplicateToken', 'firstToken'] as const) assert.ok(uni[k] < NEAR_ZERO, `${k} ${uni[k]}`);
    const bits = Array.from({ length: T }, (_, t) => Math.log2(t + 1)).reduce((a, b) => a + b) / T;
    assert.ok(Math.abs(uni.entropy - bits) < 1e-4);
    // Σ_s (t − s)/(t + 1) = t/2, averaged over t = 1 … T−1: T/4.
    assert.ok(Math.abs(uni.local - T / 4) < 1e-3, `${uni.local}`);
  });

  it('attention to itself is distance 0', () => {
    assert.equal(slf.local, 0);
    assert.equal(slf.previousToken, 0);
  });

  it('rows carry their layer and head; badges follow the thresholds', () => {
    assert.deepEqual(rows.map((r) => [r.layer, r.head]), [[3, 0], [3, 1], [3, 2], [3, 3], [3, 4], [3, 5]]);
    assert.deepEqual(rows.map((r) => r.badges), [['previousToken'], ['firstToken'], ['induction'], ['duplicateToken'], [], []]);
    const at = (x: number): HeadScoreValues => ({ previousToken: x, induction: x, duplicateToken: x, firstToken: x, local: 0, entropy: 0 });
    assert.deepEqual(badgesOf(at(0.3)), ['induction', 'duplicateToken']);
    assert.deepEqual(badgesOf(at(NaN)), []);
    for (const [b, v] of Object.entries(BADGE_THRESHOLDS)) assert.ok(v > 0 && v < 1, b);
  });

  it('scoreHeads goes layer by layer; rankHeads sorts by a score, local ascending, NaN last', () => {
    const all = scoreHeads([build(T, [uniform(T), previous]), build(T, [self, induction])], 2, T, ids);
    assert.deepEqual(all.map((r) => `${r.layer}.${r.head}`), ['0.0', '0.1', '1.0', '1.1']);
    assert.deepEqual(rankHeads(all, 'previousToken').map((r) => `${r.layer}.${r.head}`).slice(0, 1), ['0.1']);
    assert.deepEqual(rankHeads(all, 'local').map((r) => `${r.layer}.${r.head}`).slice(0, 2), ['1.0', '0.1']);
    const noRepeats = scoreLayer(0, build(4, [(t) => oneHot(4, t)]), 1, 4, [1, 2, 3, 4]);
    assert.ok(Number.isNaN(noRepeats[0].scores.induction) && Number.isNaN(noRepeats[0].scores.duplicateToken));
    const withNaN = [...noRepeats, ...all];
    assert.equal(rankHeads(withNaN, 'induction').at(-1), noRepeats[0]);
    assert.equal(rankHeads(withNaN, 'induction')[0].layer, 1);
  });
});

describe('headProbe', () => {
  it('the prefix, then PROBE_LENGTH distinct ordinary ids twice; seeded; no specials; within both vocabularies', () => {
    const v = { size: 300, specialIds: [0, 1, 2, 299], prefixIds: [1] };
    const model = { vocabSize: 280, nPositions: 1024 };
    const p = probeIds(v, model);
    assert.equal(p.length, 1 + 2 * PROBE_LENGTH);
    assert.equal(p[0], 1);
    const body = p.slice(1);
    assert.deepEqual(body.slice(PROBE_LENGTH), body.slice(0, PROBE_LENGTH));
    assert.equal(new Set(body).size, PROBE_LENGTH);
    assert.ok(body.every((id) => id > 2 && id < 280), String(body));
    assert.deepEqual(probeIds(v, model), p);
    assert.notDeepEqual(probeIds(v, model, PROBE_LENGTH, 1), p);
  });

  it('a context too short for the whole probe gets what fits', () => {
    const v = { size: 300, specialIds: [1], prefixIds: [1] };
    const p = probeIds(v, { vocabSize: 300, nPositions: 20 });
    assert.equal(p.length, 19); // BOS + 2 × 9
    assert.deepEqual(p.slice(1, 10), p.slice(10));
  });
});

describe('vocabularyFacts', () => {
  it('the bundled GPT-2-style tokenizer: nothing before a text, its end-of-text token special', () => {
    const tok = loadTokenizer(join(ROOT, 'media', 'model'));
    const f = vocabularyFacts(tok);
    assert.ok(f);
    assert.equal(f.size, tok.vocabSize);
    assert.deepEqual(f.prefixIds, []);
    assert.ok(tok.eosTokenId !== undefined && f.specialIds.includes(tok.eosTokenId));
  });

  it('Mistral puts its BOS before a text; Qwen3 adds nothing and lists its added tokens', () => {
    const mistral = loadTokenizer(join(ROOT, 'test', 'fixtures', 'tokenizers', 'mistral'));
    const m = vocabularyFacts(mistral);
    assert.ok(m && mistral.bosTokenId !== undefined);
    assert.deepEqual(m.prefixIds, [mistral.bosTokenId]);
    assert.ok(m.specialIds.includes(mistral.bosTokenId));
    const qwen = loadTokenizer(join(ROOT, 'test', 'fixtures', 'tokenizers', 'qwen3'));
    const q = vocabularyFacts(qwen);
    assert.ok(q);
    assert.deepEqual(q.prefixIds, []);
    assert.equal(q.specialIds.length, 26); // the README's "151 643 tokens + 26 added"
    assert.ok(q.specialIds.every((id) => id >= 151643));
  });

  it('a tokenizer that cannot list its specials gives none', () => {
    assert.equal(vocabularyFacts({ vocabSize: 10 }), undefined);
  });
});
