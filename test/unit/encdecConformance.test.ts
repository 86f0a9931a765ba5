// The encoder–decoder engine (src/engine/encdec) against the float64 numpy reference written from
// transformers' modeling_marian.py and modeling_t5.py (test/fixtures/gen_encdec.py): for every case
// folder in test/fixtures/encdec, the encoder's self-attention, the decoder's masked self-attention
// and cross-attention, the logits, the same logits decoded one token at a time over the KV cache,
// T5's relative position buckets (both directions, and causal), greedy and beam-search outputs.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { relativeBucket } from '../../src/engine/encdec/encdecAttention';
import type { Decoded, EncDecModel } from '../../src/engine/encdec/encdecModel';
import { loadEncDec } from '../../src/engine/encdec/loadEncDec';
import { beamSearch, greedy } from '../../src/engine/encdec/translate';
import { assertClose, TOL } from '../helpers/numeric';
import { readF32, referenceCases } from '../helpers/referenceCases';

const CASES_DIR = path.resolve(__dirname, '../fixtures/encdec');

interface Reference {
  case: string;
  family: 'marian' | 't5';
  sourceIds: number[];
  targetIds: number[];
  S: number;
  T: number;
  vocabSize: number;
  encoderLayers: number;
  decoderLayers: number;
  nHead: number;
  greedy: { maxNewTokens: number; ids: number[] };
  beam: { width: number; maxNewTokens: number; ids: number[] };
  buckets?: { offsets: number[]; bidirectional: number[]; causal: number[] };
}

/** Per-layer maps [H × a × b] side by side → [L × H × a × b]. */
function stacked(layers: Float32Array[]): Float32Array {
  const out = new Float32Array(layers.reduce((n, l) => n + l.length, 0));
  let at = 0;
  for (const l of layers) {
    out.set(l, at);
    at += l.length;
  }
  return out;
}

const cases = referenceCases(CASES_DIR);

describe('encoder–decoder conformance with the numpy reference', function () {
  it('has reference cases of both families', function () {
    const families = new Set(cases.map((c) => (JSON.parse(fs.readFileSync(path.join(CASES_DIR, c, 'reference.json'), 'utf8')) as Reference).family));
    assert.deepStrictEqual([...families].sort(), ['marian', 't5']);
  });

  for (const name of cases) {
    const dir = path.join(CASES_DIR, name);
    const ref = JSON.parse(fs.readFileSync(path.join(dir, 'reference.json'), 'utf8')) as Reference;
    describe(name, function () {
      let model: EncDecModel;
      let full: Decoded;
      const { S, T, vocabSize: V, nHead: H, encoderLayers: Le, decoderLayers: Ld } = ref;

      before(function () {
        model = loadEncDec(dir);
        full = model.decode(ref.targetIds, model.startDecoder(model.encode(ref.sourceIds)));
      });
      after(() => model?.dispose());

      it('encoder self-attention (not masked)', function () {
        const enc = model.encode(ref.sourceIds);
        assertClose(stacked(enc.attentions), readF32(path.join(dir, 'encoder_attentions.f32')), TOL.attention, 'encoder_attentions', [Le, H, S, S]);
      });

      it('decoder masked self-attention and cross-attention', function () {
        assertClose(stacked(full.self), readF32(path.join(dir, 'decoder_attentions.f32')), TOL.attention, 'decoder_attentions', [Ld, H, T, T]);
        assertClose(stacked(full.cross), readF32(path.join(dir, 'cross_attentions.f32')), TOL.attention, 'cross_attentions', [Ld, H, T, S]);
      });

      it('logits', function () {
        assertClose(full.logits, readF32(path.join(dir, 'logits.f32')), TOL.logits, 'logits', [T, V]);
      });

      it('decoding one token at a time over the KV cache gives the same logits and cross-attention', function () {
        const cache = model.startDecoder(model.encode(ref.sourceIds));
        const expected = readF32(path.join(dir, 'logits.f32'));
        const cross = readF32(path.join(dir, 'cross_attentions.f32')); // [Ld, H, T, S]
        ref.targetIds.forEach((id, t) => {
          const step = model.decode([id], cache, true);
          assertClose(step.logits, expected.subarray(t * V, (t + 1) * V), TOL.logits, `logits of step ${t}`);
          assert.strictEqual(step.self[0].length, H * (t + 1), 'one query row over the t + 1 cached keys per head');
          const row = cross.subarray(((Ld - 1) * H * T + t) * S, ((Ld - 1) * H * T + t + 1) * S); // last layer, head 0, row t
          assertClose(step.cross[Ld - 1].subarray(0, S), row, TOL.attention, `last layer's cross-attention, head 0, step ${t}`);
        });
        assert.strictEqual(cache.length, T);
      });

      it(`greedy: ${ref.greedy.maxNewTokens} tokens`, function () {
        assert.deepStrictEqual(greedy(model, model.encode(ref.sourceIds), ref.greedy.maxNewTokens), ref.greedy.ids);
      });

      it(`beam search, width ${ref.beam.width}`, function () {
        assert.deepStrictEqual(beamSearch(model, model.encode(ref.sourceIds), ref.beam.maxNewTokens, ref.beam.width), ref.beam.ids);
      });

      if (ref.buckets) {
        const b = ref.buckets;
        it(`relative position buckets over offsets ${b.offsets[0]} … ${b.offsets[b.offsets.length - 1]}, both directions and causal`, function () {
          const cfg = model.config;
          assert.deepStrictEqual(b.offsets.map((o) => relativeBucket(o, true, cfg.buckets!, cfg.maxDistance!)), b.bidirectional);
          assert.deepStrictEqual(b.offsets.map((o) => relativeBucket(o, false, cfg.buckets!, cfg.maxDistance!)), b.causal);
          assert.strictEqual(new Set(b.bidirectional).size, cfg.buckets! - 1, 'every bidirectional bucket occurs but "after, at distance 0"');
        });
      }
    });
  }
});
