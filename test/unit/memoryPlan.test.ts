// Will a model fit? The estimate on the real shapes of SmolLM2, Qwen2.5 and Llama 3.2 (their
// config.json numbers), and the refusal of one that cannot fit, before any weight is read.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/engine/config';
import { EngineError } from '../../src/engine/errors';
import { familyOf } from '../../src/engine/families';
import { checkFits, estimateMemory, storedBytesPerValue, WASM_MEMORY_BYTES } from '../../src/engine/memoryPlan';
import { EngineSession } from '../../src/engine/session';
import type { GPTConfig } from '../../src/engine/types';

type Shape = { arch: string; type: string; hidden: number; layers: number; heads: number; kv: number; inner: number; vocab: number; tied: boolean; headDim?: number; params: number };

// From each model's config.json on the Hugging Face Hub; params as the model cards give them.
const MODELS: Record<string, Shape> = {
  'SmolLM2-135M': { arch: 'LlamaForCausalLM', type: 'llama', hidden: 576, layers: 30, heads: 9, kv: 3, inner: 1536, vocab: 49152, tied: true, params: 134.5e6 },
  'SmolLM2-360M': { arch: 'LlamaForCausalLM', type: 'llama', hidden: 960, layers: 32, heads: 15, kv: 5, inner: 2560, vocab: 49152, tied: true, params: 361.8e6 },
  'SmolLM2-1.7B': { arch: 'LlamaForCausalLM', type: 'llama', hidden: 2048, layers: 24, heads: 32, kv: 32, inner: 8192, vocab: 49152, tied: true, params: 1.711e9 },
  'Qwen2.5-0.5B': { arch: 'Qwen2ForCausalLM', type: 'qwen2', hidden: 896, layers: 24, heads: 14, kv: 2, inner: 4864, vocab: 151936, tied: true, params: 494.0e6 },
  'Qwen2.5-1.5B': { arch: 'Qwen2ForCausalLM', type: 'qwen2', hidden: 1536, layers: 28, heads: 12, kv: 2, inner: 8960, vocab: 151936, tied: true, params: 1.544e9 },
  'Qwen2.5-7B': { arch: 'Qwen2ForCausalLM', type: 'qwen2', hidden: 3584, layers: 28, heads: 28, kv: 4, inner: 18944, vocab: 152064, tied: false, params: 7.616e9 },
  'Llama-3.2-1B': { arch: 'LlamaForCausalLM', type: 'llama', hidden: 2048, layers: 16, heads: 32, kv: 8, inner: 8192, vocab: 128256, tied: true, headDim: 64, params: 1.236e9 },
  'Llama-3.2-3B': { arch: 'LlamaForCausalLM', type: 'llama', hidden: 3072, layers: 28, heads: 24, kv: 8, inner: 8192, vocab: 128256, tied: true, headDim: 128, params: 3.213e9 },
};

function configJson(name: string, dtype = 'bfloat16'): Record<string, unknown> {
  const m = MODELS[name];
  return {
    _name_or_path: name,
    architectures: [m.arch],
    model_type: m.type,
    hidden_size: m.hidden,
    num_hidden_layers: m.layers,
    num_attention_heads: m.heads,
    num_key_value_heads: m.kv,
    intermediate_size: m.inner,
    vocab_size: m.vocab,
    tie_word_embeddings: m.tied,
    max_position_embeddings: 32768,
    rms_norm_eps: 1e-6,
    rope_theta: 500000,
    torch_dtype: dtype,
    ...(m.headDim ? { head_dim: m.headDim } : {}),
    ...(m.arch.startsWith('Llama') && m.vocab === 128256
      ? { rope_scaling: { rope_type: 'llama3', factor: 32, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 } }
      : {}),
  };
}

const config = (name: string): GPTConfig => parseConfig(configJson(name), `/models/${name}/config.json`);
const PLENTY = 1e12; // bytes free: only the WebAssembly limit matters

