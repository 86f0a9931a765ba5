// What the Layer Stepper says about the loaded model, per family: the facts modelFacts gives
// (against config.json and the safetensors headers read here, with Hugging Face's defaults), the
// Model tab's figures, and the texts that depend on the build — the logit lens' caption and "how
// it is built" (GPT-2's final layer norm and learned positions; the Llama family's RoPE, RMSNorm,
// SwiGLU, grouped-query attention and final RMSNorm before a tied or untied head; GPT-1's
// post-norm blocks without a final norm), in English and Simplified Chinese.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { loadCheckpoint } from '../../src/engine/checkpoint';
import { familyOf } from '../../src/engine/families';
import { buildModelInfo } from '../../src/engine/modelInfo';
import { STEPPER_TEXT, localizeStepperText, type StepperStrings } from '../../src/shared/explanations';
import type { StepperModelFacts } from '../../src/shared/stepperProtocol';
import { modelFacts } from '../../src/host/modelFacts';
import { lensCaption, modelBuiltText } from '../../webview/stepper/familyText';
import { modelFigures } from '../../webview/stepper/modelFigures';

const FIXTURES = join(__dirname, '..', 'fixtures');
const FOLDERS: Record<string, string> = {
  'tiny-model': join(FIXTURES, 'tiny-model'),
  'tiny-qwen2': join(FIXTURES, 'tiny-qwen2'),
  ...Object.fromEntries(fs.readdirSync(join(FIXTURES, 'families')).map((n) => [n, join(FIXTURES, 'families', n)])),
};
const LLAMA_FAMILY = ['llama', 'mistral', 'qwen2', 'qwen3'];
const EN = { ...STEPPER_TEXT } as StepperStrings;
const BUNDLE_ZH = JSON.parse(fs.readFileSync(join(__dirname, '..', '..', 'l10n', 'bundle.l10n.zh-cn.json'), 'utf8')) as Record<string, string>;
const ZH = localizeStepperText((m) => BUNDLE_ZH[m] ?? m);
const CJK = /[\u4e00-\u9fff]/;

/** The dtypes the safetensors files of `dir` store (read from their headers here). */
function storedDtypes(dir: string): Set<string> {
  const out = new Set<string>();
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.safetensors'))) {
    const buf = fs.readFileSync(join(dir, f));
    const n = Number(buf.readBigUInt64LE(0));
    const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype?: string }>;
    for (const [name, e] of Object.entries(header)) if (name !== '__metadata__' && e.dtype) out.add(e.dtype);
  }
  return out;
}

/** modelFacts of a fixture folder, with the ModelInfo a session builds for it. */
function factsOf(dir: string): StepperModelFacts {
  const { config, dtype } = loadCheckpoint(dir);
  const info = buildModelInfo(dir, config, familyOf(config).countParams(config), { vocabSize: config.vocabSize });
  info.weightsDtype = dtype;
  return modelFacts(info);
}

