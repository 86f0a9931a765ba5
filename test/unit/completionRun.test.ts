// A completion as the commands run it: runCompletion through the real engine worker and the tiny
// model. Seeded sampling is reproducible, top-k = 1 and a tiny top-p are greedy, stop sequences are
// never streamed, a prefix longer than the context keeps its last tokens, an empty prefix starts
// from BOS, cancelling keeps what was streamed.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EngineClient } from '../../src/engine/client';
import type { GenerationResult, SamplingOptions } from '../../src/engine/types';
import { runCompletion, type CompletionOutcome, type Generator } from '../../src/host/completionRun';
import { DEFAULT_COMPLETION_OPTIONS, toSamplingOptions } from '../../src/shared/completionOptions';

const ROOT = join(__dirname, '..', '..');
const WORKER = join(ROOT, 'dist', 'engine-worker.js');
const TINY = join(ROOT, 'test', 'fixtures', 'tiny-model');
const PROMPT = 'It is a truth universally acknowledged, that a single man in possession of a good fortune';

describe('runCompletion (engine worker, tiny model)', function () {
  this.timeout(120_000);
  let client: EngineClient;
  let nPositions: number;

  before(async () => {
    if (!existsSync(WORKER)) execFileSync(process.execPath, ['esbuild.config.mjs'], { cwd: ROOT, stdio: 'ignore' });
    client = EngineClient.start({ workerPath: WORKER });
    nPositions = (await client.load(TINY)).contextLength;
  });
  after(async () => {
    await client?.dispose();
  });

  /** Runs a completion and checks the invariant every run keeps: what streamed is the result. */
  async function complete(prefix: string, options: SamplingOptions, signal?: AbortSignal): Promise<CompletionOutcome & { chunks: string[] }> {
    const chunks: string[] = [];
    const out = await runCompletion(client, { prefix, options, nPositions, signal, onText: (t) => chunks.push(t) });
    assert.equal(out.streamed, chunks.join(''));
    // Each token streams its delta: a character split across tokens arrives whole with its last
    // piece. The tiny model even writes invalid UTF-8 (U+FFFD in both). What streamed is the final
    // text, less at most a character the run ended in the middle of (one U+FFFD).
    assert.ok(out.result.text.startsWith(out.streamed), 'the streamed text starts the final text');
    assert.ok(['', '\uFFFD'].includes(out.result.text.slice(out.streamed.length)), `the rest after the stream: ${JSON.stringify(out.result.text.slice(out.streamed.length))}`);
    assert.equal(out.stats.tokens, out.result.tokens.length);
    return { ...out, chunks };
  }

  it('is reproducible with a seed and differs across seeds', async () => {
    const opts = toSamplingOptions({ ...DEFAULT_COMPLETION_OPTIONS, maxNewTokens: 24, temperature: 1, topK: 0, topP: 1 });
    const a = await complete(PROMPT, { ...opts, seed: 11 });
    const b = await complete(PROMPT, { ...opts, seed: 11 });
    assert.deepEqual(b.result.ids, a.result.ids);
    assert.equal(b.result.text, a.result.text);
    assert.ok(a.result.tokens.length > 0);
    const others = await Promise.all([12, 13, 14].map((seed) => complete(PROMPT, { ...opts, seed })));
    assert.ok(
      others.some((o) => o.result.text !== a.result.text),
      'another seed gives another text',
    );
  });

  it('top-k 1 and a tiny top-p sample the greedy continuation', async () => {
    const greedy = await complete(PROMPT, { maxNewTokens: 16, temperature: 0 });
    const k1 = await complete(PROMPT, { maxNewTokens: 16, temperature: 1.5, topK: 1, seed: 3 });
    const p = await complete(PROMPT, { maxNewTokens: 16, temperature: 1.5, topP: 0.01, seed: 4 });
    assert.deepEqual(k1.result.ids, greedy.result.ids);
    assert.deepEqual(p.result.ids, greedy.result.ids);
    // and sampling without the filter, over a few seeds, leaves the greedy path
    const free = await Promise.all([1, 2, 3, 4].map((seed) => complete(PROMPT, { maxNewTokens: 16, temperature: 1.5, seed })));
    assert.ok(free.some((f) => f.result.text !== greedy.result.text));
  });

  it('stops before a stop sequence and never streams it', async () => {
    const greedy = await complete(PROMPT, { maxNewTokens: 40, temperature: 0 });
    const text = greedy.result.text;
    // A stop sequence that first occurs well inside the greedy text.
    let at = -1;
    let stop = '';
    for (let i = 4; i < text.length - 2 && at < 0; i++) {
      const s = text.slice(i, i + 2);
      if (s.trim().length === 2 && text.indexOf(s) === i) {
        at = i;
        stop = s;
      }
    }
    assert.ok(at > 0, `found a stop sequence in ${JSON.stringify(text)}`);
    const stopped = await complete(PROMPT, { maxNewTokens: 40, temperature: 0, stopStrings: [stop, 'never in this text \u0000'] });
    assert.equal(stopped.result.stopReason, 'stop-string');
    assert.ok(!stopped.streamed.includes(stop), `${JSON.stringify(stop)} not in ${JSON.stringify(stopped.streamed)}`);
    assert.ok(text.startsWith(stopped.result.text), 'the text up to the stop is the greedy text');
    assert.ok(stopped.result.text.length <= at && stopped.result.text.length > 0);
  });

  it('a prefix longer than the context continues from its last tokens', async () => {
    const long = Array.from({ length: 200 }, (_, i) => `Line ${i} of a long letter to my sister.`).join('\n');
    const ids = (await client.tokenize(long)).map((t) => t.id);
    assert.ok(ids.length > 2 * nPositions, `${ids.length} tokens`);
    const maxNewTokens = 8;
    const out = await complete(long, { maxNewTokens, temperature: 0 });
    const tail: GenerationResult = await client.generate(ids.slice(-(nPositions - maxNewTokens)), { maxNewTokens, temperature: 0 }).result;
    assert.equal(out.result.tokens.length, maxNewTokens);
    assert.deepEqual(out.result.ids, tail.ids);
    assert.ok(out.promptChars < long.length, 'a huge prefix is clipped before it is sent');
  });

  it('an empty prefix starts from the BOS token', async () => {
    const out = await complete('', { maxNewTokens: 5, temperature: 0, stopAtEos: false });
    assert.equal(out.result.tokens.length, 5);
    assert.equal(out.promptChars, 0);
  });

  it('cancelling keeps what was streamed, with stopReason cancelled', async () => {
    const abort = new AbortController();
    let seen = 0;
    const chunks: string[] = [];
    const out = await runCompletion(client, {
      prefix: PROMPT,
      options: { maxNewTokens: 100, temperature: 0, stopAtEos: false },
      nPositions,
      signal: abort.signal,
      onText: (t) => chunks.push(t),
      onToken: () => {
        if (++seen === 3) abort.abort();
      },
    });
    assert.equal(out.result.stopReason, 'cancelled');
    assert.ok(out.result.tokens.length >= 3 && out.result.tokens.length < 100, `${out.result.tokens.length} tokens`);
    assert.ok(out.result.text.startsWith(chunks.join('')));
    const already = new AbortController();
    already.abort();
    const none = await runCompletion(client, { prefix: PROMPT, options: { maxNewTokens: 5 }, nPositions, signal: already.signal });
    assert.equal(none.result.stopReason, 'cancelled');
    assert.equal(none.result.tokens.length, 0);
  });

  it('measures time to first token and decoding speed', async () => {
    const out = await complete(PROMPT, { maxNewTokens: 12, temperature: 0, stopAtEos: false });
    assert.equal(out.stats.tokens, 12);
    assert.ok(out.stats.firstTokenMs !== undefined && out.stats.firstTokenMs >= 0);
    assert.ok(out.stats.tokensPerSecond !== undefined && out.stats.tokensPerSecond > 0);
    assert.ok(out.stats.totalMs >= out.stats.firstTokenMs);
  });
});

