import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '../../src/engine/backend';
import { loadCheckpoint } from '../../src/engine/checkpoint';
import { configToJson, parseConfig } from '../../src/engine/config';
import { GPTModel } from '../../src/engine/model';
import { SafetensorsFile } from '../../src/engine/safetensors';
import { logSoftmax } from '../../src/engine/sampler';
import { ByteLevelBPETokenizer } from '../../src/engine/tokenizer';
import { DataParallel } from '../../src/train/dataParallel';
import { LlamaTrain } from '../../src/train/llamaTrain';
import { runReward } from '../../src/train/reward';
import { runSft } from '../../src/train/sft';
import { llamaInner, modelConfigFor, parseTrainConfig } from '../../src/train/trainConfig';
import { runTraining, type TrainSummary } from '../../src/train/trainer';
import { modelFromWeights } from '../../src/train/trainModels';
import { tempDir, tinyConfig, TINY_TOKENIZER } from './trainFixture';
import '../helpers/sourceWorkers';

/** Two float32 implementations of the same forward pass: logits (and the mean loss) agree to this. */
const LOGIT_TOL = 1e-4;
/** Two threads sum the rows in another grouping than one: float rounding only. */
const DP_REL_TOL = 1e-5;

const LLAMA = { family: 'llama', nLayer: 2, nHead: 2, nEmbd: 32 };

function lossesByStep(s: TrainSummary): Map<number, number> {
  return new Map(s.history.filter((h) => h.loss !== undefined).map((h) => [h.step, h.loss!]));
}

