import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectedWeightShapes, loadCheckpoint, saveCheckpoint } from '../../src/engine/checkpoint';
import { configToJson, parseConfig } from '../../src/engine/config';
import { expectError } from '../helpers/engineErrors';
import { SafetensorsFile, f16BitsToF32, f32BitsToF16, writeSafetensors } from '../../src/engine/safetensors';
import type { GPTConfig, WeightMap } from '../../src/engine/types';

const CONFORMANCE = join(__dirname, '..', 'fixtures', 'conformance');
const TINY = join(__dirname, '..', 'fixtures', 'tiny-model');
const CASES = fs.readdirSync(CONFORMANCE).filter((d) => fs.existsSync(join(CONFORMANCE, d, 'reference.json')));

interface Reference {
  case: string;
  dtype: 'F32' | 'F16' | 'BF16';
  vocabSize: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  nPositions: number;
  nInner: number;
  activation: string;
  layerNormEps: number;
  files: string[];
}


const SMALL: GPTConfig = {
  modelType: 'gpt2',
  vocabSize: 11,
  nPositions: 6,
  nEmbd: 4,
  nLayer: 2,
  nHead: 2,
  nKvHead: 2,
  headDim: 2,
  nInner: 16,
  layerNormEps: 1e-5,
  activation: 'gelu_new',
  eosTokenId: 10,
};

/** Deterministic weights of the right shapes (values from a small LCG). */
function makeWeights(config: GPTConfig): WeightMap {
  let s = 12345;
  const next = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  const w: WeightMap = new Map();
  for (const [name, shape] of expectedWeightShapes(config)) {
    const n = shape.reduce((a, b) => a * b, 1);
    w.set(name, { shape, data: Float32Array.from({ length: n }, next) });
  }
  return w;
}

/** A model folder with config.json (as JSON or raw text) and model.safetensors from [name, shape] entries. */
function writeModel(dir: string, config: unknown, tensors: [string, number[]][]): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(join(dir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  writeSafetensors(
    join(dir, 'model.safetensors'),
    tensors.map(([name, shape]) => [name, { shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.5) }]),
  );
  return dir;
}

const smallTensors = (prefix = ''): [string, number[]][] =>
  [...expectedWeightShapes(SMALL)].map(([n, s]) => [prefix + n, s]);