describe('memory plan (will a model fit?)', () => {
  for (const name of Object.keys(MODELS)) {
    it(`counts ${name}'s parameters as its model card does`, () => {
      const c = config(name);
      const n = familyOf(c).countParams(c);
      assert.ok(Math.abs(n / MODELS[name].params - 1) < 0.005, `${name}: ${n} parameters, the card says ${MODELS[name].params}`);
    });
  }

  it('lets every model up to Llama 3.2 3B run in BF16 on 2 threads, 16-bit weights taking half the bytes of float32', () => {
    for (const name of Object.keys(MODELS).filter((n) => n !== 'Qwen2.5-7B')) {
      const c = config(name);
      const e = checkFits(c, 2, 2, { freeBytes: PLENTY });
      assert.equal(e.bytesPerValue, 2);
      assert.ok(Math.max(...e.wasmBytes) <= WASM_MEMORY_BYTES, name);
      const f32 = estimateMemory(c, 2, 4);
      assert.equal(f32.weightBytes, 2 * e.weightBytes, name);
      assert.ok(f32.wasmBytes[0] > e.wasmBytes[0] + 0.45 * e.weightBytes / 2, `${name}: float32 panels take about twice the memory`);
    }
  });

  it('refuses Qwen2.5-7B in BF16 on 2 threads with one line: how big, the 4 GiB limit, what fits', () => {
    const c = config('Qwen2.5-7B');
    let err: EngineError | undefined;
    try {
      checkFits(c, 2, 2, { freeBytes: PLENTY, file: '/models/Qwen2.5-7B/config.json' });
    } catch (e) {
      err = e as EngineError;
    }
    assert.ok(err instanceof EngineError, 'refused');
    assert.equal(err.code, 'MODEL_TOO_LARGE');
    assert.equal(err.file, '/models/Qwen2.5-7B/config.json');
    assert.ok(!err.message.includes('\n'), err.message);
    assert.match(err.message, /Qwen2\.5-7B \(7\.6B parameters\) needs about 15\.2 GB for its weights in BF16\/F16, split over 2 threads \d\.\d GB each/);
    assert.match(err.message, /more than the 4 GiB a WebAssembly thread can hold/);
    const fits = Number(/models up to about (\d+\.\d)B parameters in BF16\/F16 fit on 2 threads/.exec(err.message)?.[1]);
    assert.ok(fits >= 3.2 && fits < 4.3, `${fits}B: Llama 3.2 3B fits on 2 threads, 4.3B cannot`);
    assert.match(err.message, /or this one split over [4-6] threads$/);
  });

  it('refuses Llama 3.2 3B in float32 on 2 threads, but not on 4', () => {
    const c = config('Llama-3.2-3B');
    assert.throws(() => checkFits(c, 2, 4, { freeBytes: PLENTY }), (e: EngineError) => e.code === 'MODEL_TOO_LARGE' && / in float32, /.test(e.message));
    assert.equal(checkFits(c, 4, 4, { freeBytes: PLENTY }).threads, 4);
  });

  it("refuses a model that fits the threads but not the machine's free memory", () => {
    const c = config('Qwen2.5-0.5B');
    const e = estimateMemory(c, 2, 2);
    assert.ok(e.totalBytes > e.weightBytes && e.totalBytes < 4e9, `${e.totalBytes} bytes in all`);
    assert.ok(e.forwardBytes > 6e9, `a forward over ${e.tokens} tokens with every attention: ${e.forwardBytes} bytes`);
    assert.throws(() => checkFits(c, 2, 2, { freeBytes: 1e9 }), (err: EngineError) => err.code === 'MODEL_TOO_LARGE' && /more than the 1\.0 GB of memory free on this machine$/.test(err.message));
  });

  it('reads the dtype from config.json, or from the files\' sizes when it does not say', () => {
    const dir = fs.mkdtempSync(join(tmpdir(), 'al-plan-'));
    try {
      assert.equal(storedBytesPerValue(dir, { torch_dtype: 'bfloat16' }, 1000), 2);
      assert.equal(storedBytesPerValue(dir, { torch_dtype: 'float32' }, 1000), 4);
      fs.writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: 2000 }, weight_map: {} }));
      assert.equal(storedBytesPerValue(dir, {}, 1000), 2);
      fs.writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: 4000 }, weight_map: {} }));
      assert.equal(storedBytesPerValue(dir, {}, 1000), 4);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a model folder too big before reading any weight (its shards are not even there)', async () => {
    const dir = fs.mkdtempSync(join(tmpdir(), 'al-plan-'));
    try {
      fs.writeFileSync(join(dir, 'config.json'), JSON.stringify(configJson('Qwen2.5-7B')));
      const shards = Array.from({ length: 4 }, (_, i) => `model-0000${i + 1}-of-00004.safetensors`);
      fs.writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: 15.2e9 }, weight_map: { 'model.embed_tokens.weight': shards[0], 'lm_head.weight': shards[3] } }));
      await assert.rejects(EngineSession.load(dir, { threads: 2 }), (e: EngineError) => {
        assert.equal(e.code, 'MODEL_TOO_LARGE', e.message); // not FILE_NOT_FOUND: the missing shards were never opened
        assert.equal(e.file, join(dir, 'config.json'));
        return true;
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
