// Compare's token alignment: two tokenizations of one text by character spans (real tokenizers on a
// table of tricky texts, and hand-made cases), and the diff of two token sequences (against an LCS
// computed by dynamic programming).
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { alignBySpans, diffTokens, type AlignedGroup, type TokenSpan } from '../../src/analysis/tokenAlignment';
import { alignRuns } from '../../src/analysis/compareRuns';
import { loadTokenizer } from '../../src/engine/loadTokenizer';
import { mulberry32 } from '../../src/shared/mulberry32';
import type { Tokenizer } from '../../src/engine/types';

const ROOT = join(__dirname, '..', '..');
const TOKENIZERS = {
  bundled: join(ROOT, 'media', 'model'), // byte-level BPE, 4096 ids: Chinese as byte tokens
  tiny: join(ROOT, 'test', 'fixtures', 'tiny-model'), // byte-level BPE, 557 ids: almost every character in bytes
  mistral: join(ROOT, 'test', 'fixtures', 'tokenizers', 'mistral'), // SentencePiece: BOS and "▁" with empty spans, byte fallback
  qwen3: join(ROOT, 'test', 'fixtures', 'tokenizers', 'qwen3'), // byte-level BPE with a large vocabulary
};

const loaded = new Map<string, Tokenizer>();
/** Each tokenizer once (Qwen3's takes seconds to load). */
function tokenizer(name: keyof typeof TOKENIZERS): Tokenizer {
  let t = loaded.get(name);
  if (!t) loaded.set(name, (t = loadTokenizer(TOKENIZERS[name])));
  return t;
}

const TEXTS = [
  'Hello world',
  'The quick brown fox jumps over the lazy dog.',
  '  two  spaces,\ttabs\tand\nnew lines\n\n',
  '你好，世界！今天天气很好。',
  'mixed 中文 and English: 注意力机制 (attention)',
  'emoji 😀👍🏽 and accents: café, naïve, Ærøskøbing',
  'numbers 1234567890 and symbols <|> {} [] $%^&*',
  '',
];

/** Every token of both sides, once, in order, the groups' ranges following one another. */
function assertCovers(groups: AlignedGroup[], nA: number, nB: number): void {
  let i = 0;
  let j = 0;
  for (const g of groups) {
    assert.equal(g.a[0], i, `group ${JSON.stringify(g)} starts A at ${g.a[0]}, expected ${i}`);
    assert.equal(g.b[0], j, `group ${JSON.stringify(g)} starts B at ${g.b[0]}, expected ${j}`);
    assert.ok(g.a[1] >= g.a[0] && g.b[1] >= g.b[0]);
    assert.ok(g.a[1] > g.a[0] || g.b[1] > g.b[0], 'an empty group');
    i = g.a[1];
    j = g.b[1];
  }
  assert.equal(i, nA);
  assert.equal(j, nB);
}

const charsOf = (t: readonly TokenSpan[], [from, to]: [number, number]): [number, number] => {
  const s = t.slice(from, to).filter((x) => x.end > x.start);
  return [Math.min(...s.map((x) => x.start)), Math.max(...s.map((x) => x.end))];
};

/** The places inside a range where it could be cut: every token before ends at or before c, every token after starts at or after c. */
function cuts(t: readonly TokenSpan[], [from, to]: [number, number]): Set<number> {
  const out = new Set<number>();
  for (let k = from + 1; k < to; k++) {
    const c = Math.max(...t.slice(from, k).map((x) => x.end));
    if (t.slice(k, to).every((x) => x.start >= c)) out.add(c);
  }
  return out;
}

function assertSpanAlignment(a: readonly TokenSpan[], b: readonly TokenSpan[], groups: AlignedGroup[], label: string): void {
  assertCovers(groups, a.length, b.length);
  for (const g of groups) {
    const both = g.a[1] > g.a[0] && g.b[1] > g.b[0];
    assert.equal(both, g.kind === 'same' || g.kind === 'merged', `${label}: kind ${g.kind} for ${JSON.stringify(g)}`);
    if (!both) continue;
    // both sides cover the same characters
    assert.deepEqual(charsOf(a, g.a), charsOf(b, g.b), `${label}: group ${JSON.stringify(g)} covers different characters`);
    // and the group is the smallest that does: no place where both sides could be cut
    const common = [...cuts(a, g.a)].filter((c) => cuts(b, g.b).has(c));
    assert.deepEqual(common, [], `${label}: group ${JSON.stringify(g)} could be split at ${common.join(', ')}`);
    if (g.kind === 'same') {
      assert.equal(g.a[1] - g.a[0], 1);
      assert.equal(g.b[1] - g.b[0], 1);
    }
  }
}