describe('train: the Llama family end to end', function () {
  this.timeout(180_000);
  before(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('the config: "family": "llama" gives a tied, bias-free LlamaForCausalLM config; bad fields are named', () => {
    const dir = tempDir('llama-cfg');
    try {
      const c = tinyConfig(dir, { model: { ...LLAMA, ropeTheta: 5000, rmsNormEps: 1e-6 } });
      const g = modelConfigFor(c, { vocabSize: 557, eosTokenId: 556 });
      assert.equal(g.modelType, 'llama');
      assert.equal(g.nInner, llamaInner(32));
      assert.equal(llamaInner(128), 352);
      assert.deepEqual(g.rope, { theta: 5000, rotaryDim: 16 });
      assert.equal(g.layerNormEps, 1e-6);
      assert.equal(g.tieWordEmbeddings, true);
      // config.json as written parses back to the very same config.
      const json = configToJson(g);
      assert.deepEqual(json.architectures, ['LlamaForCausalLM']);
      assert.equal(json.tie_word_embeddings, true);
      assert.deepEqual(parseConfig(json, 'config.json'), g);
      assert.equal(modelConfigFor(tinyConfig(dir), { vocabSize: 557 }).modelType, 'gpt2', 'GPT-2 stays the default');
      const base = JSON.parse(fs.readFileSync(c.file, 'utf8'));
      assert.throws(() => parseTrainConfig({ ...base, model: { ...LLAMA, family: 'mamba' } }, 'x.json'), /x\.json: "model\.family" must be "gpt2" or "llama"/);
      assert.throws(() => parseTrainConfig({ ...base, model: { nLayer: 1, nHead: 2, nEmbd: 8, ropeTheta: 1 } }, 'x.json'), /"model\.ropeTheta" applies to "family": "llama" only/);
      assert.throws(() => parseTrainConfig({ ...base, model: { ...LLAMA, nHead: 32 } }, 'x.json'), /must have an even width for RoPE/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a Llama run's loss falls; its export is a LlamaForCausalLM folder the engine loads, with the trainer's logits and loss within 1e-4", async () => {
    const dir = tempDir('llama-export');
    try {
      const s = await runTraining(tinyConfig(dir, { model: LLAMA, steps: 30 }), { log: () => {} });
      const losses = [...lossesByStep(s).values()];
      assert.ok(losses[losses.length - 1] < losses[0] - 2, `loss ${losses[0]} → ${losses[losses.length - 1]}`);
      const dirM = s.modelDir!;
      const json = JSON.parse(fs.readFileSync(path.join(dirM, 'config.json'), 'utf8'));
      assert.deepEqual(json.architectures, ['LlamaForCausalLM']);
      assert.equal(json.model_type, 'llama');
      assert.equal(json.intermediate_size, llamaInner(32));
      const f = SafetensorsFile.open(path.join(dirM, 'model.safetensors'));
      try {
        assert.ok(f.entries.has('model.embed_tokens.weight') && f.entries.has('model.layers.1.mlp.gate_proj.weight') && f.entries.has('model.norm.weight'));
        assert.deepEqual(f.entries.get('model.layers.0.self_attn.o_proj.weight')!.shape, [32, 32]);
        assert.deepEqual(f.entries.get('model.layers.0.mlp.down_proj.weight')!.shape, [32, llamaInner(32)]);
        assert.ok(![...f.entries.keys()].some((k) => k.startsWith('lm_head') || k.endsWith('.bias')), 'tied head, no biases');
      } finally {
        f.close();
      }
      const card = fs.readFileSync(path.join(dirM, 'README.md'), 'utf8');
      assert.match(card, /A small Llama-style language model/);
      assert.match(card, /\| Architecture \| Llama \(LlamaForCausalLM: pre-norm RMSNorm ε = 0\.00001, RoPE θ = 10000, SwiGLU MLP/);

      const { config, weights } = loadCheckpoint(dirM);
      assert.equal(config.modelType, 'llama');
      const tok = ByteLevelBPETokenizer.fromModelDir(dirM);
      const ids = tok.encodeIds('Ada wrote the compiler in 1963. Then Ada tested the compiler again.').slice(0, 20);
      const T = ids.length - 1;
      const model = GPTModel.create(config, weights);
      try {
        const engine = (await model.forward(ids.slice(0, T), { attentions: false })).logits; // [T × V]
        const trainer = modelFromWeights(config, weights);
        const logits = trainer.logits(Int32Array.from(ids.slice(0, T)), 1, T);
        let diff = 0;
        for (let i = 0; i < engine.length; i++) diff = Math.max(diff, Math.abs(engine[i] - logits[i]));
        assert.ok(diff < LOGIT_TOL, `max |Δlogit| ${diff}`);
        const V = config.vocabSize;
        let engineLoss = 0;
        for (let t = 0; t < T; t++) engineLoss -= logSoftmax(engine.subarray(t * V, (t + 1) * V))[ids[t + 1]];
        const r = trainer.loss({ B: 1, T, inputs: Int32Array.from(ids.slice(0, T)), targets: Int32Array.from(ids.slice(1)) });
        assert.ok(Math.abs(engineLoss / T - r.lossSum / r.weightSum) < LOGIT_TOL, `mean loss: engine ${engineLoss / T}, trainer ${r.lossSum / r.weightSum}`);
        assert.deepEqual(weights.get('model.embed_tokens.weight')!.data, s.params[0], 'the export holds the final weights');
      } finally {
        model.dispose();
      }

      // Fine-tuning and reward fine-tuning (sampling grows T token by token) take the Llama export too, and write Llama folders.
      fs.writeFileSync(path.join(dir, 'pairs.jsonl'), '{"prompt": "Ada wrote", "response": " the compiler."}\n');
      const sft = await runSft({ base: dirM, data: path.join(dir, 'pairs.jsonl'), out: path.join(dir, 'sft'), steps: 3, log: () => {} });
      assert.equal(loadCheckpoint(sft.outDir).config.modelType, 'llama');
      fs.writeFileSync(path.join(dir, 'len.mjs'), 'export default (p, c) => c.length;\n');
      fs.writeFileSync(path.join(dir, 'prompts.txt'), 'Ada wrote\n');
      const rw = await runReward({ base: dirM, rewardModule: path.join(dir, 'len.mjs'), prompts: path.join(dir, 'prompts.txt'), out: path.join(dir, 'rw'), steps: 2, samples: 2, maxNewTokens: 6, log: () => {} });
      assert.equal(rw.meanRewards.length, 2);
      assert.equal(loadCheckpoint(rw.outDir).config.modelType, 'llama');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a Llama run stopped after a checkpoint and resumed is bitwise the uninterrupted run', async () => {
    const dir = tempDir('llama-resume');
    try {
      const opts = { model: LLAMA, steps: 12, checkpointEvery: 4, evalEvery: 4 };
      const whole = await runTraining(tinyConfig(dir, { ...opts, out: path.join(dir, 'a') }), { log: () => {} });
      const cfgB = tinyConfig(dir, { ...opts, out: path.join(dir, 'b') });
      const first = await runTraining(cfgB, { log: () => {}, stopAfterStep: 6 }); // saved at 4; 5–6 lost
      assert.equal(first.step, 6);
      const logs: string[] = [];
      const resumed = await runTraining(cfgB, { log: (l) => logs.push(l) });
      assert.ok(logs.some((l) => /resuming .* at step 4/.test(l)), logs.join('\n'));
      assert.ok(logs.some((l) => /^model: llama, 2 layers/.test(l)), 'the log names the family');
      const wholeLosses = lossesByStep(whole);
      for (const [step, loss] of lossesByStep(resumed)) assert.equal(loss, wholeLosses.get(step), `loss at step ${step}`);
      assert.equal(resumed.valLoss, whole.valLoss);
      whole.params.forEach((p, k) => assert.deepEqual(resumed.params[k], p, `parameter ${k}`));
      // A GPT-2 config cannot resume a Llama state: the message names the mismatch.
      await assert.rejects(runTraining(tinyConfig(dir, { ...opts, model: { nLayer: 2, nHead: 2, nEmbd: 32 }, out: path.join(dir, 'b') }), { log: () => {} }), /"param\.wte\.weight" is missing or has another shape/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('data-parallel gradients (this thread + 1 worker) equal one thread for a Llama model', async () => {
    const dir = tempDir('llama-dp');
    try {
      const tok = ByteLevelBPETokenizer.fromModelDir(TINY_TOKENIZER);
      const config = modelConfigFor(tinyConfig(dir, { model: LLAMA }), tok);
      const model = LlamaTrain.init(config, 9);
      const dp = await DataParallel.start(config, model.params.map((p) => p.length));
      try {
        const B = 3;
        const T = 10;
        const batch = {
          B, T,
          inputs: Int32Array.from({ length: B * T }, (_, i) => (i * 13 + 1) % config.vocabSize),
          targets: Int32Array.from({ length: B * T }, (_, i) => (i * 7 + 2) % config.vocabSize),
        };
        const one = model.lossAndGrads(batch);
        const two = await dp.lossAndGrads(model, batch);
        assert.ok(Math.abs(one.lossSum - two.lossSum) < DP_REL_TOL * Math.abs(one.lossSum), `loss ${one.lossSum} vs ${two.lossSum}`);
        one.grads.forEach((g, k) => {
          let diff = 0;
          let max = 0;
          for (let i = 0; i < g.length; i++) {
            diff = Math.max(diff, Math.abs(g[i] - two.grads[k][i]));
            max = Math.max(max, Math.abs(g[i]));
          }
          assert.ok(diff <= DP_REL_TOL * 10 * max, `${model.specs[k].name}: differs by ${diff} (max ${max})`);
        });
      } finally {
        await dp.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
