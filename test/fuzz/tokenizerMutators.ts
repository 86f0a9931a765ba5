// Seeded mutations of a model folder's tokenizer files: tokenizer.json (vocabulary, merges, added
// tokens, each pipeline step, the whole file) and GPT-2's vocab.json + merges.txt.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Rng } from '../../src/train/rng';
import { pick, type Mutator } from './mutators';

type Json = Record<string, unknown>;

const MB = 'x'.repeat(1 << 20);

/** Patterns a tokenizer.json's Split may carry: broken, exponential, huge, and a harmless one. */
const PATTERNS = [
  '(', '[', ')', '\\', '(?<', 'a{99999999}', '(?i)abc', '(?-i:a)', '\\p{Nope}', '\\k<x>', '(a)\\1',
  '(a+)+$', '(a|a)*b', '(x+x+)+y', '(\\s*)*$', '(?:a|b)+', 'a++', `(${'a?'.repeat(3000)})`, MB.slice(0, 5000),
  '\\s+(?!\\S)|\\s+', '[^\\s\\p{L}]+', '\\G', '\\A', '[\\S]', '\\x{110000}', '\\u{zz}',
];

function tokenizerFile(dir: string): string {
  return path.join(dir, 'tokenizer.json');
}

function edit(dir: string, change: (t: Json, rng: Rng) => string, rng: Rng): string {
  const file = tokenizerFile(dir);
  if (!fs.existsSync(file)) return 'no tokenizer.json: unchanged';
  const t = JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
  const what = change(t, rng);
  // JSON.stringify overflows the stack on deep nesting: deep values are spliced in as text
  fs.writeFileSync(file, JSON.stringify(t).replace(/"__DEEP_(\d+)__"/, (_, n: string) => deepText(Number(n))));
  return `tokenizer.json: ${what}`;
}

const model = (t: Json): Json => t.model as Json;
const vocab = (t: Json): Record<string, unknown> => model(t).vocab as Record<string, unknown>;