describe('alignBySpans', () => {
  const pairs: [keyof typeof TOKENIZERS, keyof typeof TOKENIZERS][] = [
    ['bundled', 'tiny'],
    ['bundled', 'mistral'],
    ['mistral', 'qwen3'],
    ['tiny', 'qwen3'],
  ];
  for (const [nameA, nameB] of pairs) {
    it(`aligns ${nameA} with ${nameB} on every text of the table`, () => {
      const ta = tokenizer(nameA);
      const tb = tokenizer(nameB);
      for (const text of TEXTS) {
        const a = ta.encode(text);
        const b = tb.encode(text);
        const groups = alignBySpans(a, b);
        assertSpanAlignment(a, b, groups, `${nameA}/${nameB} on ${JSON.stringify(text)}`);
        // every character some token of both covers is in a compared group
        const paired = groups.filter((g) => g.kind === 'same' || g.kind === 'merged');
        if (a.some((t) => t.end > t.start) && b.some((t) => t.end > t.start)) assert.ok(paired.length > 0);
      }
    });
  }

  it('gives one token per group when both sides tokenize alike', () => {
    const tok = tokenizer('bundled');
    const a = tok.encode(TEXTS[4]);
    const groups = alignBySpans(a, a);
    // byte tokens of one character share its span: they group together, the rest are 'same'
    assertSpanAlignment(a, a, groups, 'bundled/bundled');
    for (const g of groups) if (g.a[1] - g.a[0] === 1) assert.equal(g.kind, 'same');
    assert.ok(groups.some((g) => g.kind === 'merged' && g.a[1] - g.a[0] === 3), 'a Chinese character in 3 byte tokens is one group');
  });

  it('groups byte tokens with the whole character, and keeps empty-span and unmatched tokens apart', () => {
    // A: BOS (empty), "自" as 3 byte tokens sharing [0,1), " x" [1,3); B: "自" [0,1), " " [1,2), "x" [2,3), then "!" [3,4) A lacks
    const a = [
      { start: 0, end: 0 },
      { start: 0, end: 1 },
      { start: 0, end: 1 },
      { start: 0, end: 1 },
      { start: 1, end: 3 },
    ];
    const b = [
      { start: 0, end: 1 },
      { start: 1, end: 2 },
      { start: 2, end: 3 },
      { start: 3, end: 4 },
    ];
    assert.deepEqual(alignBySpans(a, b), [
      { kind: 'onlyA', a: [0, 1], b: [0, 0] },
      { kind: 'merged', a: [1, 4], b: [0, 1] },
      { kind: 'merged', a: [4, 5], b: [1, 3] },
      { kind: 'onlyB', a: [5, 5], b: [3, 4] },
    ]);
  });

  it('chains overlapping tokens into one group', () => {
    // A: [0,2) [2,4); B: [0,1) [1,3) [3,4): no common cut inside 0..4
    assert.deepEqual(
      alignBySpans(
        [
          { start: 0, end: 2 },
          { start: 2, end: 4 },
        ],
        [
          { start: 0, end: 1 },
          { start: 1, end: 3 },
          { start: 3, end: 4 },
        ],
      ),
      [{ kind: 'merged', a: [0, 2], b: [0, 3] }],
    );
  });
});

/** Length of the longest common subsequence, by dynamic programming: the independent reference. */
function lcsLength(a: readonly number[], b: readonly number[]): number {
  let prev = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    const row = [0];
    for (let j = 1; j <= b.length; j++) row[j] = a[i - 1] === b[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], row[j - 1]);
    prev = row;
  }
  return prev[b.length];
}

