// Which text a completion reads (prefix clipping), which part Explain Completion analyses, which
// tokens it marks, and how suggestions are ranked.
import * as assert from 'node:assert/strict';
import { continuationLabel, meanLogprob, rankContinuations } from '../../src/analysis/continuations';
import { clipPrefix, explainStart, prefixBudget, tokenRangeOf } from '../../src/analysis/promptWindow';

/** Tokens of `n` characters each over a text of `count * n` characters. */
const fixedTokens = (count: number, n: number) => Array.from({ length: count }, (_, i) => ({ start: i * n, end: (i + 1) * n }));

describe('prompt window', () => {
  it('clipPrefix keeps the end of the text and where it starts', () => {
    assert.deepEqual(clipPrefix('abcdef', 10), { text: 'abcdef', start: 0 });
    assert.deepEqual(clipPrefix('abcdef', 3), { text: 'def', start: 3 });
    assert.deepEqual(clipPrefix('abcdef', 0), { text: '', start: 6 });
    assert.deepEqual(clipPrefix('', 5), { text: '', start: 0 });
    assert.throws(() => clipPrefix('x', -1), RangeError);
  });

  it('clipPrefix never starts inside a surrogate pair', () => {
    const text = 'a😀b'; // 'a', high, low, 'b'
    assert.deepEqual(clipPrefix(text, 2), { text: 'b', start: 3 }); // would start at the low half
    assert.deepEqual(clipPrefix(text, 3), { text: '😀b', start: 1 });
  });

  it('prefixBudget leaves room for many characters per context token', () => {
    assert.equal(prefixBudget(128), 4096);
    assert.equal(prefixBudget(16), 1024);
    assert.ok(prefixBudget(1024) >= 1024 * 16);
  });

  it('explainStart keeps the whole prompt when it fits', () => {
    assert.equal(explainStart(fixedTokens(10, 3), 30, 5, 128, 192), 0);
  });

  it('explainStart keeps the last prompt tokens that fit beside the completion', () => {
    // 128 context − 20 completion − 2 margin = 106 prompt tokens of 200.
    assert.equal(explainStart(fixedTokens(200, 4), 800, 20, 128, 192), (200 - 106) * 4);
    // The cap on prompt tokens wins when it is smaller.
    assert.equal(explainStart(fixedTokens(200, 4), 800, 20, 1024, 50), 150 * 4);
  });

  it('explainStart keeps no prompt when the completion fills the context', () => {
    assert.equal(explainStart(fixedTokens(10, 2), 20, 127, 128, 192), 20);
  });

  it('tokenRangeOf gives the tokens overlapping a text range', () => {
    const t = fixedTokens(6, 2); // [0,2) [2,4) … [10,12)
    assert.deepEqual(tokenRangeOf(t, 4, 12), { start: 2, end: 6 });
    assert.deepEqual(tokenRangeOf(t, 5, 6), { start: 2, end: 3 }); // inside one token
    assert.deepEqual(tokenRangeOf(t, 3, 5), { start: 1, end: 3 }); // straddles two
    assert.equal(tokenRangeOf(t, 12, 20), undefined);
    assert.equal(tokenRangeOf(t, 4, 4), undefined);
  });
});

describe('continuations', () => {
  it('meanLogprob is the mean, −Infinity for none', () => {
    assert.equal(meanLogprob([-1, -2, -3]), -2);
    assert.equal(meanLogprob([]), -Infinity);
  });

  it('ranks by mean log-probability, merges repeats, drops empty texts', () => {
    const ranked = rankContinuations([
      { text: ' the sea', logprobs: [-2, -2] },
      { text: '', logprobs: [] },
      { text: ' a storm', logprobs: [-0.5, -1.5] },
      { text: ' the sea', logprobs: [-2, -2] },
      { text: ' rain', logprobs: [-3] },
    ]);
    assert.deepEqual(
      ranked.map((r) => [r.text, r.meanLogprob, r.count]),
      [
        [' a storm', -1, 1],
        [' the sea', -2, 2],
        [' rain', -3, 1],
      ],
    );
  });

  it('labels show line breaks and tabs and are cut to length', () => {
    assert.equal(continuationLabel('a\nb\tc'), 'a↵b→c');
    assert.equal(continuationLabel('a\r\nb'), 'a↵b');
    assert.equal(continuationLabel('x'.repeat(100), 10), `${'x'.repeat(9)}…`);
  });
});
