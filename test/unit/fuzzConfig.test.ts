// Hostile config.json: seeded mutations (test/fuzz/), and the sizes the issue names one by one —
// 10⁹ layers, a 10¹² vocabulary, zero or negative heads, a hidden size heads do not divide, a
// string where a number goes — each refused at once with a message naming config.json and the key.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadCheckpoint } from '../../src/engine/checkpoint';
import type { EngineError } from '../../src/engine/errors';
import { EngineSession } from '../../src/engine/session';
import { describeCase, runCampaign } from '../fuzz/campaign';
import { FIXTURES, copyModel, makeArena, type Arena } from '../fuzz/harness';
import { expectError } from '../helpers/engineErrors';

type Json = Record<string, unknown>;

describe('fuzz: config.json', function () {
  this.timeout(120_000);
  let arena: Arena;
  before(() => (arena = makeArena()));
  after(() => arena.dispose());

  it('80 seeded mutations each end in a load or an EngineError naming the file', () => {
    const r = runCampaign({ seed: 424242, cases: 80, kinds: ['config'] });
    assert.deepEqual(r.failed.map(describeCase), []);
    assert.ok((r.outcomes.get('BAD_CONFIG') ?? 0) > 10, 'the mutations reach the config checks');
  });

  /** [what, fixture, edit of config.json, the key the message must name] */
  const cases: [string, string, (c: Json) => void, RegExp][] = [
    ['10⁹ layers (Qwen2)', FIXTURES.qwen2, (c) => (c.num_hidden_layers = 1e9), /"num_hidden_layers" is 1000000000, but the weight files hold only \d+ tensors/],
    ['10⁹ layers (GPT-2)', FIXTURES.gpt2, (c) => (c.n_layer = 1e9), /"n_layer" is 1000000000/],
    ['2³¹ − 1 layers (sharded Llama)', FIXTURES.sharded, (c) => (c.num_hidden_layers = 2 ** 31 - 1), /"num_hidden_layers" is 2147483647/],
    ['a 10¹² vocabulary', FIXTURES.qwen2, (c) => (c.vocab_size = 1e12), /"vocab_size" is 1000000000000, more than any model has/],
    ['a vocabulary the files cannot hold', FIXTURES.qwen2, (c) => (c.vocab_size = 2e8), /vocab_size 200000000.*the weight files hold only \d+ bytes/],
    ['zero heads', FIXTURES.qwen2, (c) => (c.num_attention_heads = 0), /"num_attention_heads" must be a positive integer, got 0/],
    ['negative heads', FIXTURES.gpt2, (c) => (c.n_head = -4), /"n_head" must be a positive integer, got -4/],
    ['heads as a string', FIXTURES.qwen2, (c) => (c.num_attention_heads = '8'), /"num_attention_heads" must be a positive integer, got "8"/],
    ['a fractional size', FIXTURES.gpt2, (c) => (c.n_embd = 64.5), /"n_embd" must be a positive integer, got 64.5/],
    ['a hidden size the heads do not divide (GPT-2)', FIXTURES.gpt2, (c) => (c.n_head = 7), /n_embd \(\d+\) must be divisible by n_head \(7\)/],
    ['a hidden size the heads do not divide (Llama, no head_dim)', FIXTURES.qwen2, (c) => ((c.num_attention_heads = 6), (c.num_key_value_heads = 6)), /not divisible by num_attention_heads \(6\)/],
    ['kv heads that do not divide the heads', FIXTURES.qwen2, (c) => (c.num_key_value_heads = 3), /num_key_value_heads \(3\) must divide/],
    ['a megabyte string for a size', FIXTURES.qwen2, (c) => (c.hidden_size = 'x'.repeat(1 << 20)), /"hidden_size" must be a positive integer, got "x{20,}…/],
    ['max_window_layers as a string', FIXTURES.qwen2, (c) => ((c.use_sliding_window = true), (c.max_window_layers = '1')), /"max_window_layers" must be a non-negative integer/],
  ];
  for (const [what, fixture, edit, pattern] of cases) {
    it(`refuses ${what} from config.json alone, naming the key`, () => {
      const dir = copyModel(arena, fixture, 'cfg');
      const file = path.join(dir, 'config.json');
      const c = JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
      edit(c);
      fs.writeFileSync(file, JSON.stringify(c));
      const before = process.memoryUsage().heapUsed;
      const err = expectError(() => loadCheckpoint(dir), 'BAD_CONFIG', file, pattern);
      assert.ok(err.message.length <= 1100, `a ${err.message.length}-character message`);
      // nothing was sized by the claim (a name list of 10⁹ layers would take tens of gigabytes)
      assert.ok(process.memoryUsage().heapUsed - before < 64 * 2 ** 20);
    });
  }

  it('the session refuses 10⁹ layers from config.json alone, before opening a weight file (its memory plan)', async () => {
    const dir = copyModel(arena, FIXTURES.qwen2, 'session');
    const file = path.join(dir, 'config.json');
    const c = JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
    fs.writeFileSync(file, JSON.stringify({ ...c, num_hidden_layers: 1e9 }));
    fs.rmSync(path.join(dir, 'model.safetensors')); // never reached
    await assert.rejects(EngineSession.load(dir, { threads: 1 }), (e: EngineError) => {
      assert.equal(e.code, 'MODEL_TOO_LARGE', e.message);
      assert.equal(e.file, file);
      return true;
    });
  });

  it('config.json that is not UTF-8 is refused as such', () => {
    const dir = copyModel(arena, FIXTURES.qwen2, 'utf8');
    const file = path.join(dir, 'config.json');
    fs.writeFileSync(file, Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]));
    expectError(() => loadCheckpoint(dir), 'BAD_JSON', file, /not valid UTF-8/);
  });
});