function assertDiff(a: number[], b: number[], groups: AlignedGroup[]): void {
  assertCovers(groups, a.length, b.length);
  let same = 0;
  for (const g of groups) {
    if (g.kind === 'same') {
      assert.equal(a[g.a[0]], b[g.b[0]], `a kept pair that differs: ${JSON.stringify(g)}`);
      assert.equal(g.a[1] - g.a[0], 1);
      same++;
    } else assert.ok(g.kind === 'onlyA' ? g.b[1] === g.b[0] && g.a[1] - g.a[0] === 1 : g.a[1] === g.a[0] && g.b[1] - g.b[0] === 1);
  }
  assert.equal(same, lcsLength(a, b), 'the diff keeps fewer tokens than the longest common subsequence');
}

describe('diffTokens', () => {
  it("finds Myers' example's shortest edit (ABCABBA → CBABAC: 5 edits, 4 kept)", () => {
    const a = [...'ABCABBA'].map((c) => c.charCodeAt(0));
    const b = [...'CBABAC'].map((c) => c.charCodeAt(0));
    const groups = diffTokens(a, b);
    assertDiff(a, b, groups);
    assert.equal(groups.filter((g) => g.kind !== 'same').length, 5);
  });

  it('keeps a longest common subsequence on random sequences (seeded)', () => {
    const rnd = mulberry32(16);
    for (let n = 0; n < 200; n++) {
      const alphabet = 2 + Math.floor(rnd() * 6);
      const seq = (len: number): number[] => Array.from({ length: len }, () => Math.floor(rnd() * alphabet));
      const a = seq(Math.floor(rnd() * 40));
      const b = rnd() < 0.5 ? seq(Math.floor(rnd() * 40)) : a.map((x) => (rnd() < 0.15 ? Math.floor(rnd() * alphabet) : x)).filter(() => rnd() > 0.1);
      assertDiff(a, b, diffTokens(a, b));
    }
  });

  it('marks the inserted and deleted tokens of a paraphrase under a real tokenizer', () => {
    const tok = tokenizer('bundled');
    const a = tok.encode('The cat sat on the mat.');
    const b = tok.encode('The black cat sat on the mat.');
    const { mode, groups } = alignRuns(a, b, false);
    assert.equal(mode, 'diff');
    assertDiff(a.map((t) => t.id), b.map((t) => t.id), groups);
    const inserted = groups.filter((g) => g.kind === 'onlyB').map((g) => b.slice(g.b[0], g.b[1]).map((t) => t.text).join(''));
    assert.deepEqual(inserted.join(''), ' black');
    assert.equal(groups.filter((g) => g.kind === 'onlyA').length, 0);
  });

  it('handles empty sides and stops searching past maxEdits (then all deleted, all inserted)', () => {
    assert.deepEqual(diffTokens([], []), []);
    assert.deepEqual(diffTokens([1, 2], []), [
      { kind: 'onlyA', a: [0, 1], b: [0, 0] },
      { kind: 'onlyA', a: [1, 2], b: [0, 0] },
    ]);
    const a = [9, 1, 2, 3, 9];
    const b = [9, 3, 2, 1, 9];
    const capped = diffTokens(a, b, 1);
    assertCovers(capped, 5, 5);
    assert.deepEqual(
      capped.map((g) => g.kind),
      ['same', 'onlyA', 'onlyA', 'onlyA', 'onlyB', 'onlyB', 'onlyB', 'same'],
    );
    assertDiff(a, b, diffTokens(a, b));
  });
});

describe('alignRuns', () => {
  it('pairs token k with k when both runs tokenized the text alike, and aligns by spans when not', () => {
    const text = '你好 world';
    const a = tokenizer('bundled').encode(text);
    const same = alignRuns(a, a, true);
    assert.equal(same.mode, 'identical');
    assert.equal(same.groups.length, a.length);
    assert.ok(same.groups.every((g, k) => g.kind === 'same' && g.a[0] === k && g.b[0] === k));
    const b = tokenizer('mistral').encode(text);
    const spans = alignRuns(a, b, true);
    assert.equal(spans.mode, 'spans');
    assertSpanAlignment(a, b, spans.groups, 'bundled/mistral');
  });
});
