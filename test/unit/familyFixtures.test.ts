// The family fixtures (test/fixtures/gen_families.py) agree with themselves: reference.json has its
// fields, the files it names exist and hold what their sizes promise, the checkpoint's tensor names
// and shapes match the shape fields, attention rows sum to 1 with zeros where the causal mask and
// the sliding window hide a key. Reads files only: no engine code, so it holds before the engine
// learns these families.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { readF32, referenceCases } from '../helpers/referenceCases';

const ROOT = path.resolve(__dirname, '../..');
const CASES_DIR = path.join(ROOT, 'test/fixtures/families');
const ROW_SUM_TOL = 1e-5;

interface FamilyReference {
  case: string;
  covers: string[];
  family: string;
  dtype: 'F32' | 'F16' | 'BF16';
  ids: number[];
  T: number;
  vocabSize: number;
  nLayer: number;
  nHead: number;
  nKvHead: number;
  headDim: number;
  hiddenSize: number;
  nPositions: number;
  files: string[];
  tiedEmbeddings: boolean;
  slidingWindows: (number | null)[];
  greedy: { promptIds: number[]; ids: number[]; maxNewTokens: number; contextFull: boolean; minTop2Gap: number };
  maxAttention: number;
}

interface TensorEntry {
  dtype: string;
  shape: number[];
}


/** The tensors of one safetensors file, checking that the header's offsets cover the data exactly. */
function readHeader(file: string): Map<string, TensorEntry> {
  const buf = fs.readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, unknown>;
  const bytes: Record<string, number> = { F32: 4, F16: 2, BF16: 2 };
  const out = new Map<string, TensorEntry>();
  let end = 0;
  for (const [name, v] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const e = v as TensorEntry & { data_offsets: [number, number] };
    const count = e.shape.reduce((a, b) => a * b, 1);
    assert.strictEqual(e.data_offsets[1] - e.data_offsets[0], count * bytes[e.dtype], `${file}: ${name} size`);
    end = Math.max(end, e.data_offsets[1]);
    out.set(name, { dtype: e.dtype, shape: e.shape });
  }
  assert.strictEqual(buf.byteLength, 8 + n + end, `${file}: data length`);
  return out;
}

const cases = referenceCases(CASES_DIR);