describe('modelFacts per family', () => {
  it('has the families of issue 13 among its fixtures', () => {
    const types = new Set(Object.values(FOLDERS).map((d) => JSON.parse(fs.readFileSync(join(d, 'config.json'), 'utf8')).model_type));
    for (const t of ['gpt2', 'openai-gpt', 'llama', 'mistral', 'qwen2', 'qwen3']) assert.ok(types.has(t), `a ${t} fixture`);
  });

  for (const [name, dir] of Object.entries(FOLDERS)) {
    it(`${name}: the facts follow config.json and the stored dtype`, () => {
      const raw = JSON.parse(fs.readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
      const f = factsOf(dir);
      const type = raw.model_type as string;
      const llama = LLAMA_FAMILY.includes(type);
      const nHead = raw.num_attention_heads ?? raw.n_head;
      const width = raw.hidden_size ?? raw.n_embd;
      const headDim = raw.head_dim ?? width / nHead;
      assert.equal(f.family, type);
      assert.equal(f.nHead, nHead);
      assert.equal(f.nKvHead, raw.num_key_value_heads ?? nHead);
      assert.equal(f.headDim, headDim);
      assert.equal(f.norm, llama ? 'rmsnorm' : 'layernorm');
      assert.equal(f.normPlacement, type === 'openai-gpt' ? 'post' : 'pre');
      assert.equal(f.finalNorm, type !== 'openai-gpt');
      assert.equal(f.mlp, llama ? 'swiglu' : 'mlp');
      assert.equal(f.qkNorm, type === 'qwen3');
      assert.equal(f.qkvBias, llama ? (type === 'qwen2' ? true : (raw.attention_bias ?? false)) : true);
      assert.equal(f.tiedHead, type === 'openai-gpt' ? true : raw.tie_word_embeddings !== false);
      if (llama) {
        assert.ok(f.rope, 'RoPE');
        assert.equal(f.rope.theta, raw.rope_theta ?? 10000);
        assert.equal(f.rope.rotaryDim, headDim * (raw.partial_rotary_factor ?? 1));
        const sc = raw.rope_scaling as { rope_type?: string; type?: string; factor: number } | null;
        assert.deepEqual(f.rope.scaling, sc ? { type: sc.rope_type ?? sc.type, factor: sc.factor } : undefined);
      } else assert.equal(f.rope, undefined, 'learned positions');
      // Mistral slides in every layer; Qwen2 only with use_sliding_window (and from max_window_layers).
      const slides = type === 'mistral' ? raw.sliding_window != null : type === 'qwen2' && raw.use_sliding_window === true;
      assert.equal(f.slidingWindow !== undefined && f.slidingWindow.fromLayer < f.nLayer, slides, 'sliding window');
      if (type === 'mistral' && slides) assert.deepEqual(f.slidingWindow, { size: raw.sliding_window, fromLayer: 0 });
      const stored = storedDtypes(dir);
      assert.equal(f.weightsDtype, stored.size === 1 ? [...stored][0] : 'mixed', `stored: ${[...stored].join(', ')}`);
    });
  }

  it('the Model tab lists the family, heads, key/value heads, head width, RoPE, window, head and dtype', () => {
    const rows = (name: string): Map<string, string> => new Map(modelFigures(factsOf(FOLDERS[name]), EN, 'en'));
    const qwen2 = rows('tiny-qwen2');
    assert.equal(qwen2.get(EN.figFamily), 'qwen2');
    assert.equal(qwen2.get(EN.figHeads), '8');
    assert.equal(qwen2.get(EN.figKvHeads), '2');
    assert.equal(qwen2.get(EN.figHeadWidth), '8');
    assert.equal(qwen2.get(EN.figPositions), 'RoPE: θ = 10000, 8 of 8 dims rotate');
    assert.equal(qwen2.get(EN.figNorm), `RMSNorm, ε = 0.000001, ${EN.figNormPre}`);
    assert.equal(qwen2.get(EN.figHead), EN.figHeadTied);
    assert.equal(qwen2.get(EN.figWeightsDtype), 'bfloat16 (BF16)');
    assert.ok(!qwen2.has(EN.figSlidingWindow), 'use_sliding_window: false');
    assert.ok(!qwen2.has(EN.figRopeScaling) && !qwen2.has(EN.figQkNorm));

    const llama3 = rows('llama-untied-bf16-sharded-llama3rope');
    assert.equal(llama3.get(EN.figRopeScaling), 'llama3 × 8');
    assert.equal(llama3.get(EN.figHead), EN.figHeadUntied);
    const dyn = JSON.parse(fs.readFileSync(join(FOLDERS['llama-dynamic-rope'], 'config.json'), 'utf8'));
    const dynHead = dyn.hidden_size / dyn.num_attention_heads;
    assert.equal(
      rows('llama-dynamic-rope').get(EN.figPositions),
      `RoPE: θ = ${dyn.rope_theta ?? 10000}, ${dynHead * dyn.partial_rotary_factor} of ${dynHead} dims rotate`,
      'partial_rotary_factor',
    );
    assert.equal(rows('mistral-sliding-mqa-f32').get(EN.figSlidingWindow), '5 tokens, in layers 0 to 1');
    assert.equal(rows('qwen2-bias-f16').get(EN.figWeightsDtype), 'float16 (F16)');
    assert.equal(rows('qwen3-qknorm-bf16-fullctx').get(EN.figQkNorm), EN.figQkNormValue);

    const gpt1 = rows('openai-gpt-f32');
    assert.equal(gpt1.get(EN.figPositions), EN.figLearnedPositions);
    assert.equal(gpt1.get(EN.figNorm), `LayerNorm, ε = 0.00001, ${EN.figNormPost}`);
    assert.equal(gpt1.get(EN.figWeightsDtype), 'float32 (F32)');
    assert.equal(rows('tiny-model').get(EN.figNorm), `LayerNorm, ε = 0.00001, ${EN.figNormPre}`);
  });
});

describe('the logit lens caption and "how it is built" follow the family', () => {
  const text = (name: string, s = EN): { lens: string; built: string } => {
    const f = factsOf(FOLDERS[name]);
    return { lens: lensCaption(f, s), built: modelBuiltText(f, s).join('\n') };
  };

  it('GPT-2: the final layer norm, token and position embeddings (as before)', () => {
    const t = text('tiny-model');
    assert.equal(t.lens, EN.lensCaption);
    assert.equal(t.built, EN.modelBuilt);
    assert.match(t.built, /token and position embeddings go in/);
    // No model loaded yet: the general text.
    assert.equal(lensCaption(undefined, EN), EN.lensCaption);
    assert.deepEqual(modelBuiltText(undefined, EN), [EN.modelBuilt]);
  });

  it('Qwen2 with 8 query heads over 2 key/value heads: RoPE, RMSNorm, SwiGLU, grouped-query attention, the final RMSNorm before the tied head', () => {
    const t = text('tiny-qwen2');
    assert.match(t.lens, /the final RMSNorm \(model\.norm\) and the output head \(the token-embedding table transposed: tied weights\)/);
    assert.doesNotMatch(t.lens, /layer norm/);
    assert.match(t.built, /Only the token embeddings go in/);
    assert.match(t.built, /RoPE turns each query and key/);
    assert.match(t.built, /grouped-query attention \(8 query heads share 2 key\/value heads, 4 query heads per group\)/);
    assert.match(t.built, /SwiGLU feed-forward network, each behind an RMSNorm/);
    assert.match(t.built, /a final RMSNorm and the output head \(the token-embedding table transposed: tied weights\) give a score/);
    assert.doesNotMatch(t.built, /position embeddings go in|sliding window|q_norm/);
  });

  it('Llama with as many key/value heads as query heads and an untied head: multi-head attention, lm_head', () => {
    const t = text('llama-untied-bf16-sharded-llama3rope');
    assert.match(t.lens, /the final RMSNorm \(model\.norm\) and the output head \(lm_head, a matrix of its own, not tied/);
    assert.match(t.built, /applies masked multi-head self-attention and a SwiGLU/);
    assert.doesNotMatch(t.built, /grouped-query|tied weights/);
  });

  it('Mistral: multi-query attention and its sliding window; Qwen3: the q/k norm', () => {
    const m = text('mistral-sliding-mqa-f32');
    assert.match(m.built, /multi-query attention \(all 4 query heads share a single key\/value head\)/);
    assert.match(m.built, /In every layer, attention sees only the last 5 tokens \(a sliding window\)/);
    const q = text('qwen3-qknorm-bf16-fullctx');
    assert.match(q.built, /an RMSNorm of their own \(q_norm, k_norm\)/);
    assert.match(q.built, /grouped-query attention \(4 query heads share 2 key\/value heads, 2 query heads per group\)/);
  });

  it('GPT-1: learned positions, post-norm blocks, no final norm, the head tied to tokens_embed', () => {
    const t = text('openai-gpt-f32');
    assert.match(t.lens, /the output head \(the token-embedding table transposed: tied weights\) applied to the residual stream as it is, since GPT-1 has no final norm/);
    assert.doesNotMatch(t.lens, /final layer norm|RMSNorm/);
    assert.match(t.built, /learned position embeddings \(positions_embed\)/);
    assert.match(t.built, /post-norm/);
    assert.match(t.built, /There is no final norm: the last block’s output times the transposed tokens_embed/);
  });

  it('every family reads in Simplified Chinese, with every placeholder filled', () => {
    for (const name of Object.keys(FOLDERS)) {
      const en = text(name);
      const zh = text(name, ZH);
      for (const [what, s] of Object.entries({ ...en, lensZh: zh.lens, builtZh: zh.built })) {
        assert.doesNotMatch(s, /\{\d+\}/, `${name} ${what}: ${s}`);
      }
      assert.match(zh.lens, CJK, `${name}: the caption in Chinese`);
      assert.match(zh.built, CJK, `${name}: how it is built, in Chinese`);
      assert.notEqual(zh.built, en.built);
      const rows = modelFigures(factsOf(FOLDERS[name]), ZH, 'zh-cn');
      for (const [label, value] of rows) assert.doesNotMatch(`${label} ${value}`, /\{\d+\}/, `${name}: ${label}`);
    }
    const qwen2 = text('tiny-qwen2', ZH).built;
    assert.match(qwen2, /8 个查询头共享 2 个键\/值头，每组 4 个查询头/);
  });
});
