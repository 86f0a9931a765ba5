// `node dist/cli.js check --model M`: clean folders exit 0 with "ok: M"; broken copies print one
// line per problem, each naming its file, and exit 1. The family fixtures carry no tokenizer, so
// their check (engine/modelCheck.ts) must find that, and nothing else.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkModelFolder } from '../../src/engine/modelCheck';
import { FIXTURES, ROOT, copyModel, makeArena, type Arena } from '../fuzz/harness';
import { cli, ensureBuilt } from './cliRun';

type Json = Record<string, unknown>;

function editJson(file: string, edit: (j: Json) => void): void {
  const j = JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
  edit(j);
  fs.writeFileSync(file, JSON.stringify(j));
}

/** Rewrites a safetensors header (the data section untouched). */
function editHeader(file: string, edit: (h: Record<string, Json>) => void): void {
  const buf = fs.readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, Json>;
  edit(header);
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  fs.writeFileSync(file, Buffer.concat([len, json, buf.subarray(8 + n)]));
}

describe('CLI check', function () {
  this.timeout(180_000);
  let arena: Arena;
  before(() => {
    ensureBuilt();
    arena = makeArena();
  });
  after(() => arena.dispose());

  for (const [name, dir] of [['tiny-qwen2', FIXTURES.qwen2], ['the bundled model', FIXTURES.bundled], ['tiny-model (GPT-2)', FIXTURES.gpt2]] as const) {
    it(`${name} is clean: "ok", exit 0`, () => {
      const r = cli('check', '--model', dir);
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.equal(r.stdout, `ok: ${dir}\n`);
    });
  }

  it('every family fixture is clean but for its missing tokenizer, and clean once given one', () => {
    const families = path.join(ROOT, 'test', 'fixtures', 'families');
    for (const f of fs.readdirSync(families)) {
      const { problems } = checkModelFolder(path.join(families, f));
      assert.equal(problems.length, 1, `${f}: ${problems.join('\n')}`);
      assert.match(problems[0], /tokenizer\.json: no tokenizer\.json \(nor vocab\.json \+ merges\.txt\)/);
    }
    // qwen2-bias-f16 has 160 rows: tiny-qwen2's tokenizer (559 tokens) is too big for it; so widen nothing, just check the message
    const dir = copyModel(arena, path.join(families, 'qwen2-bias-f16'), 'fam');
    for (const f of ['tokenizer.json', 'tokenizer_config.json']) fs.copyFileSync(path.join(FIXTURES.qwen2, f), path.join(dir, f));
    const { problems } = checkModelFolder(dir);
    assert.ok(problems.some((p) => /the tokenizer has 559 tokens but config.json's vocab_size .* is 160/.test(p)), problems.join('\n'));
  });

  /** [what, edit of a tiny-qwen2 copy, what the lines must say] */
  const broken: [string, (dir: string) => void, RegExp[]][] = [
    ['a config field of the wrong type', (d) => editJson(path.join(d, 'config.json'), (c) => (c.hidden_size = '64')), [/config\.json: "hidden_size" must be a positive integer, got "64"/]],
    ['a gap in the data section', (d) => editHeader(path.join(d, 'model.safetensors'), (h) => {
      const first = Object.keys(h).find((k) => (h[k].data_offsets as number[] | undefined)?.[0] === 0)!;
      delete h[first];
    }), [/model\.safetensors: bytes 0\.\.\d+ of the data section belong to no tensor/]],
    ['two weights of the wrong shape and a tokenizer whose merges name unknown tokens', (d) => {
      editHeader(path.join(d, 'model.safetensors'), (h) => {
        h['model.norm.weight'].shape = [8, 8]; // same bytes, another shape
        h['model.layers.0.input_layernorm.weight'].shape = [2, 32];
      });
      editJson(path.join(d, 'tokenizer.json'), (t) => ((t.model as Json).merges as unknown[]).unshift('qq zz'));
    }, [/model\.safetensors: weight "model\.layers\.0\.input_layernorm\.weight" has shape \[2, 32\], expected \[64\]/, /model\.safetensors: weight "model\.norm\.weight" has shape \[8, 8\], expected \[64\]/, /tokenizer\.json: merge 1 \("qq zz"\)/]],
    ['a chat template that does not parse', (d) => editJson(path.join(d, 'tokenizer_config.json'), (c) => (c.chat_template = '{% for m in messages %}{{ m.content }')), [/tokenizer_config\.json: the chat template does not parse/]],
    ['a tokenizer that drops Chinese (no byte-level step)', (d) => editJson(path.join(d, 'tokenizer.json'), (t) => {
      t.pre_tokenizer = { type: 'Whitespace' };
      t.decoder = null;
    }), ['Hello', '你好', 'Emoji', 'def f'].map((start) => new RegExp(`tokenizer\\.json: the tokenizer does not give "${start}.* back: it decodes to`))],
    ['a shard index naming a path out of the folder', (d) => {
      fs.renameSync(path.join(d, 'model.safetensors'), path.join(d, 'model-00001-of-00001.safetensors'));
      fs.writeFileSync(path.join(d, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { 'model.norm.weight': '../outside/secret.safetensors' } }));
    }, [/model\.safetensors\.index\.json: "model\.norm\.weight" maps to "\.\.\/outside\/secret\.safetensors", not a file name in the model folder/]],
  ];
  for (const [what, breakIt, expected] of broken) {
    it(`${what}: one line per problem naming its file, exit 1`, () => {
      const dir = copyModel(arena, FIXTURES.qwen2, 'broken');
      breakIt(dir);
      const r = cli('check', '--model', dir);
      assert.equal(r.status, 1, r.stdout + r.stderr);
      const lines = r.stdout.split('\n').filter((l) => l !== '');
      assert.equal(lines.length, expected.length, lines.join('\n'));
      for (const pattern of expected) assert.ok(lines.some((l) => pattern.test(l)), `no line matches ${pattern}:\n${lines.join('\n')}`);
      for (const l of lines) assert.ok(l.includes(dir), `"${l}" names no file of the folder`);
      assert.doesNotMatch(r.stdout + r.stderr, /^\s*at .*[:(]/m);
    });
  }

  it('a folder that does not exist, and a missing --model: one line, exit 1', () => {
    const missing = path.join(arena.root, 'nope');
    const r = cli('check', '--model', missing);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, `${missing}: model folder not found\n`);
    const usage = cli('check');
    assert.equal(usage.status, 1);
    assert.match(usage.stderr, /check: missing required option --model/);
  });
});