describe('runCompletion: a character split across tokens', () => {
  // Byte-level tokens can each hold part of one character: decoded alone they give U+FFFD. The
  // stream follows the tokens' deltas, so the character arrives whole with its last piece and the
  // stream goes on after it (it used to stop streaming there until the run ended).
  const engine: Generator = {
    generate(_prompt, _opts, onToken) {
      const tokens = [
        { id: 1, text: ' smile', delta: ' smile', logprob: -1 },
        { id: 2, text: ' \uFFFD', delta: ' ', logprob: -2 },
        { id: 3, text: '\uFFFD', delta: '😀', logprob: -2 },
        { id: 4, text: ' ok', delta: ' ok', logprob: -1 },
      ];
      tokens.forEach((t, i) => onToken?.(t, i));
      const result: GenerationResult = { ids: [1, 2, 3, 4], text: ' smile 😀 ok', tokens, stopReason: 'max-tokens' };
      return { id: 1, result: Promise.resolve(result), cancel: () => undefined };
    },
  };

  it('streams every delta: the split character whole, and what follows it', async () => {
    const chunks: string[] = [];
    const out = await runCompletion(engine, { prefix: 'x', options: { maxNewTokens: 4 }, nPositions: 128, onText: (t) => chunks.push(t) });
    assert.deepEqual(chunks, [' smile', ' ', '😀', ' ok']);
    assert.equal(out.streamed, out.result.text);
    assert.equal(out.stats.tokens, 4);
  });
});
