import { strict as assert } from 'node:assert';
import {
  END_OF_TEXT,
  capBySize,
  cleanDocs,
  decodeEntities,
  dedent,
  isNearEmpty,
  joinDocs,
  normalizeText,
  splitOf,
  stripMarkup,
  unwrapParagraphs,
  type CorpusDoc,
} from '../../src/train/clean';

const doc = (id: string, text: string, kind: 'prose' | 'code' = 'prose'): CorpusDoc => ({ id, source: 't', kind, text });
const LONG = 'This sentence is long enough to pass the near-empty filter of the cleaner, surely.';

describe('clean: markup', () => {
  const cases: [string, string][] = [
    ['<p>Hello <b>world</b></p>', 'Hello world'],
    ['a<!-- comment -->b', 'ab'],
    ['<!DOCTYPE html><?xml version="1.0"?>x', 'x'],
    ['1 &lt; 2 &amp;&amp; 3 &gt; 2', '1 < 2 && 3 > 2'],
    ['&lt;b&gt; stays as text', '<b> stays as text'],
    ['caf&#233; &#x263A; &unknown;', 'café ☺ &unknown;'],
    ['<w lemma="strong:H0834">The</w> <w lemma="x">Song</w>', 'The Song'],
    ['<milestone type="x" n="$Rev"/>text<chapter n="1" sID="Song.1"/>', 'text'],
    ['2 < 3 and 4 > 1', '2 < 3 and 4 > 1'],
  ];
  for (const [input, want] of cases) {
    it(`strips ${JSON.stringify(input)}`, () => assert.equal(stripMarkup(input), want));
  }

  it('drops chosen elements with their content and turns block tags into newlines', () => {
    const osis = 'In the beginning<note type="x">Or, "when"</note> God created.<div type="x-p"/>Next<lb/>line';
    assert.equal(stripMarkup(osis, { dropElements: ['note'], blockElements: ['div', 'lb'] }), 'In the beginning God created.\nNext\nline');
  });

  it('decodes only well-formed references', () => {
    assert.equal(decodeEntities('&#0; &#xD800; &amp'), '&#0; &#xD800; &amp');
  });
});

describe('clean: normalizeText', () => {
  it('normalises newlines, trailing spaces and blank-line runs', () => {
    assert.equal(normalizeText('\n\na  \r\nb\t\r\n\n\n\n\n\nc\rd\n\n', 'prose'), 'a\nb\n\n\nc\nd');
  });

  it('applies NFC', () => {
    const decomposed = 'Cafe\u0301';
    assert.equal(normalizeText(decomposed, 'prose'), 'Caf\u00e9');
  });

  it('keeps tabs and indentation in code, collapses them in prose', () => {
    const code = 'func f() {\n\tif x  {\n\t\treturn\n\t}\n}';
    assert.equal(normalizeText(code, 'code'), code);
    assert.equal(normalizeText('a\tb   c\n    indented', 'prose'), 'a b c\n    indented');
  });

  it('removes control characters and the end-of-text separator', () => {
    assert.equal(normalizeText(`a\u0000b\u001bc${END_OF_TEXT}d\ufeff`, 'code'), 'abcd');
  });
});

describe('clean: paragraphs and indentation', () => {
  it('joins hard-wrapped lines but keeps indented verse', () => {
    const text = 'It is a truth\nuniversally acknowledged.\n\n\n  Roses are red,\n  violets blue.\n\nEnd.';
    assert.equal(unwrapParagraphs(text), 'It is a truth universally acknowledged.\n\n  Roses are red,\n  violets blue.\n\nEnd.');
  });

  it('dedents by the common indentation', () => {
    assert.equal(dedent('   a\n     b\n\n   c'), 'a\n  b\n\nc');
    assert.equal(dedent('a\n  b'), 'a\n  b');
  });
});

describe('clean: documents', () => {
  it('drops near-empty documents and exact duplicates after normalisation', () => {
    const report = cleanDocs([doc('a', LONG), doc('b', `${LONG}   \r\n`), doc('c', 'short'), doc('d', `${LONG} Two.`)]);
    assert.deepEqual(report.kept.map((d) => d.id), ['a', 'd']);
    assert.equal(report.duplicates, 1);
    assert.equal(report.nearEmpty, 1);
  });

  it('shares the duplicate set across calls', () => {
    const seen = new Set<string>();
    cleanDocs([doc('a', LONG)], 64, seen);
    assert.equal(cleanDocs([doc('b', LONG)], 64, seen).kept.length, 0);
  });

  it('counts non-space characters for near-empty', () => {
    assert.equal(isNearEmpty(' a b c ', 3), false);
    assert.equal(isNearEmpty(' a b   ', 3), true);
  });

  it('splits by document id: deterministic, seeded, about the asked fraction', () => {
    const ids = Array.from({ length: 4000 }, (_, i) => `doc/${i}`);
    const val = ids.filter((id) => splitOf(id, 1, 0.05) === 'val');
    assert.deepEqual(ids.filter((id) => splitOf(id, 1, 0.05) === 'val'), val);
    assert.ok(val.length > 140 && val.length < 260, `${val.length} of 4000 in val`);
    const other = ids.filter((id) => splitOf(id, 2, 0.05) === 'val');
    assert.notDeepEqual(other, val);
    assert.equal(ids.filter((id) => splitOf(id, 1, 0) === 'val').length, 0);
  });

  it('caps by size with whole documents, in original order', () => {
    const docs = Array.from({ length: 50 }, (_, i) => doc(`d${i}`, 'x'.repeat(100)));
    const kept = capBySize(docs, 1050, 3);
    assert.equal(kept.length, 10);
    const idx = kept.map((d) => docs.indexOf(d));
    assert.deepEqual(idx, [...idx].sort((a, b) => a - b));
    assert.deepEqual(capBySize(docs, 1050, 3), kept);
    assert.deepEqual(capBySize([doc('big', 'x'.repeat(2000))], 1000, 3), []);
  });

  it('joins documents with the end-of-text token on its own line', () => {
    assert.equal(joinDocs(['a', 'b']), `a\n${END_OF_TEXT}\nb\n${END_OF_TEXT}\n`);
  });
});
