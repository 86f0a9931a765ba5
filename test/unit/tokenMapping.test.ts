import * as assert from 'assert';
import * as path from 'path';
import { surprisalBucket } from '../../src/analysis/gltr';
import { MAX_INPUT_CHARS, checkInput, clampSpan, findParagraph, inputSpan, rangeLabel } from '../../src/analysis/inputText';
import { adjustSpanForEdits, editTouchesSpan, tokenIndexAtOffset, tokensToDocumentSpans } from '../../src/analysis/tokenMapping';
import { ByteLevelBPETokenizer } from '../../src/engine/tokenizer';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'tiny-model');

describe('token ↔ document mapping', () => {
  const spans = [
    { start: 0, end: 5 },
    { start: 5, end: 6 },
    { start: 6, end: 11 },
  ];

  it('finds the token under an offset', () => {
    const cases: [number, number][] = [
      [-1, -1],
      [0, 0],
      [4, 0],
      [5, 1],
      [6, 2],
      [10, 2],
      [11, 2], // the cursor after the last character selects the last token
      [12, -1],
    ];
    for (const [offset, want] of cases) assert.strictEqual(tokenIndexAtOffset(spans, offset), want, `offset ${offset}`);
    assert.strictEqual(tokenIndexAtOffset([], 0), -1);
  });

  it('maps every offset of real GPT-2 tokens (multi-byte, emoji, CRLF) to the token holding it', () => {
    const tok = ByteLevelBPETokenizer.fromFiles(path.join(FIXTURE, 'vocab.json'), path.join(FIXTURE, 'merges.txt'));
    const text = 'Héllo wörld 😀 naïve\r\n\tcafé — 東京 done.';
    const tokens = tok.encode(text);
    assert.ok(tokens.length > 5);
    for (let off = 0; off < text.length; off++) {
      const i = tokenIndexAtOffset(tokens, off);
      assert.ok(i >= 0, `offset ${off} has a token`);
      assert.ok(tokens[i].start <= off && off < tokens[i].end, `offset ${off} → token ${i} [${tokens[i].start}, ${tokens[i].end})`);
    }
    const base = 1000;
    const doc = ' '.repeat(base) + text;
    for (const [i, s] of tokensToDocumentSpans(tokens, base).entries()) assert.strictEqual(doc.slice(s.start, s.end), text.slice(tokens[i].start, tokens[i].end));
  });

  it('moves the analysed span with edits before it and leaves it for edits after it', () => {
    const span = { start: 10, end: 20 };
    assert.deepStrictEqual(adjustSpanForEdits(span, [{ rangeOffset: 0, rangeLength: 0, text: 'abc' }]), { start: 13, end: 23 });
    assert.deepStrictEqual(adjustSpanForEdits(span, [{ rangeOffset: 2, rangeLength: 5, text: '' }]), { start: 5, end: 15 });
    assert.deepStrictEqual(adjustSpanForEdits(span, [{ rangeOffset: 10, rangeLength: 0, text: 'xy' }]), { start: 12, end: 22 });
    assert.deepStrictEqual(adjustSpanForEdits(span, [{ rangeOffset: 20, rangeLength: 3, text: 'zz' }]), span);
    assert.deepStrictEqual(adjustSpanForEdits(span, [{ rangeOffset: 12, rangeLength: 2, text: 'four' }]), { start: 10, end: 22 });
    assert.deepStrictEqual(adjustSpanForEdits(span, [{ rangeOffset: 5, rangeLength: 20, text: 'x' }]), { start: 5, end: 6 });
    // two edits, last first (as VS Code reports them)
    const two = adjustSpanForEdits(span, [
      { rangeOffset: 30, rangeLength: 0, text: 'tail' },
      { rangeOffset: 0, rangeLength: 1, text: '' },
    ]);
    assert.deepStrictEqual(two, { start: 9, end: 19 });
  });

  it('says which edits touch the analysed text', () => {
    const span = { start: 10, end: 20 };
    assert.ok(!editTouchesSpan(span, { rangeOffset: 0, rangeLength: 10, text: '' }), 'ends where the span starts');
    assert.ok(!editTouchesSpan(span, { rangeOffset: 10, rangeLength: 0, text: 'a' }), 'insertion at the start');
    assert.ok(!editTouchesSpan(span, { rangeOffset: 20, rangeLength: 0, text: 'a' }), 'insertion at the end');
    assert.ok(editTouchesSpan(span, { rangeOffset: 15, rangeLength: 0, text: 'a' }));
    assert.ok(editTouchesSpan(span, { rangeOffset: 9, rangeLength: 2, text: '' }));
    assert.ok(editTouchesSpan(span, { rangeOffset: 19, rangeLength: 5, text: 'x' }));
  });
});

