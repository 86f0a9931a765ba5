// Encoder–decoder config.json parsing and loading: what the families read from a real-looking
// config, bad input refused in one message naming the file and the key, a SentencePiece file that
// is not one, and a checkpoint that kept the shared embedding under another of its tied names.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseEncDecConfig } from '../../src/engine/encdec/encdecConfig';
import { loadEncDec } from '../../src/engine/encdec/loadEncDec';
import { readSentencePieceModel } from '../../src/engine/encdec/sentencePieceModel';
import { EngineError } from '../../src/engine/errors';
import { SafetensorsFile, writeSafetensors } from '../../src/engine/safetensors';

const CASES = path.resolve(__dirname, '../fixtures/encdec');
const read = (name: string) => JSON.parse(fs.readFileSync(path.join(CASES, name, 'config.json'), 'utf8')) as Record<string, unknown>;

function refused(raw: unknown, key: string): void {
  assert.throws(
    () => parseEncDecConfig(raw, 'config.json'),
    (e: unknown) => e instanceof EngineError && e.code === 'BAD_CONFIG' && e.message.startsWith('config.json: ') && e.message.includes(key) && !e.message.includes('\n'),
  );
}

describe('encoder–decoder config and loading', function () {
  it('reads Marian and T5 configs as the families need them', function () {
    const m = parseEncDecConfig(read('marian-sharp-f32'), 'config.json');
    assert.deepStrictEqual([m.family, m.activation, m.scaleEmbedding, m.tied, m.headDim, m.banned, m.decoderStartTokenId], ['marian', 'silu', true, true, 8, [95], 95]);
    const t = parseEncDecConfig(read('flan-t5-gated-bf16'), 'config.json');
    assert.deepStrictEqual([t.family, t.activation, t.gated, t.tied, t.headDim, t.nHead * t.headDim, t.buckets, t.banned], ['t5', 'gelu_new', true, false, 16, 48, 32, []]);
  });

  it('refuses bad values in one line naming the file and the key', function () {
    refused({ ...read('marian-sharp-f32'), d_model: 30 }, 'd_model');
    refused({ ...read('marian-sharp-f32'), activation_function: 'mish' }, 'activation_function');
    refused({ ...read('marian-sharp-f32'), share_encoder_decoder_embeddings: false }, 'share_encoder_decoder_embeddings');
    refused({ ...read('marian-sharp-f32'), eos_token_id: 1000 }, 'eos_token_id');
    refused({ ...read('t5-relu-tied-f32'), feed_forward_proj: 'gated-mish' }, 'feed_forward_proj');
    refused({ ...read('t5-relu-tied-f32'), num_heads: -1 }, 'num_heads');
  });

  it('a file that is not a SentencePiece model is refused naming it', function () {
    const file = path.join(os.tmpdir(), `al-not-spm-${process.pid}.spm`);
    fs.writeFileSync(file, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]));
    try {
      assert.throws(() => readSentencePieceModel(file), (e: unknown) => e instanceof EngineError && e.code === 'BAD_TOKENIZER' && e.message.startsWith(file));
    } finally {
      fs.rmSync(file, { force: true });
    }
  });

  it('loads a checkpoint that kept the shared embedding only as model.encoder.embed_tokens.weight', function () {
    const src = path.join(CASES, 'marian-sharp-f32');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-encdec-alias-'));
    try {
      fs.copyFileSync(path.join(src, 'config.json'), path.join(dir, 'config.json'));
      const f = SafetensorsFile.open(path.join(src, 'model.safetensors'));
      const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
      for (const [name, e] of f.entries) if (!['model.shared.weight', 'model.decoder.embed_tokens.weight', 'lm_head.weight'].includes(name)) tensors.set(name, { shape: e.shape, data: f.read(name) });
      f.close();
      writeSafetensors(path.join(dir, 'model.safetensors'), tensors);
      const a = loadEncDec(dir);
      const b = loadEncDec(src);
      try {
        const ids = [3, 4, 5, 0];
        const la = a.decode([95, 3], a.startDecoder(a.encode(ids))).logits;
        const lb = b.decode([95, 3], b.startDecoder(b.encode(ids))).logits;
        assert.deepStrictEqual(Array.from(la), Array.from(lb));
      } finally {
        a.dispose();
        b.dispose();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
