// The Unigram model (src/engine/tokenizers/unigram.ts) in HfTokenizer against Hugging Face's own
// JavaScript tokenizers (@huggingface/tokenizers) on hard texts — Chinese, accents, spaces — with
// the T5-style tokenizer.json of the encoder–decoder fixtures (WhitespaceSplit + Metaspace, </s>
// appended), and the same vocabulary with an NFKC normalizer. byte_fallback is checked on its own:
// the reference library's Unigram (0.2.0) has no byte fallback (tokenizers' Rust Unigram has: an
// unknown character becomes its UTF-8 bytes as <0xNN> pieces).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Tokenizer as HfReference } from '@huggingface/tokenizers';
import { HfTokenizer } from '../../src/engine/tokenizers/hfTokenizer';
import { readHfTokenizerJson } from '../../src/engine/tokenizers/readHfTokenizer';

const FIXTURE = path.resolve(__dirname, '../fixtures/encdec/t5-relu-tied-f32');

const TEXTS: [string, string][] = [
  ['empty', ''],
  ['one space', ' '],
  ['words', 'hello world, the cat sat on the mat.'],
  ['leading and trailing spaces', '   the cat   '],
  ['spaces, tabs, newlines', 'a  \t b\n\nc   d'],
  ['chinese', '你好世界，注意力是翻译的中文。'],
  ['chinese with unknown characters', '今天天气很好'],
  ['accents', 'café naïve über crème brûlée'],
  ['combining accent', 'cafe\u0301 e\u0301'],
  ['compatibility chars', 'ﬁ ① ² Ω Å'],
  ['nbsp and ideographic space', 'a\u00a0b\u3000c'],
  ['unknown runs', 'ЖЖЖ ab ЖЖ😀😀 b'],
  ['special token in text', 'hello</s> world <pad> <unk>'],
  ['ties and long pieces', 'attention tension abcabc ababab'],
  ['controls and NMT spaces', 'a\u0001b\u200bc\u2028d\u00a0e f\u2581g'], // no U+FEFF: the reference's WhitespaceSplit (JS \s) splits there, tokenizers' (Rust is_whitespace) does not
  ['wave dash kept by nmt_nfkc', 'ｔｈｅ～ｃａｔ ～\u0301 ①～'],
];

function pair(json: Record<string, unknown>): { ours: HfTokenizer; ref: HfReference } {
  const ours = new HfTokenizer(readHfTokenizerJson('tokenizer.json', {}, json));
  const ref = new HfReference(json, { eos_token: '</s>', pad_token: '<pad>', unk_token: '<unk>' });
  return { ours, ref };
}

function variant(base: Record<string, unknown>, opts: { nfkc?: boolean; bytes?: boolean; precompiled?: boolean }): Record<string, unknown> {
  const json = JSON.parse(JSON.stringify(base)) as { model: { vocab: [string, number][]; byte_fallback: boolean }; normalizer: unknown };
  if (opts.bytes) {
    for (let b = 0; b < 256; b++) json.model.vocab.push([`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`, 0]);
    json.model.byte_fallback = true;
  }
  if (opts.nfkc) json.normalizer = { type: 'NFKC' };
  if (opts.precompiled) json.normalizer = { type: 'Precompiled', precompiled_charsmap: '' }; // as T5's (its table is not read)
  return json as unknown as Record<string, unknown>;
}

describe('Unigram tokenizer.json against @huggingface/tokenizers', function () {
  const base = JSON.parse(fs.readFileSync(path.join(FIXTURE, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
  const pipelines: [string, Record<string, unknown>][] = [
    ['T5-style (unknown token)', base],
    ['NFKC normalizer', variant(base, { nfkc: true })],
    ['Precompiled (nmt_nfkc) normalizer', variant(base, { precompiled: true })],
  ];

  for (const [name, json] of pipelines) {
    it(`${name}: ids and decoding equal the reference on every hard text`, function () {
      const { ours, ref } = pair(json);
      for (const [label, text] of TEXTS) {
        const ids = ours.encodeIds(text);
        assert.deepStrictEqual(ids, ref.encode(text).ids, `${name} / ${label}: ids`);
        const refText = ref.decode(ids, { skip_special_tokens: true, clean_up_tokenization_spaces: false });
        assert.strictEqual(ours.decodeText(ids, { skipSpecialTokens: true }), refText, `${name} / ${label}: decode`);
      }
    });
  }

  it('cuts by the highest total score and keeps each token on its characters', function () {
    const { ours } = pair(base);
    const toks = ours.encode('the attention');
    assert.deepStrictEqual(toks.map((t) => ours.idToToken(t.id)), ['▁the', '▁attention', '</s>']);
    assert.deepStrictEqual(toks.map((t) => [t.start, t.end]), [[0, 3], [4, 13], [13, 13]]);
  });

  it('fuses a run of characters without pieces into one unknown token', function () {
    const { ours } = pair(base);
    const ids = ours.encodeIds('ЖЖЖ', { addSpecialTokens: false });
    assert.deepStrictEqual(ids.map((id) => ours.idToToken(id)), ['▁', '<unk>']);
  });

  it('byte_fallback: a character without a piece becomes its UTF-8 bytes, each on its character', function () {
    const ours = new HfTokenizer(readHfTokenizerJson('tokenizer.json', {}, variant(base, { bytes: true })));
    const toks = ours.encode('aЖ', { addSpecialTokens: false });
    assert.deepStrictEqual(toks.map((t) => ours.idToToken(t.id)), ['▁a', '<0xD0>', '<0x96>']);
    assert.deepStrictEqual(toks.map((t) => [t.start, t.end]), [[0, 1], [1, 2], [1, 2]]);
  });
});
