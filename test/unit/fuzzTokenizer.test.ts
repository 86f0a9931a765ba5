// Hostile tokenizer files: seeded mutations (test/fuzz/), and the cases the issue names one by one —
// unknown model and pre-tokenizer types, merges naming tokens not in the vocabulary, an empty
// vocabulary, invalid and exponential Split patterns, 1 MB tokens, a huge added_tokens list, deep
// nesting, bytes that are not UTF-8. Each ends in a typed error naming the file or a working tokenizer.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadTokenizer } from '../../src/engine/loadTokenizer';
import { describeCase, runCampaign } from '../fuzz/campaign';
import { FIXTURES, copyModel, makeArena, type Arena } from '../fuzz/harness';
import { expectError } from '../helpers/engineErrors';

type Json = Record<string, unknown>;
const MB = 'x'.repeat(1 << 20);

describe('fuzz: tokenizer files', function () {
  this.timeout(120_000);
  let arena: Arena;
  before(() => (arena = makeArena()));
  after(() => arena.dispose());

  it('50 seeded mutations each end in a working tokenizer or an EngineError naming the file', () => {
    const r = runCampaign({ seed: 31337, cases: 50, kinds: ['tokenizer'] });
    assert.deepEqual(r.failed.map(describeCase), []);
    assert.ok((r.outcomes.get('BAD_TOKENIZER') ?? 0) > 10, 'the mutations reach the tokenizer checks');
  });

  /** A copy of tiny-qwen2 (byte-level BPE with a Split pattern) whose tokenizer.json went through `edit`. */
  function qwenWith(edit: (t: Json) => void): { dir: string; file: string } {
    const dir = copyModel(arena, FIXTURES.qwen2, 'tok');
    const file = path.join(dir, 'tokenizer.json');
    const t = JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
    edit(t);
    // JSON.stringify overflows the stack on deep nesting: a "__DEEP__" value is spliced in as text
    const deep = '{"type":"Sequence","pretokenizers":['.repeat(5000) + '{"type":"Whitespace"}' + ']}'.repeat(5000);
    fs.writeFileSync(file, JSON.stringify(t).replace('"__DEEP__"', deep));
    return { dir, file };
  }
  const model = (t: Json): Json => t.model as Json;
  const withSplit = (pattern: string) => (t: Json) => {
    t.pre_tokenizer = { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: pattern }, behavior: 'Isolated' }, { type: 'ByteLevel', add_prefix_space: false, use_regex: false }] };
  };

  const refused: [string, (t: Json) => void, RegExp][] = [
    ['an unknown model type', (t) => (model(t).type = 'WordPiece'), /model.type "WordPiece" is not supported; only "BPE" and "Unigram"/],
    ['a Unigram model with a BPE vocabulary', (t) => (model(t).type = 'Unigram'), /model.vocab of a Unigram model is not a non-empty list of \[piece, score\] pairs/],
    ['an unknown pre-tokenizer', (t) => (t.pre_tokenizer = { type: 'FancySplit' }), /pre_tokenizer "FancySplit" is not supported/],
    ['an unknown normalizer', (t) => (t.normalizer = { type: 'Fancy' }), /normalizer/],
    ['an unknown decoder', (t) => (t.decoder = { type: 'Fancy' }), /decoder/],
    ['merges naming tokens not in the vocabulary', (t) => (model(t).merges as unknown[]).unshift('qq zz'), /merge 1 \("qq zz"\) names "qq", which is not in the vocabulary/],
    ['an empty vocabulary', (t) => (model(t).vocab = {}), /vocabulary is empty/],
    ['an invalid Split pattern', withSplit('(?<broken'), /pre-tokenizer pattern .* cannot be used/],
    ['an exponential Split pattern (a repeated group)', withSplit('(a+)+$'), /repeated group .* exponential time/],
    ['an exponential Split pattern (overlapping alternatives)', withSplit('(a|a)*b'), /repeated group/],
    ['a backreference', withSplit('(\\s)\\1'), /backreferences are not supported/],
    ['a 5,000-character Split pattern', withSplit('a'.repeat(5000)), /5000 characters long/],
    ['a 1 MB added token', (t) => (t.added_tokens as unknown[]).push({ id: 600, content: MB, special: true }), /added tokens .* cannot be matched/],
    ['a pre-tokenizer nested 5,000 Sequences deep', (t) => (t.pre_tokenizer = '__DEEP__'), /nested more than 64 levels deep/],
  ];
  for (const [what, edit, pattern] of refused) {
    it(`refuses ${what} with one line naming tokenizer.json`, () => {
      const { dir, file } = qwenWith(edit);
      const err = expectError(() => loadTokenizer(dir).encodeIds('hello world'), 'BAD_TOKENIZER', file, pattern);
      assert.ok(err.message.length <= 1100);
    });
  }

  it('works with a 1 MB token in the vocabulary and a merge that makes it', () => {
    const { dir } = qwenWith((t) => {
      const vocab = model(t).vocab as Record<string, number>;
      vocab[MB.slice(1)] = 1000;
      vocab[MB] = 1001;
      (model(t).merges as unknown[]).push(['x', MB.slice(1)]);
    });
    const tok = loadTokenizer(dir);
    assert.ok(tok.encodeIds('hello xx').length > 0);
    assert.equal(tok.decode(tok.encodeIds('hello xx', { addSpecialTokens: false })), 'hello xx');
  });

  it('works with merges repeated, reversed and merging a token with itself (no cycle can form: a merge only lengthens)', () => {
    const { dir } = qwenWith((t) => {
      const m = model(t).merges as unknown[];
      const vocab = model(t).vocab as Record<string, number>;
      vocab.aa = 990;
      m.push(...m.slice().reverse(), ['a', 'a'], ['a', 'a']);
    });
    const tok = loadTokenizer(dir);
    const text = 'aaaaaaa banana';
    assert.equal(tok.decode(tok.encodeIds(text, { addSpecialTokens: false })), text);
  });

  it('works with 20,000 added tokens, and finds them in the text', () => {
    const { dir } = qwenWith((t) => {
      for (let i = 0; i < 20_000; i++) (t.added_tokens as unknown[]).push({ id: 1000 + i, content: `<|reserved_${i}|>`, special: true });
    });
    const tok = loadTokenizer(dir);
    const ids = tok.encodeIds('a<|reserved_19999|>b<|reserved_7|>', { addSpecialTokens: false });
    assert.ok(ids.includes(20_999) && ids.includes(1007), ids.join(','));
  });

  it('tokenizer.json, vocab.json or merges.txt holding bytes that are not UTF-8 is refused naming it', () => {
    const { dir, file } = qwenWith(() => undefined);
    fs.writeFileSync(file, Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]));
    expectError(() => loadTokenizer(dir), 'BAD_JSON', file, /not valid UTF-8/);

    const gpt2 = copyModel(arena, FIXTURES.gpt2, 'gpt2-utf8');
    fs.rmSync(path.join(gpt2, 'tokenizer.json'));
    const merges = path.join(gpt2, 'merges.txt');
    fs.writeFileSync(merges, Buffer.concat([fs.readFileSync(merges), Buffer.from([0xff, 0x20, 0x41, 0x0a])]));
    expectError(() => loadTokenizer(gpt2), 'BAD_TOKENIZER', merges, /not valid UTF-8/);
  });
});