describe('family fixtures are self-consistent', function () {
  it('has the eight cases, one per feature', function () {
    assert.strictEqual(cases.length, 8, `case folders in ${CASES_DIR}: ${cases.join(', ')}`);
  });

  for (const name of cases) {
    const dir = path.join(CASES_DIR, name);
    const ref = JSON.parse(fs.readFileSync(path.join(dir, 'reference.json'), 'utf8')) as FamilyReference;
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;

    describe(name, function () {
      it('reference.json has its fields, consistent with config.json', function () {
        assert.strictEqual(ref.case, name);
        assert.ok(Array.isArray(ref.covers) && ref.covers.length > 0 && ref.covers.every((c) => typeof c === 'string'));
        assert.strictEqual(ref.family, config.model_type);
        assert.ok(['F32', 'F16', 'BF16'].includes(ref.dtype));
        for (const k of ['T', 'vocabSize', 'nLayer', 'nHead', 'nKvHead', 'headDim', 'hiddenSize', 'nPositions'] as const) {
          assert.ok(Number.isInteger(ref[k]) && ref[k] > 0, `${k} = ${ref[k]}`);
        }
        assert.strictEqual(ref.ids.length, ref.T);
        assert.ok(ref.T <= ref.nPositions);
        assert.strictEqual(ref.nHead % ref.nKvHead, 0, 'query heads split evenly over key/value heads');
        assert.strictEqual(ref.slidingWindows.length, ref.nLayer);
        assert.strictEqual(config.vocab_size, ref.vocabSize);
        assert.ok(ref.maxAttention > 0 && ref.maxAttention <= 1);
      });

      it('greedy: ids in the vocabulary, 32 new unless the context filled', function () {
        const g = ref.greedy;
        const inVocab = (i: number): boolean => Number.isInteger(i) && i >= 0 && i < ref.vocabSize;
        assert.ok(ref.ids.every(inVocab) && g.promptIds.every(inVocab) && g.ids.every(inVocab));
        assert.strictEqual(g.maxNewTokens, 32);
        assert.strictEqual(g.contextFull, g.promptIds.length + g.ids.length >= ref.nPositions);
        assert.strictEqual(g.ids.length, g.contextFull ? ref.nPositions - g.promptIds.length : g.maxNewTokens);
        assert.ok(g.minTop2Gap >= 1e-2, `min top-2 gap ${g.minTop2Gap}`);
      });

      it('the checkpoint files exist and hold the shapes the reference names', function () {
        const tensors = new Map<string, TensorEntry>();
        for (const f of ref.files.filter((f) => f.endsWith('.safetensors'))) {
          for (const [k, v] of readHeader(path.join(dir, f))) tensors.set(k, v);
        }
        if (ref.files.includes('model.safetensors.index.json')) {
          const index = JSON.parse(fs.readFileSync(path.join(dir, 'model.safetensors.index.json'), 'utf8')) as { weight_map: Record<string, string> };
          assert.deepStrictEqual(Object.keys(index.weight_map).sort(), [...tensors.keys()].sort());
          for (const f of Object.values(index.weight_map)) assert.ok(ref.files.includes(f), `index names ${f}`);
        }
        const { nHead: H, nKvHead: KV, headDim: hd, hiddenSize: d, vocabSize: V } = ref;
        if (ref.family === 'openai-gpt') {
          assert.deepStrictEqual(tensors.get('tokens_embed.weight')?.shape, [V, d]);
          assert.deepStrictEqual(tensors.get('h.0.attn.c_attn.weight')?.shape, [d, 3 * d]);
          assert.deepStrictEqual(tensors.get('h.0.attn.bias')?.shape, [1, 1, ref.nPositions, ref.nPositions]);
          assert.ok(!tensors.has('lm_head.weight'));
          return;
        }
        assert.deepStrictEqual(tensors.get('model.embed_tokens.weight')?.shape, [V, d]);
        assert.strictEqual(tensors.get('model.embed_tokens.weight')?.dtype, ref.dtype);
        assert.strictEqual(tensors.has('lm_head.weight'), !ref.tiedEmbeddings);
        const p = `model.layers.${ref.nLayer - 1}.self_attn.`;
        assert.deepStrictEqual(tensors.get(`${p}q_proj.weight`)?.shape, [H * hd, d]);
        assert.deepStrictEqual(tensors.get(`${p}k_proj.weight`)?.shape, [KV * hd, d]);
        assert.deepStrictEqual(tensors.get(`${p}v_proj.weight`)?.shape, [KV * hd, d]);
        assert.deepStrictEqual(tensors.get(`${p}o_proj.weight`)?.shape, [d, H * hd]);
        assert.strictEqual(tensors.has(`${p}q_norm.weight`), ref.family === 'qwen3');
        assert.strictEqual(tensors.has(`${p}q_proj.bias`), ref.family === 'qwen2' || config.attention_bias === true);
      });

      it('logits and attentions have the sizes T·V and L·H·T·T (float32)', function () {
        const { T, vocabSize: V, nLayer: L, nHead: H } = ref;
        assert.strictEqual(fs.statSync(path.join(dir, 'logits.f32')).size, T * V * 4);
        assert.strictEqual(fs.statSync(path.join(dir, 'attentions.f32')).size, L * H * T * T * 4);
        assert.ok(readF32(path.join(dir, 'logits.f32')).every(Number.isFinite));
      });

      it(`attention rows sum to 1 within ${ROW_SUM_TOL}, zero exactly where the mask hides a key`, function () {
        const { T, nLayer: L, nHead: H } = ref;
        const att = readF32(path.join(dir, 'attentions.f32'));
        for (let l = 0; l < L; l++) {
          const w = ref.slidingWindows[l];
          for (let h = 0; h < H; h++) for (let i = 0; i < T; i++) {
            const row = att.subarray(((l * H + h) * T + i) * T, ((l * H + h) * T + i + 1) * T);
            let sum = 0;
            row.forEach((a, j) => {
              const visible = j <= i && (w === null || i - j < w);
              assert.ok(visible ? a > 0 : a === 0, `layer ${l} head ${h}: weight [${i}, ${j}] = ${a} (window ${w})`);
              sum += a;
            });
            assert.ok(Math.abs(sum - 1) <= ROW_SUM_TOL, `layer ${l} head ${h} row ${i} sums to ${sum}`);
          }
        }
        let meanMax = 0;
        for (let r = 0; r < L * H * T; r++) meanMax += Math.max(...att.subarray(r * T, (r + 1) * T)) / (L * H * T);
        assert.ok(Math.abs(meanMax - ref.maxAttention) < 1e-5, `maxAttention ${ref.maxAttention}, recomputed ${meanMax}`);
      });
    });
  }

  it('the sliding-window case hides keys that plain causal attention would show', function () {
    const windowed = cases.filter((n) => {
      const r = JSON.parse(fs.readFileSync(path.join(CASES_DIR, n, 'reference.json'), 'utf8')) as FamilyReference;
      return r.slidingWindows.some((w) => w !== null && w < r.T);
    });
    assert.deepStrictEqual(windowed, ['mistral-sliding-mqa-f32']);
  });
});