describe('what to analyse', () => {
  const doc = 'Title line\n\nFirst para line one\nline two\n\n\nSecond para\r\nstill second\r\n\n   \nlast';

  it('finds the paragraph around the cursor', () => {
    const para = (offset: number): string => {
      const s = findParagraph(doc, offset);
      return doc.slice(s.start, s.end);
    };
    assert.strictEqual(para(0), 'Title line');
    assert.strictEqual(para(doc.indexOf('line two') + 3), 'First para line one\nline two');
    assert.strictEqual(para(doc.indexOf('still')), 'Second para\r\nstill second', 'CRLF lines, no trailing \\r');
    assert.strictEqual(para(doc.indexOf('\n\n\n') + 1), 'Second para\r\nstill second', 'on a blank line: the paragraph below');
    assert.strictEqual(para(doc.length), 'last');
    const blankEnd = 'text\n\n   \n';
    const s = findParagraph(blankEnd, blankEnd.length);
    assert.strictEqual(blankEnd.slice(s.start, s.end), 'text', 'blank lines at the end: the paragraph above');
    const none = findParagraph('  \n\t\n', 2);
    assert.strictEqual(none.end - none.start, 0);
  });

  it('analyses the selection when there is one, else the paragraph around the cursor', () => {
    const sel = { start: 3, end: 9 };
    assert.deepStrictEqual(inputSpan(doc, sel, 9), { start: 3, end: 9, origin: 'selection' });
    const cursor = doc.indexOf('line two') + 3;
    const p = inputSpan(doc, undefined, cursor);
    assert.deepStrictEqual(p, { ...findParagraph(doc, cursor), origin: 'paragraph' });
    assert.strictEqual(doc.slice(p.start, p.end), 'First para line one\nline two');
    assert.strictEqual(inputSpan(doc, { start: 5, end: 5 }, 0).origin, 'paragraph', 'an empty selection is none');
  });

  it('keeps a span inside the document', () => {
    assert.deepStrictEqual(clampSpan({ start: 2, end: 8 }, 10), { start: 2, end: 8 });
    assert.deepStrictEqual(clampSpan({ start: 4, end: 30 }, 10), { start: 4, end: 10 });
    assert.deepStrictEqual(clampSpan({ start: 12, end: 30 }, 10), { start: 10, end: 10 });
    assert.deepStrictEqual(clampSpan({ start: -3, end: 2 }, 10), { start: 0, end: 2 });
    assert.deepStrictEqual(clampSpan({ start: 6, end: 3 }, 10), { start: 6, end: 6 }, 'never end before start');
  });

  it('labels a range with its 1-based lines', () => {
    assert.strictEqual(rangeLabel('notes.txt', 2, 2), 'notes.txt:3');
    assert.strictEqual(rangeLabel('notes.txt', 2, 6), 'notes.txt:3–7');
  });

  it('refuses empty, whitespace-only and binary text with a message', () => {
    for (const [text, problem] of [
      ['', 'empty'],
      [' \n\t  \r\n', 'whitespace'],
      ['PNG\u0000\u0001\u0002', 'binary'],
    ] as const) {
      const r = checkInput(text);
      assert.ok(!r.ok && r.problem === problem && r.message.length > 10, `${JSON.stringify(text)} → ${problem}`);
    }
    assert.deepStrictEqual(checkInput('fine'), { ok: true, text: 'fine', clippedChars: false });
  });

  it('cuts huge text, never inside a surrogate pair', () => {
    const huge = 'a'.repeat(MAX_INPUT_CHARS - 1) + '😀' + 'b'.repeat(100);
    const r = checkInput(huge);
    assert.ok(r.ok && r.clippedChars);
    if (r.ok) {
      assert.strictEqual(r.text.length, MAX_INPUT_CHARS - 1, 'the emoji is left out whole');
      assert.ok(!/[\ud800-\udbff]$/.test(r.text));
    }
  });
});

describe('GLTR buckets', () => {
  it('buckets ranks at 10, 100, 1000', () => {
    const cases: [number, string | undefined][] = [
      [NaN, undefined],
      [0, undefined],
      [1, 'top10'],
      [10, 'top10'],
      [11, 'top100'],
      [100, 'top100'],
      [101, 'top1000'],
      [1000, 'top1000'],
      [1001, 'beyond'],
      [50257, 'beyond'],
    ];
    for (const [rank, want] of cases) assert.strictEqual(surprisalBucket(rank), want, `rank ${rank}`);
  });
});