export const TOKENIZER_MUTATORS: Record<string, Mutator> = {
  vocab: (dir, rng) =>
    edit(dir, (t, r) => {
      const v = vocab(t);
      const keys = Object.keys(v);
      const k = pick(r, keys);
      switch (r.int(7)) {
        case 0:
          model(t).vocab = {};
          return 'empty vocabulary';
        case 1:
          model(t).vocab = pick(r, [null, [], 'abc', 42]);
          return `vocabulary = ${JSON.stringify(model(t).vocab)}`;
        case 2:
          v[k] = pick(r, [-1, 2 ** 31, 2 ** 31 - 1, 1.5, '3', null, 1e12]);
          return `vocab["${k}"] = ${JSON.stringify(v[k])}`;
        case 3:
          v[k] = v[pick(r, keys)];
          return `vocab["${k}"] duplicates another id`;
        case 4:
          delete v[k];
          return `vocab["${k}"] removed`;
        case 5:
          v[MB] = keys.length + 10;
          return 'a 1 MB token added';
        default:
          for (let i = 0; i < 20_000; i++) v[`extra_${i}`] = keys.length + 100 + i;
          return '20,000 tokens added';
      }
    }, rng),
  merges: (dir, rng) =>
    edit(dir, (t, r) => {
      const m = model(t).merges as unknown[];
      const keys = Object.keys(vocab(t));
      switch (r.int(7)) {
        case 0:
          m.unshift('nosuch token');
          return 'a merge of tokens not in the vocabulary';
        case 1: {
          // a cycle of merges: a+b → ab, ab+… → a again cannot be written; the closest is merges whose result is an input
          const a = pick(r, keys);
          m.unshift([a, a], `${a} ${a}`, [a, '']);
          return `merges of "${a}" with itself (and an empty symbol)`;
        }
        case 2:
          model(t).merges = pick(r, [null, {}, 'a b', [[1, 2]], [['a']], ['a  b'], ['ab']]);
          return `merges = ${JSON.stringify(model(t).merges)}`;
        case 3:
          vocab(t)[MB + MB] = keys.length + 5;
          vocab(t)[MB] = keys.length + 6;
          m.push([MB, MB]);
          return 'a merge of two 1 MB tokens';
        case 4:
          m.reverse();
          return 'merges in reverse order';
        case 5:
          for (let i = 0; i < 50_000; i++) m.push(m[i % Math.max(1, m.length)]);
          return '50,000 repeated merges';
        default:
          m.splice(0, m.length);
          return 'no merges';
      }
    }, rng),
  added: (dir, rng) =>
    edit(dir, (t, r) => {
      const list = (Array.isArray(t.added_tokens) ? t.added_tokens : []) as unknown[];
      const base = Object.keys(vocab(t)).length + 1000;
      switch (r.int(5)) {
        case 0:
          for (let i = 0; i < 20_000; i++) list.push({ id: base + i, content: `<|reserved_${i}|>`, special: true });
          t.added_tokens = list;
          return '20,000 added tokens';
        case 1:
          list.push({ id: base, content: MB, special: r.next() < 0.5, normalized: r.next() < 0.5 });
          t.added_tokens = list;
          return 'a 1 MB added token';
        case 2:
          list.push(pick(r, [{ id: -1, content: 'x' }, { id: base, content: 7 }, { content: 'y' }, null, 'z', { id: 0, content: '<not-id-0>' }, { id: base, content: '' }]));
          t.added_tokens = list;
          return `added token ${JSON.stringify(list[list.length - 1])}`;
        case 3:
          t.added_tokens = pick(r, [{}, 'x', 5]);
          return `added_tokens = ${JSON.stringify(t.added_tokens)}`;
        default:
          list.push({ id: base, content: 'dup', lstrip: true, rstrip: true, single_word: true }, { id: base + 1, content: 'dup' });
          t.added_tokens = list;
          return 'the same added token twice with different ids';
      }
    }, rng),
  pattern: (dir, rng) =>
    edit(dir, (t, r) => {
      const p = pick(r, PATTERNS);
      const split = { type: 'Split', pattern: r.next() < 0.85 ? { Regex: p } : { String: p }, behavior: pick(r, ['Isolated', 'Removed', 'Nope', 'MergedWithNext']), invert: r.next() < 0.2 };
      const pre = t.pre_tokenizer as Json | null;
      const steps = pre && pre.type === 'Sequence' ? (pre.pretokenizers as unknown[]) : pre ? [pre] : [];
      t.pre_tokenizer = { type: 'Sequence', pretokenizers: [split, ...steps.filter((s) => (s as Json)?.type !== 'Split')] };
      return `Split pattern ${JSON.stringify(p.slice(0, 40))}`;
    }, rng),
  step: (dir, rng) =>
    edit(dir, (t, r) => {
      const key = pick(r, ['pre_tokenizer', 'normalizer', 'decoder', 'post_processor', 'model.type']);
      const value = pick(r, [{ type: 'Nope' }, { type: 42 }, 'x', [], { type: 'Sequence' }, { type: 'Sequence', pretokenizers: 'x' }, null, deep(r)]);
      if (key === 'model.type') model(t).type = pick(r, ['WordPiece', 'Unigram', 'WordLevel', 42, null, 'BPE']);
      else t[key] = value;
      return `${key} replaced`;
    }, rng),
  whole(dir, rng) {
    const file = tokenizerFile(dir);
    const choice = rng.int(5);
    if (choice === 0) fs.writeFileSync(file, Buffer.from([0x7b, 0x22, 0x6d, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d])); // invalid UTF-8
    else fs.writeFileSync(file, pick(rng, ['', '{', 'null', '[]', '{"model": {}}']));
    return `tokenizer.json replaced (${choice})`;
  },
  gpt2Files(dir, rng) {
    // vocab.json + merges.txt, with tokenizer.json gone so that they are read
    fs.rmSync(tokenizerFile(dir), { force: true });
    const merges = path.join(dir, 'merges.txt');
    const vocabFile = path.join(dir, 'vocab.json');
    if (!fs.existsSync(merges)) return 'no merges.txt: tokenizer.json removed only';
    const lines = fs.readFileSync(merges, 'utf8').split('\n');
    switch (rng.int(5)) {
      case 0:
        lines.splice(1 + rng.int(lines.length - 1), 0, pick(rng, ['a', 'a b c', ' ', 'zz qq', `${MB} ${MB}`]));
        fs.writeFileSync(merges, lines.join('\n'));
        return 'merges.txt: a bad line inserted';
      case 1:
        fs.writeFileSync(merges, Buffer.concat([Buffer.from('#version: 0.2\n'), Buffer.from([0xff, 0xfe, 0x20, 0x41, 0x0a])]));
        return 'merges.txt: invalid UTF-8';
      case 2:
        fs.writeFileSync(vocabFile, pick(rng, ['{}', '[]', '{"a": -1}', '{']));
        return 'vocab.json replaced';
      case 3:
        fs.rmSync(merges);
        return 'merges.txt removed';
      default:
        return 'tokenizer.json removed (vocab.json + merges.txt read)';
    }
  },
};

/** A pre-tokenizer nested up to 100,000 Sequences deep (recursion in the readers): a marker edit() expands. */
function deep(rng: Rng): string {
  return `__DEEP_${pick(rng, [10, 5000, 100_000])}__`;
}

function deepText(depth: number): string {
  return '{"type":"Sequence","pretokenizers":['.repeat(depth) + '{"type":"Whitespace"}' + ']}'.repeat(depth);
}