describe('parseConfig', () => {
  const base = { model_type: 'gpt2', vocab_size: 50, n_positions: 32, n_embd: 12, n_layer: 2, n_head: 3 };
  const file = '/models/x/config.json';

  it('normalises a GPT-2 config with defaults (n_inner null → 4d, gelu_new, eps 1e-5)', () => {
    const c = parseConfig({ ...base, n_inner: null, bos_token_id: 49, eos_token_id: 49, _name_or_path: 'x' }, file);
    assert.deepEqual(c, {
      modelType: 'gpt2', vocabSize: 50, nPositions: 32, nEmbd: 12, nLayer: 2, nHead: 3, nKvHead: 3, headDim: 4, nInner: 48,
      layerNormEps: 1e-5, activation: 'gelu_new', bosTokenId: 49, eosTokenId: 49, name: 'x',
    });
  });

  it('accepts the generic key names and an absent model_type', () => {
    const c = parseConfig(
      { vocab_size: 50, max_position_embeddings: 32, hidden_size: 12, num_hidden_layers: 2, num_attention_heads: 3, n_inner: 20, activation_function: 'relu', layer_norm_epsilon: 1e-6 },
      file,
    );
    assert.deepEqual([c.nPositions, c.nEmbd, c.nLayer, c.nHead, c.nInner, c.activation, c.layerNormEps], [32, 12, 2, 3, 20, 'relu', 1e-6]);
    assert.equal(parseConfig({ ...base, n_positions: undefined, n_ctx: 64 }, file).nPositions, 64);
  });

  it('round-trips through configToJson', () => {
    const c = parseConfig({ ...base, eos_token_id: 3 }, file);
    const json = configToJson(c);
    assert.deepEqual(json.architectures, ['GPT2LMHeadModel']);
    assert.equal(json.model_type, 'gpt2');
    assert.deepEqual(parseConfig(json, file), c);
    assert.deepEqual(parseConfig(configToJson({ ...c, nInner: 7 }), file).nInner, 7);
  });

  const bad: [string, unknown, RegExp][] = [
    ['not an object', [1, 2], /expected a JSON object/],
    ['a Phi model', { ...base, model_type: 'phi' }, /model_type "phi" is not supported yet/],
    ['a BERT model', { ...base, model_type: 'bert' }, /model_type "bert" is not supported/],
    ['no vocab_size', { ...base, vocab_size: undefined }, /missing "vocab_size"/],
    ['no context length', { ...base, n_positions: undefined }, /missing "n_positions" \(or "max_position_embeddings", "n_ctx"\)/],
    ['zero layers', { ...base, n_layer: 0 }, /"n_layer" must be a positive integer, got 0/],
    ['a fractional width', { ...base, n_embd: 12.5 }, /"n_embd" must be a positive integer, got 12.5/],
    ['a string head count', { ...base, n_head: '3' }, /"n_head" must be a positive integer, got "3"/],
    ['a width not divisible by the heads', { ...base, n_head: 5 }, /n_embd \(12\) must be divisible by n_head \(5\)/],
    ['a negative epsilon', { ...base, layer_norm_epsilon: -1 }, /layer_norm_epsilon/],
    ['an unknown activation', { ...base, activation_function: 'swish' }, /"activation_function" "swish" is not supported/],
    ['an EOS id outside the vocabulary', { ...base, eos_token_id: 50 }, /"eos_token_id" 50 is outside the vocabulary \(vocab_size 50\)/],
  ];
  for (const [what, json, pattern] of bad) {
    it(`rejects ${what} with BAD_CONFIG`, () => expectError(() => parseConfig(json, file), 'BAD_CONFIG', file, pattern));
  }
});

describe('loadCheckpoint on the conformance fixtures', () => {
  it('finds the fixture cases', () => assert.ok(CASES.length >= 4, CASES.join(', ')));

  for (const name of CASES) {
    it(`loads ${name} with the shapes and config of its reference`, () => {
      const dir = join(CONFORMANCE, name);
      const ref = JSON.parse(fs.readFileSync(join(dir, 'reference.json'), 'utf8')) as Reference;
      const progress: number[] = [];
      const { config, weights, files, dtype } = loadCheckpoint(dir, { onProgress: (f) => progress.push(f) });
      assert.equal(dtype, ref.dtype, 'the dtype the loader reports is the one the file stores');
      assert.deepEqual(
        [config.vocabSize, config.nLayer, config.nHead, config.nEmbd, config.nPositions, config.nInner, config.activation, config.layerNormEps],
        [ref.vocabSize, ref.nLayer, ref.nHead, ref.nEmbd, ref.nPositions, ref.nInner, ref.activation, ref.layerNormEps],
      );
      const expected = expectedWeightShapes(config);
      assert.deepEqual([...weights.keys()], [...expected.keys()]);
      for (const [n, shape] of expected) {
        assert.deepEqual(weights.get(n)!.shape, shape, n);
        assert.equal(weights.get(n)!.data.length, shape.reduce((a, b) => a * b, 1), n);
      }
      assert.deepEqual(
        files.map((f) => f.slice(dir.length + 1)).sort(),
        ['config.json', ...ref.files].sort(),
      );
      assert.ok(progress.length >= expected.size && progress.every((p, i) => i === 0 || p >= progress[i - 1]));
      assert.equal(progress[progress.length - 1], 1);

      // The values are the file's dtype widened: F16 values survive F16 narrowing, BF16 ones have
      // zero low halves; F32 ones are not all representable in either.
      const all = [...weights.values()].map((w) => w.data);
      const bits = all.map((d) => new Uint32Array(d.buffer, d.byteOffset, d.length));
      const halfExact = all.every((d, i) => d.every((x, j) => x === f16BitsToF32(f32BitsToF16(bits[i][j]))));
      const bf16Exact = bits.every((b) => b.every((x) => (x & 0xffff) === 0));
      assert.equal(halfExact, ref.dtype === 'F16', 'F16-exact values');
      assert.equal(bf16Exact, ref.dtype === 'BF16', 'BF16-exact values');
      const nonzero = all.every((d) => d.some((x) => x !== 0));
      assert.ok(nonzero, 'every weight holds data');
    });
  }

  it('skips the mask buffers but keeps c_attn.bias and c_proj.bias (case b stores h.N.attn.bias)', () => {
    const dir = join(CONFORMANCE, CASES.find((c) => c.startsWith('b-'))!);
    const f = SafetensorsFile.open(join(dir, 'model.safetensors'));
    const raw = [...f.entries.keys()];
    f.close();
    assert.ok(raw.includes('h.0.attn.bias') && raw.includes('h.0.attn.masked_bias'));
    const { weights } = loadCheckpoint(dir);
    assert.ok(!weights.has('h.0.attn.bias'));
    assert.ok(weights.has('h.0.attn.c_attn.bias') && weights.has('h.0.attn.c_proj.bias'));
  });

  it('loads the tiny model, its vocabulary matching vocab.json', () => {
    const { config, weights } = loadCheckpoint(TINY);
    const vocab = JSON.parse(fs.readFileSync(join(TINY, 'vocab.json'), 'utf8')) as Record<string, number>;
    assert.equal(config.vocabSize, Object.keys(vocab).length);
    assert.equal(config.eosTokenId, vocab['<|endoftext|>']);
    assert.deepEqual([config.nPositions, config.nEmbd, config.nLayer, config.nHead], [128, 32, 2, 2]);
    assert.deepEqual(weights.get('wte.weight')!.shape, [config.vocabSize, 32]);
  });
});

