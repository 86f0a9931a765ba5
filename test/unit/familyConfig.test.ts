// config.json of the Llama family and GPT-1 → GPTConfig: HF's defaults for absent keys, the
// fixtures' configs as their references describe them, and one clear line for what the engine
// cannot run (kv heads that do not divide the heads, no head_dim to derive, an unknown RoPE
// scaling, an unsupported family, a weight of the wrong shape).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpoint } from '../../src/engine/checkpoint';
import { parseConfig } from '../../src/engine/config';
import { invFreq } from '../../src/engine/rotary';
import { SafetensorsFile, writeSafetensors } from '../../src/engine/safetensors';
import { expectError } from '../helpers/engineErrors';

const FAMILIES = join(__dirname, '..', 'fixtures', 'families');
const file = '/models/x/config.json';
const llama = {
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  vocab_size: 50,
  hidden_size: 32,
  intermediate_size: 64,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  max_position_embeddings: 64,
};

describe('Llama-family config.json', () => {
  for (const name of fs.readdirSync(FAMILIES).filter((n) => fs.existsSync(join(FAMILIES, n, 'reference.json')))) {
    it(`reads ${name} as its reference describes it`, () => {
      const ref = JSON.parse(fs.readFileSync(join(FAMILIES, name, 'reference.json'), 'utf8'));
      const c = parseConfig(JSON.parse(fs.readFileSync(join(FAMILIES, name, 'config.json'), 'utf8')), file);
      assert.deepEqual([c.modelType, c.nHead, c.nKvHead, c.headDim, c.nLayer, c.vocabSize, c.nPositions], [ref.family, ref.nHead, ref.nKvHead, ref.headDim, ref.nLayer, ref.vocabSize, ref.nPositions]);
      assert.equal(c.rope?.rotaryDim ?? null, ref.rotaryDim ?? null);
      if (ref.slidingWindows) {
        const windows = ref.slidingWindows.map((_: unknown, l: number) => (c.slidingWindow && l >= c.slidingWindow.fromLayer ? c.slidingWindow.size : null));
        assert.deepEqual(windows, ref.slidingWindows);
      }
    });
  }

  it('keeps a list of end tokens whole (Llama 3 Instruct) and refuses one outside the vocabulary', () => {
    const base = { model_type: 'llama', hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 16, vocab_size: 100 };
    const c = parseConfig({ ...base, eos_token_id: [98, 7, 99] }, file);
    assert.equal(c.eosTokenId, 98);
    assert.deepEqual(c.eosTokenIds, [98, 7, 99]);
    assert.equal(parseConfig({ ...base, eos_token_id: 5 }, file).eosTokenIds, undefined);
    expectError(() => parseConfig({ ...base, eos_token_id: [98, 100] }, file), 'BAD_CONFIG', file, /"eos_token_id"\[1\] must be a token id below vocab_size 100, got 100/);
  });

  it("takes HF's defaults: kv heads = heads, head_dim = hidden / heads, untied, eps 1e-6, theta 1e4, no biases", () => {
    const c = parseConfig(llama, file);
    assert.deepEqual(
      [c.nKvHead, c.headDim, c.tieWordEmbeddings, c.layerNormEps, c.rope, c.attentionBias, c.mlpBias, c.qkNorm, c.norm, c.activation, c.slidingWindow],
      [4, 8, false, 1e-6, { theta: 10000, rotaryDim: 8 }, { qkv: false, o: false }, false, false, 'rmsnorm', 'silu', undefined],
    );
    assert.equal(parseConfig({ ...llama, model_type: undefined }, file).modelType, 'llama'); // from architectures
  });

  it('gives each family its biases, norms and windows', () => {
    assert.deepEqual(parseConfig({ ...llama, attention_bias: true, mlp_bias: true }, file).attentionBias, { qkv: true, o: true });
    assert.deepEqual(parseConfig({ ...llama, model_type: 'qwen2' }, file).attentionBias, { qkv: true, o: false });
    const q3 = parseConfig({ ...llama, model_type: 'qwen3' }, file);
    assert.deepEqual([q3.qkNorm, q3.headDim], [true, 128]); // Qwen3Config's default head_dim
    assert.deepEqual(parseConfig({ ...llama, model_type: 'mistral' }, file).slidingWindow, { size: 4096, fromLayer: 0 });
    assert.equal(parseConfig({ ...llama, model_type: 'mistral', sliding_window: null }, file).slidingWindow, undefined);
    assert.equal(parseConfig({ ...llama, model_type: 'qwen2', sliding_window: 8 }, file).slidingWindow, undefined);
    assert.deepEqual(parseConfig({ ...llama, model_type: 'qwen2', use_sliding_window: true, sliding_window: 8, max_window_layers: 1 }, file).slidingWindow, { size: 8, fromLayer: 1 });
  });

  it('reads rope_scaling under rope_type or the old key type', () => {
    assert.equal(parseConfig({ ...llama, rope_scaling: { rope_type: 'default' } }, file).rope?.scaling, undefined);
    assert.deepEqual(parseConfig({ ...llama, rope_scaling: { type: 'linear', factor: 2 } }, file).rope?.scaling, { type: 'linear', factor: 2 });
    assert.deepEqual(parseConfig({ ...llama, rope_scaling: { type: 'dynamic', factor: 4 } }, file).rope?.scaling, { type: 'dynamic', factor: 4 });
    const c = parseConfig(
      { ...llama, rope_theta: 500000, rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 } },
      file,
    );
    assert.deepEqual(c.rope, { theta: 500000, rotaryDim: 8, scaling: { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 8192 } });
  });

  it('computes inv_freq as modeling_rope_utils does', () => {
    const base = invFreq({ theta: 10000, rotaryDim: 8 });
    assert.deepEqual([...base].map((x) => +x.toPrecision(12)), [1, 0.1, 0.01, 0.001]);
    assert.deepEqual([...invFreq({ theta: 10000, rotaryDim: 8, scaling: { type: 'linear', factor: 2 } })], [...base].map((x) => x / 2));
    // llama3, original context 8192 over factors 1 / 4: wavelengths > 8192 divided by 8, < 2048 kept, between smoothed
    const l3 = invFreq({ theta: 10000, rotaryDim: 8, scaling: { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 8192 } });
    const smooth = (8192 / ((2 * Math.PI) / 0.001) - 1) / 3;
    assert.deepEqual([l3[0], l3[1], l3[2]], [base[0], base[1], base[2]]);
    assert.ok(Math.abs(l3[3] - ((1 - smooth) * 0.001) / 8 - smooth * 0.001) < 1e-15);
    const low = invFreq({ theta: 10000, rotaryDim: 8, scaling: { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 1000 } });
    assert.ok(Math.abs(low[3] - 0.001 / 8) < 1e-15); // wavelength 6283 > 1000: scaled
  });

  const bad: [string, unknown, RegExp][] = [
    ['kv heads that do not divide the heads', { ...llama, num_key_value_heads: 3 }, /num_key_value_heads \(3\) must divide num_attention_heads \(4\)/],
    ['no head_dim and a width the heads do not divide', { ...llama, hidden_size: 30 }, /no "head_dim", and hidden_size \(30\) is not divisible by num_attention_heads \(4\)/],
    ['an unsupported rope_scaling type', { ...llama, rope_scaling: { rope_type: 'yarn', factor: 4 } }, /not supported yet: rope_scaling type "yarn"/],
    ['a llama3 rope_scaling without its factors', { ...llama, rope_scaling: { rope_type: 'llama3', factor: 8 } }, /"rope_scaling.low_freq_factor" must be a positive number/],
    ['an activation other than silu', { ...llama, hidden_act: 'gelu' }, /"hidden_act" "gelu" is not supported for model_type "llama"/],
    ['a Gemma model', { ...llama, model_type: 'gemma' }, /model_type "gemma" is not supported yet/],
    ['a GPT-NeoX model', { ...llama, model_type: 'gpt_neox' }, /model_type "gpt_neox" is not supported yet/],
    ['a partial rotary factor giving odd dims', { ...llama, partial_rotary_factor: 0.375 }, /3 rotary dims; it must be a positive even number/],
  ];
  for (const [what, json, pattern] of bad) {
    it(`rejects ${what} with BAD_CONFIG`, () => expectError(() => parseConfig(json, file), 'BAD_CONFIG', file, pattern));
  }
});

