// Text the user hands the engine, at the tokenizer: lone surrogates, NUL bytes, long runs that make
// one huge pre-token word, and ids whose bytes are not valid UTF-8 on their own. Every tokenizer
// family must tokenize it (each token's span inside the text, in order) and decode without throwing.
// Speed on 10 MB texts is measured by `npm run fuzz:text`, not asserted here.
import { strict as assert } from 'node:assert';
import { loadTokenizer } from '../../src/engine/loadTokenizer';
import type { Tokenizer } from '../../src/engine/types';
import { FIXTURES } from '../fuzz/harness';

const TOKENIZERS: [string, string][] = [
  ['tiny-qwen2 (HfTokenizer, byte-level with a Split pattern)', FIXTURES.qwen2],
  ['tiny-model (GPT-2 ByteLevelBPETokenizer)', FIXTURES.gpt2],
  ['the bundled model', FIXTURES.bundled],
];

/**
 * Asserts each token's span lies in the text and spans follow one another (tokens that split one
 * character between them share its span), covering the text to its end.
 */
function assertSpans(tok: Tokenizer, text: string): void {
  const tokens = tok.encode(text, { addSpecialTokens: false });
  let at = 0;
  let prev: [number, number] = [-1, -1];
  for (const t of tokens) {
    assert.ok(t.start >= 0 && t.end <= text.length && t.start <= t.end, `span [${t.start}, ${t.end}) outside the text`);
    const sameChar = t.start === prev[0] && t.end === prev[1];
    assert.ok(t.start >= at || sameChar || t.start === t.end, `span [${t.start}, ${t.end}) goes back before ${at}`);
    at = Math.max(at, t.end);
    prev = [t.start, t.end];
  }
  if (text.length > 0) assert.equal(at, text.length, 'the last token ends where the text ends');
}

describe('text input at the tokenizer', function () {
  this.timeout(120_000);
  for (const [name, dir] of TOKENIZERS) {
    describe(name, () => {
      let tok: Tokenizer;
      before(() => (tok = loadTokenizer(dir)));

      it('lone surrogates: tokenized with spans in the text, decoded as U+FFFD (what UTF-8 makes of them)', () => {
        for (const text of ['\ud800', 'a\udc00b', 'x\ud83dy', '\udfff\ud800', 'ok 🙂 \ud83d']) {
          assertSpans(tok, text);
          const back = tok.decode(tok.encodeIds(text, { addSpecialTokens: false }));
          assert.equal(back, text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));
        }
      });

      it('NUL and other control characters come back exactly', () => {
        for (const text of ['a\u0000b', '\u0000', '\u0000'.repeat(100), 'tab\tbell\u0007 del\u007f esc\u001b']) {
          assertSpans(tok, text);
          assert.equal(tok.decode(tok.encodeIds(text, { addSpecialTokens: false })), text);
        }
      });

      it('a 64 KB run of one character (one huge pre-token word) and a 64 KB mixed text finish with consistent spans', () => {
        for (const text of [' '.repeat(1 << 16), '7'.repeat(1 << 16), 'The fox, 你好！🙂\n'.repeat(1 << 12)]) {
          assertSpans(tok, text);
        }
      });

      it('decoding ids whose bytes are not UTF-8 on their own gives U+FFFD, never throws', () => {
        const ids = tok.encodeIds('🙂', { addSpecialTokens: false });
        const bytes = ids.map((id) => tok.tokenBytes(id));
        if (bytes.length > 1) {
          // the emoji split over tokens: its first token alone is an incomplete sequence
          assert.equal(tok.decode(ids.slice(0, 1)), '\ufffd');
          assert.ok(tok.decode(ids.slice(1)).includes('\ufffd'));
        }
        assert.equal(tok.decode([...ids].reverse()).includes('\ufffd'), bytes.length > 1);
      });
    });
  }
});