describe('saveCheckpoint → loadCheckpoint', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(join(tmpdir(), 'ckpt-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const dtype of ['F32', 'F16', 'BF16'] as const) {
    it(`round-trips a model in ${dtype}, in Hugging Face layout`, () => {
      const weights = makeWeights(SMALL);
      const out = join(dir, 'model');
      saveCheckpoint(out, SMALL, weights, { dtype });
      const configJson = JSON.parse(fs.readFileSync(join(out, 'config.json'), 'utf8'));
      assert.deepEqual(configJson.architectures, ['GPT2LMHeadModel']);
      const f = SafetensorsFile.open(join(out, 'model.safetensors'));
      const names = [...f.entries.keys()];
      const dtypes = new Set([...f.entries.values()].map((e) => e.dtype));
      f.close();
      assert.ok(names.every((n) => n.startsWith('transformer.')), names[0]);
      assert.deepEqual([...dtypes], [dtype]);
      assert.deepEqual(fs.readdirSync(out).sort(), ['config.json', 'model.safetensors']);

      const loaded = loadCheckpoint(out);
      assert.deepEqual(loaded.config, SMALL);
      for (const [n, w] of weights) {
        const got = loaded.weights.get(n)!;
        assert.deepEqual(got.shape, w.shape);
        const tol = dtype === 'F32' ? 0 : dtype === 'F16' ? 1e-3 : 8e-3; // |x| ≤ 1: half ulp of each dtype
        const worst = got.data.reduce((m, x, i) => Math.max(m, Math.abs(x - w.data[i])), 0);
        assert.ok(worst <= tol, `${n}: ${worst}`);
        if (dtype !== 'F32') assert.ok(worst > 0, `${n} was narrowed`);
      }
    });
  }

  it('refuses to save weights that do not fit the config', () => {
    const weights = makeWeights(SMALL);
    const target = join(dir, 'model.safetensors');
    weights.delete('ln_f.bias');
    expectError(() => saveCheckpoint(dir, SMALL, weights), 'BAD_WEIGHTS', target, /"ln_f.bias" is missing/);
    const w2 = makeWeights(SMALL);
    w2.set('wpe.weight', { shape: [5, 4], data: new Float32Array(20) });
    expectError(() => saveCheckpoint(dir, SMALL, w2), 'BAD_WEIGHTS', target, /"wpe.weight" has shape \[5, 4\], expected \[6, 4\]/);
    const w3 = makeWeights(SMALL);
    w3.set('extra', { shape: [1], data: new Float32Array(1) });
    expectError(() => saveCheckpoint(dir, SMALL, w3), 'BAD_WEIGHTS', target, /"extra"/);
    assert.ok(!fs.existsSync(target), 'nothing written');
  });
});

