// The engine worker serving an encoder–decoder model (issue 17): loadEncDec, translate (greedy and
// beam equal to the numpy reference's, a progress per step, cancellable) and analyzeEncDec (the
// three kinds of attention with their shapes, equal to the model run in this thread; the source
// tokens' offsets into the text; the predictions' argmax is the greedy translation).
import './../helpers/sourceWorkers';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineClient } from '../../src/engine/client';
import { loadEncDec } from '../../src/engine/encdec/loadEncDec';
import { pieceTokens } from '../../src/engine/encdecSession';
import { EngineError } from '../../src/engine/errors';
import { EngineSession } from '../../src/engine/session';
import type { TranslateProgress } from '../../src/shared/encdecTypes';
import { assertClose } from '../helpers/numeric';

const ROOT = join(__dirname, '..', '..');
const WORKER = join(ROOT, 'dist', 'engine-worker.js');
const MARIAN = join(ROOT, 'test', 'fixtures', 'encdec', 'marian-sharp-f32');

interface Reference {
  text: { source: string; greedy: number[]; greedyText: string; beam: number[]; beamText: string };
  beam: { width: number; maxNewTokens: number };
}

describe('EngineClient + worker on an encoder–decoder model', function () {
  this.timeout(120_000);
  let client: EngineClient;
  const ref = JSON.parse(readFileSync(join(MARIAN, 'reference.json'), 'utf8')) as Reference;

  before(() => {
    if (!existsSync(WORKER)) execFileSync(process.execPath, ['esbuild.config.mjs'], { cwd: ROOT, stdio: 'ignore' });
    client = EngineClient.start({ workerPath: WORKER });
  });
  after(() => client.dispose());

  it('loadEncDec describes the model; the decoder-only requests say it is an encoder–decoder model', async function () {
    const info = await client.loadEncDec(MARIAN);
    const model = loadEncDec(MARIAN);
    try {
      assert.equal(info.architecture, 'MarianMTModel');
      assert.equal(info.numParams, model.numParams);
      assert.equal(info.encoderLayers, model.config.encoderLayers);
    } finally {
      model.dispose();
    }
    await assert.rejects(client.tokenize('hello'), (err: unknown) => err instanceof EngineError && err.code === 'NOT_LOADED' && /encoder–decoder/.test(err.message));
  });

  it('translate: greedy and beam equal the reference, one progress per step', async function () {
    const steps: TranslateProgress[] = [];
    const g = await client.translate(ref.text.source, { maxNewTokens: ref.beam.maxNewTokens }, (p) => steps.push(p)).result;
    assert.deepEqual(g.ids, ref.text.greedy);
    assert.equal(g.text, ref.text.greedyText);
    assert.equal(g.cancelled, false);
    assert.deepEqual(steps.map((s) => s.step), g.ids.map((_, i) => i));
    assert.deepEqual(steps[steps.length - 1].ids, g.ids);
    const b = await client.translate(ref.text.source, { maxNewTokens: ref.beam.maxNewTokens, beam: ref.beam.width }).result;
    assert.deepEqual(b.ids, ref.text.beam);
    assert.equal(b.text, ref.text.beamText);
  });

  it('translate: cancelled before its first step answers cancelled with no ids', async function () {
    const h = client.translate(ref.text.source, { maxNewTokens: 60 });
    h.cancel();
    const r = await h.result;
    assert.equal(r.cancelled, true);
    assert.deepEqual(r.ids, []);
  });

  it('analyzeEncDec: the three kinds of attention, shaped and equal to the model run here', async function () {
    const a = await client.analyzeEncDec(ref.text.source, undefined, ref.beam.maxNewTokens);
    const model = loadEncDec(MARIAN);
    try {
      const c = model.config;
      const eos = ref.text.greedy[ref.text.greedy.length - 1] === c.eosTokenId;
      const decoderIds = [c.decoderStartTokenId, ...ref.text.greedy.slice(0, eos ? -1 : undefined)];
      assert.deepEqual(a.target.map((t) => t.id), decoderIds);
      const { S, T, nHead: H } = a;
      assert.equal(S, a.source.length);
      assert.equal(T, decoderIds.length);
      assert.equal(a.encoder.length, c.encoderLayers * H * S * S);
      assert.equal(a.decoder.length, c.decoderLayers * H * T * T);
      assert.equal(a.cross.length, c.decoderLayers * H * T * S);
      const enc = model.encode(a.source.map((t) => t.id));
      const dec = model.decode(decoderIds, model.startDecoder(enc));
      assertClose(a.cross.subarray(0, H * T * S), dec.cross[0], 1e-6, 'cross-attention, layer 0');
      assertClose(a.decoder.subarray((c.decoderLayers - 1) * H * T * T), dec.self[c.decoderLayers - 1], 1e-6, 'decoder self-attention, last layer');
      assertClose(a.encoder.subarray(0, H * S * S), enc.attentions[0], 1e-6, 'encoder self-attention, layer 0');
      // causal: nothing above the diagonal
      for (let q = 0; q < T; q++) for (let k = q + 1; k < T; k++) assert.equal(a.decoder[q * T + k], 0);
      // each position's top prediction is the greedy token after it
      decoderIds.slice(1).forEach((id, t) => assert.equal(a.predictions[t].ids[0], id, `position ${t}`));
    } finally {
      model.dispose();
    }
    for (const t of a.source) if (t.end > t.start) assert.equal(ref.text.source.slice(t.start, t.end), t.text.trimStart());
    assert.ok(a.source.some((t) => t.end > t.start), 'some source token has a span');
  });

  it('analyzeEncDec: without maxNewTokens, the greedy target stops where the positions do; a given target is used as it is', async function () {
    const info = await client.loadEncDec(MARIAN);
    const a = await client.analyzeEncDec(ref.text.source);
    assert.ok(a.T <= info.maxPositions!, `T ${a.T} within ${info.maxPositions}`);
    // translate's default length leaves room for the analysis of its ids (the start token takes a position)
    const t = await client.translate(ref.text.source).result;
    const ofIds = await client.analyzeEncDec(ref.text.source, t.ids);
    assert.equal(ofIds.targetText, t.text);
    assert.ok(ofIds.T <= info.maxPositions!, `T ${ofIds.T} within ${info.maxPositions}`);
    const given = await client.analyzeEncDec(ref.text.source, ref.text.greedyText);
    assert.equal(given.targetText, ref.text.greedyText);
    assert.equal(given.cross.length, info.decoderLayers * info.nHead * given.T * given.S);
  });
});

describe('pieceTokens', function () {
  it('finds each piece in the text, spaces skipped; specials and changed pieces get empty spans', function () {
    const toks = pieceTokens('the cat, 你好', [1, 2, 3, 4, 5, 0], ['\u2581the', '\u2581cat', ',', '\u2581你', 'X', '</s>']);
    assert.deepEqual(
      toks.map((t) => [t.text, t.start, t.end]),
      [[' the', 0, 3], [' cat', 4, 7], [',', 7, 8], [' 你', 9, 10], ['X', 10, 10], ['</s>', 10, 10]],
    );
  });
});

describe('EngineSession on an encoder–decoder folder', function () {
  it('is refused naming config.json and where such a model loads, not as an unknown model_type', async function () {
    await assert.rejects(EngineSession.load(MARIAN), (err: unknown) => {
      assert.ok(err instanceof EngineError && err.code === 'BAD_CONFIG', String(err));
      assert.match(err.message, /config\.json: an encoder–decoder model \(MarianMTModel or T5ForConditionalGeneration\): load it with loadEncDec/);
      return true;
    });
  });
});
