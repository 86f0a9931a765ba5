// The CLI on encoder–decoder models (issue 17's contract): `translate` prints {"ids", "text"} equal to
// the numpy reference's greedy and beam translations of a text read through the model's own
// tokenizer files (T5: tokenizer.json Unigram; Marian: source.spm + vocab.json), tokenized by the
// reference's own Viterbi; `dump` writes source_tokens.json and the three attention kinds + logits
// with the shapes of the contract, equal to the engine's forward over the same target.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadEncDec } from '../../src/engine/encdec/loadEncDec';
import { assertClose, TOL } from '../helpers/numeric';
import { readF32 } from '../helpers/referenceCases';
import { assertOneLineFailure, cli, ensureBuilt } from './cliRun';

const CASES = resolve(__dirname, '../fixtures/encdec');

interface TextReference {
  source: string;
  ids: number[];
  greedy: number[];
  greedyText: string;
  beam: number[];
  beamText: string;
}

describe('CLI on encoder–decoder models', function () {
  let tmp: string;
  before(() => {
    ensureBuilt();
    tmp = mkdtempSync(join(tmpdir(), 'al-encdec-cli-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  for (const name of ['marian-sharp-f32', 't5-relu-tied-f32', 'flan-t5-gated-bf16']) {
    const dir = join(CASES, name);
    const ref = JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8')) as { text: TextReference; beam: { width: number; maxNewTokens: number } };
    const text = ref.text;

    it(`${name}: translate, greedy and --beam ${ref.beam.width}, equal the reference`, function () {
      const src = join(tmp, `${name}.txt`);
      writeFileSync(src, text.source);
      const n = String(ref.beam.maxNewTokens);
      const g = cli('translate', '--model', dir, '--text-file', src, '--max-new-tokens', n);
      assert.equal(g.status, 0, g.stderr);
      assert.deepEqual(JSON.parse(g.stdout), { ids: text.greedy, text: text.greedyText });
      const b = cli('translate', '--model', dir, '--text-file', src, '--max-new-tokens', n, '--beam', String(ref.beam.width));
      assert.equal(b.status, 0, b.stderr);
      assert.deepEqual(JSON.parse(b.stdout), { ids: text.beam, text: text.beamText });
    });

    it(`${name}: dump writes the source tokens, the three attention kinds and the logits`, function () {
      const src = join(tmp, `${name}.src.txt`);
      const tgt = join(tmp, `${name}.tgt.txt`);
      writeFileSync(src, text.source);
      writeFileSync(tgt, 'the mat');
      const out = join(tmp, `${name}-dump`);
      const r = cli('dump', '--model', dir, '--text-file', src, '--target-file', tgt, '--out', out);
      assert.equal(r.status, 0, r.stderr);
      const tokens = JSON.parse(readFileSync(join(out, 'source_tokens.json'), 'utf8')) as { id: number }[];
      assert.deepEqual(tokens.map((t) => t.id), text.ids, 'the source tokenized as the reference does');
      const meta = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8')) as { encoderLayers: number; decoderLayers: number; nHead: number; S: number; T: number; vocabSize: number };
      const target = (JSON.parse(readFileSync(join(out, 'target_tokens.json'), 'utf8')) as { id: number }[]).map((t) => t.id);
      const { S, T, nHead: H, encoderLayers: Le, decoderLayers: Ld, vocabSize: V } = meta;
      assert.equal(S, text.ids.length);
      assert.equal(T, target.length);
      const model = loadEncDec(dir);
      try {
        assert.equal(target[0], model.config.decoderStartTokenId, 'the decoder input starts with the start token');
        const enc = model.encode(text.ids);
        const dec = model.decode(target, model.startDecoder(enc));
        const cat = (ls: Float32Array[]) => Float32Array.from(ls.flatMap((l) => [...l]));
        assertClose(readF32(join(out, 'encoder_attentions.f32')), cat(enc.attentions), 0, 'encoder_attentions', [Le, H, S, S]);
        assertClose(readF32(join(out, 'decoder_attentions.f32')), cat(dec.self), 0, 'decoder_attentions', [Ld, H, T, T]);
        assertClose(readF32(join(out, 'cross_attentions.f32')), cat(dec.cross), 0, 'cross_attentions', [Ld, H, T, S]);
        assertClose(readF32(join(out, 'logits.f32')), dec.logits, TOL.logits, 'logits', [T, V]);
      } finally {
        model.dispose();
      }
    });
  }

  it('dump without --target-file: the target is the greedy translation', function () {
    const dir = join(CASES, 't5-relu-tied-f32');
    const ref = JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8')) as { text: TextReference };
    const src = join(tmp, 'greedy.txt');
    writeFileSync(src, ref.text.source);
    const out = join(tmp, 'greedy-dump');
    const r = cli('dump', '--model', dir, '--text-file', src, '--out', out);
    assert.equal(r.status, 0, r.stderr);
    const target = (JSON.parse(readFileSync(join(out, 'target_tokens.json'), 'utf8')) as { id: number }[]).map((t) => t.id);
    // 64 greedy tokens from the start token: the reference's first 10 are its prefix
    assert.deepEqual(target.slice(1, 1 + ref.text.greedy.length), ref.text.greedy);
  });

  it('translate on a decoder-only model, or a bad flag: one line, exit 1', function () {
    const src = join(tmp, 'x.txt');
    writeFileSync(src, 'hello');
    assertOneLineFailure(cli('translate', '--model', resolve(__dirname, '../fixtures/tiny-model'), '--text-file', src), 'not an encoder–decoder model');
    assertOneLineFailure(cli('translate', '--model', join(CASES, 'marian-sharp-f32'), '--text-file', src, '--beam', '0'), 'beam');
  });
});