describe('loadCheckpoint errors name the file and the problem', () => {
  let dir: string;
  const cfg = configToJson(SMALL);
  beforeEach(() => (dir = fs.mkdtempSync(join(tmpdir(), 'ckpt-bad-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('missing folder → FILE_NOT_FOUND', () => {
    const missing = join(dir, 'nope');
    expectError(() => loadCheckpoint(missing), 'FILE_NOT_FOUND', missing, /model folder not found/);
  });

  it('missing config.json → FILE_NOT_FOUND', () => {
    expectError(() => loadCheckpoint(dir), 'FILE_NOT_FOUND', join(dir, 'config.json'), /config.json not found/);
  });

  it('malformed config.json → BAD_JSON', () => {
    writeModel(dir, '{"vocab_size": 11,', smallTensors());
    expectError(() => loadCheckpoint(dir), 'BAD_JSON', join(dir, 'config.json'), /not valid JSON/);
  });

  it('bad config values → BAD_CONFIG', () => {
    writeModel(dir, { ...cfg, n_head: 3 }, smallTensors());
    expectError(() => loadCheckpoint(dir), 'BAD_CONFIG', join(dir, 'config.json'), /divisible/);
  });

  it('a Gemma config → BAD_CONFIG "not supported yet"', () => {
    writeModel(dir, { ...cfg, model_type: 'gemma' }, smallTensors());
    expectError(() => loadCheckpoint(dir), 'BAD_CONFIG', join(dir, 'config.json'), /not supported yet/);
  });

  it('an untied head in the config → BAD_CONFIG', () => {
    writeModel(dir, { ...cfg, tie_word_embeddings: false }, smallTensors());
    expectError(() => loadCheckpoint(dir), 'BAD_CONFIG', join(dir, 'config.json'), /tie_word_embeddings/);
  });

  it('missing model.safetensors → FILE_NOT_FOUND (with a hint when pytorch_model.bin is there)', () => {
    fs.writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg));
    const target = join(dir, 'model.safetensors');
    expectError(() => loadCheckpoint(dir), 'FILE_NOT_FOUND', target, /no model.safetensors/);
    fs.writeFileSync(join(dir, 'pytorch_model.bin'), 'x');
    expectError(() => loadCheckpoint(dir), 'FILE_NOT_FOUND', target, /convert it to safetensors/);
  });

  it('a broken model.safetensors → BAD_SAFETENSORS from the reader', () => {
    writeModel(dir, cfg, smallTensors());
    const file = join(dir, 'model.safetensors');
    fs.truncateSync(file, 100);
    expectError(() => loadCheckpoint(dir), 'BAD_SAFETENSORS', file);
  });

  it('a weight with the wrong shape → BAD_WEIGHTS', () => {
    const t = smallTensors('transformer.').map(([n, s]): [string, number[]] => (n.endsWith('h.1.mlp.c_fc.weight') ? [n, [16, 4]] : [n, s]));
    writeModel(dir, cfg, t);
    expectError(() => loadCheckpoint(dir), 'BAD_WEIGHTS', join(dir, 'model.safetensors'), /"transformer.h.1.mlp.c_fc.weight" has shape \[16, 4\], expected \[4, 16\]/);
  });

  it('a missing weight → BAD_WEIGHTS (c_attn.bias is never taken for a mask buffer)', () => {
    const t = smallTensors().filter(([n]) => n !== 'h.0.attn.c_attn.bias');
    t.push(['h.0.attn.bias', [1, 1, 6, 6]]);
    writeModel(dir, cfg, t);
    expectError(() => loadCheckpoint(dir), 'BAD_WEIGHTS', join(dir, 'model.safetensors'), /missing 1 weight\(s\): "h.0.attn.c_attn.bias"/);
  });

  it('unexpected weights → BAD_WEIGHTS listing the first few', () => {
    const t = smallTensors();
    for (const n of ['a', 'b', 'c', 'd', 'e']) t.push([`h.0.extra_${n}`, [2]]);
    writeModel(dir, cfg, t);
    expectError(() => loadCheckpoint(dir), 'BAD_WEIGHTS', join(dir, 'model.safetensors'), /5 unexpected weight\(s\) for a GPT-2 model: "h.0.extra_a", "h.0.extra_b", "h.0.extra_c" and 2 more/);
  });

  it('a weight present with and without the prefix → BAD_WEIGHTS', () => {
    writeModel(dir, cfg, [...smallTensors(), ['transformer.ln_f.bias', [4]]]);
    expectError(() => loadCheckpoint(dir), 'BAD_WEIGHTS', join(dir, 'model.safetensors'), /"ln_f.bias" is present twice/);
  });

  it('vocabulary/embedding size mismatch → BAD_WEIGHTS naming both numbers', () => {
    writeModel(dir, { ...cfg, vocab_size: 12 }, smallTensors());
    expectError(() => loadCheckpoint(dir), 'BAD_WEIGHTS', join(dir, 'model.safetensors'), /vocabulary\/embedding size mismatch: config.json says vocab_size 12 but wte.weight has 11 rows/);
  });

  it('a weight stored as F64 or I8 → UNKNOWN_DTYPE naming it; a BOOL mask buffer is fine', () => {
    writeModel(dir, cfg, smallTensors());
    const file = join(dir, 'model.safetensors');
    // Rewrite the header so that ln_f.bias ([4], the last tensor) becomes I8 (4 bytes), then F64 (32).
    const f = SafetensorsFile.open(file);
    const header: Record<string, unknown> = {};
    for (const [n, e] of f.entries) header[n] = { dtype: e.dtype, shape: e.shape, data_offsets: [e.begin, e.end] };
    const lnf = f.entries.get('ln_f.bias')!;
    const data = fs.readFileSync(file).subarray(f.dataStart);
    f.close();
    const patch = (dtype: string, bytes: number) => {
      header['ln_f.bias'] = { dtype, shape: [4], data_offsets: [lnf.begin, lnf.begin + bytes] };
      const json = Buffer.from(JSON.stringify(header));
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(json.length));
      fs.writeFileSync(file, Buffer.concat([len, json, data.subarray(0, lnf.begin), Buffer.alloc(bytes)])); // ends where the last tensor ends
    };
    patch('I8', 4);
    expectError(() => loadCheckpoint(dir), 'UNKNOWN_DTYPE', file, /tensor "ln_f.bias" has dtype I8/);
    patch('F64', 32);
    expectError(() => loadCheckpoint(dir), 'UNKNOWN_DTYPE', file, /tensor "ln_f.bias" has dtype F64/);
    // Case d of the conformance set stores its mask buffers as BOOL and loads.
    const d = join(CONFORMANCE, CASES.find((c) => c.startsWith('d-'))!);
    const st = SafetensorsFile.open(join(d, 'model.safetensors'));
    assert.equal(st.otherEntries.get('h.0.attn.bias')?.dtype, 'BOOL');
    st.close();
    assert.ok(loadCheckpoint(d).weights.has('h.0.attn.c_attn.bias'));
  });

  it('lm_head.weight: a tied copy is ignored; other shapes or values → BAD_WEIGHTS', () => {
    const weights = makeWeights(SMALL);
    const file = join(dir, 'model.safetensors');
    fs.writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg));
    const entries = (head: { shape: number[]; data: Float32Array }): [string, { shape: number[]; data: Float32Array }][] => [
      ...[...weights].map(([n, w]): [string, { shape: number[]; data: Float32Array }] => [`transformer.${n}`, w]),
      ['lm_head.weight', head],
    ];
    const wte = weights.get('wte.weight')!;
    writeSafetensors(file, entries(wte));
    assert.ok(!loadCheckpoint(dir).weights.has('lm_head.weight'));
    writeSafetensors(file, entries({ shape: [4, 11], data: wte.data }));
    expectError(() => loadCheckpoint(dir), 'BAD_WEIGHTS', file, /lm_head.weight has shape \[4, 11\]/);
    const other = wte.data.slice();
    other[7] += 1;
    writeSafetensors(file, entries({ shape: [11, 4], data: other }));
    expectError(() => loadCheckpoint(dir), 'BAD_WEIGHTS', file, /lm_head.weight differs from wte.weight/);
  });

  describe('sharded checkpoints', () => {
    function shard(dtypes: ['F32' | 'F16' | 'BF16', 'F32' | 'F16' | 'BF16'] = ['F32', 'F32']): void {
      fs.writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg));
      const weights = makeWeights(SMALL);
      const names = [...weights.keys()];
      const half = Math.ceil(names.length / 2);
      const map: Record<string, string> = {};
      [names.slice(0, half), names.slice(half)].forEach((part, i) => {
        const file = `model-0000${i + 1}-of-00002.safetensors`;
        writeSafetensors(join(dir, file), part.map((n) => [n, weights.get(n)!]), { dtype: dtypes[i] });
        for (const n of part) map[n] = file;
      });
      fs.writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: map }));
    }

    it('loads two shards through the index', () => {
      shard();
      const { weights, files, dtype } = loadCheckpoint(dir);
      assert.deepEqual(weights.get('ln_f.bias')!.data, makeWeights(SMALL).get('ln_f.bias')!.data);
      assert.equal(files.length, 4);
      assert.equal(dtype, 'F32');
    });

    it('reports the dtype of shards stored alike, and "mixed" for shards stored differently', () => {
      shard(['BF16', 'BF16']);
      assert.equal(loadCheckpoint(dir).dtype, 'BF16');
      shard(['F16', 'BF16']);
      assert.equal(loadCheckpoint(dir).dtype, 'mixed');
    });

    it('an index pointing to a missing shard → FILE_NOT_FOUND naming the shard', () => {
      shard();
      const missing = join(dir, 'model-00002-of-00002.safetensors');
      fs.rmSync(missing);
      expectError(() => loadCheckpoint(dir), 'FILE_NOT_FOUND', missing, /shard listed in model.safetensors.index.json is missing/);
    });

    it('a malformed index → BAD_JSON; one without weight_map or escaping the folder → BAD_WEIGHTS', () => {
      shard();
      const index = join(dir, 'model.safetensors.index.json');
      fs.writeFileSync(index, '{"weight_map": ');
      expectError(() => loadCheckpoint(dir), 'BAD_JSON', index);
      fs.writeFileSync(index, '{"metadata": {}}');
      expectError(() => loadCheckpoint(dir), 'BAD_WEIGHTS', index, /no "weight_map"/);
      fs.writeFileSync(index, JSON.stringify({ weight_map: { 'wte.weight': '../model.safetensors' } }));
      expectError(() => loadCheckpoint(dir), 'BAD_WEIGHTS', index, /not a file name in the model folder/);
    });

    it('an index placing a tensor in a shard that lacks it → BAD_WEIGHTS naming the shard', () => {
      shard();
      const index = join(dir, 'model.safetensors.index.json');
      const json = JSON.parse(fs.readFileSync(index, 'utf8'));
      json.weight_map['wte.weight'] = 'model-00002-of-00002.safetensors';
      fs.writeFileSync(index, JSON.stringify(json));
      expectError(() => loadCheckpoint(dir), 'BAD_WEIGHTS', join(dir, 'model-00002-of-00002.safetensors'), /has no tensor "wte.weight"/);
    });
  });
});