describe('Llama-family checkpoints', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(join(tmpdir(), 'family-ckpt-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a weight of the wrong shape → BAD_WEIGHTS naming the file and the tensor', () => {
    const src = join(FAMILIES, 'llama-gqa-tied-f32');
    fs.copyFileSync(join(src, 'config.json'), join(dir, 'config.json'));
    const f = SafetensorsFile.open(join(src, 'model.safetensors'));
    const tensors = [...f.entries.keys()].map((name): [string, { shape: number[]; data: Float32Array }] => {
      const data = f.read(name);
      const shape = f.entries.get(name)!.shape.slice();
      // k_proj as if the config had 4 kv heads instead of 2: [32, 32], not [16, 32]
      return name === 'model.layers.1.self_attn.k_proj.weight' ? [name, { shape: [32, 32], data: new Float32Array(32 * 32) }] : [name, { shape, data }];
    });
    f.close();
    const target = join(dir, 'model.safetensors');
    writeSafetensors(target, tensors, { dtype: 'F32' });
    expectError(() => loadCheckpoint(dir), 'BAD_WEIGHTS', target, /weight "model\.layers\.1\.self_attn\.k_proj\.weight" has shape \[32, 32\], expected \[16, 32\] from config\.json/);
  });

  it('an untied config without lm_head.weight → BAD_WEIGHTS naming it', () => {
    const src = join(FAMILIES, 'llama-gqa-tied-f32');
    const config = JSON.parse(fs.readFileSync(join(src, 'config.json'), 'utf8'));
    fs.writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, tie_word_embeddings: false }));
    fs.copyFileSync(join(src, 'model.safetensors'), join(dir, 'model.safetensors'));
    expectError(() => loadCheckpoint(dir), 'BAD_WEIGHTS', join(dir, 'model.safetensors'), /missing 1 weight\(s\): "lm_head\.weight"/);
  });
});
