// test/fixtures/tiny-qwen2 end to end: the model folder as a user points the extension at it
// (config.json, BF16 safetensors, Qwen2's tokenizer.json and tokenizer_config.json with a chat
// template), through EngineSession: its tokenizer gives the reference ids, analyze gives the float64
// reference's last logits, and the chat prompt renders and tokenizes as apply_chat_template does —
// on one thread and split over two (4 query heads and 1 kv head per thread).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Tokenizer as HfReference } from '@huggingface/tokenizers';
import { EngineSession } from '../../src/engine/session';
import { assertClose, TOL } from '../helpers/numeric';
import '../helpers/sourceWorkers';

const DIR = path.resolve(__dirname, '../fixtures/tiny-qwen2');

interface Reference {
  text: string;
  ids: number[];
  lastLogits: number[];
  top5: number[];
  top5Texts: string[];
  chat: { messages: { role: 'user'; content: string }[]; text: string; ids: number[]; lastLogits: number[] };
  vocabSize: number;
  nLayer: number;
  nHead: number;
  nKvHead: number;
  headDim: number;
}

const readJson = (file: string): unknown => JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8'));
const ref = readJson('reference.json') as Reference;

describe('tiny-qwen2 end to end through EngineSession', function () {
  it("reference ids are Hugging Face's (@huggingface/tokenizers on the fixture's tokenizer.json)", function () {
    const hf = new HfReference(readJson('tokenizer.json') as object, readJson('tokenizer_config.json') as object);
    assert.deepEqual(hf.encode(ref.text).ids, ref.ids);
    assert.deepEqual(hf.encode(ref.chat.text).ids, ref.chat.ids);
  });

  for (const threads of [1, 2]) {
    describe(`on ${threads} thread${threads > 1 ? 's' : ''}`, function () {
      let session: EngineSession;
      before(async function () {
        session = await EngineSession.load(DIR, { threads });
      });
      after(() => session?.dispose());

      it('loads as Qwen2 with grouped-query attention', function () {
        const c = session.info.config;
        assert.deepEqual(
          [c.modelType, c.vocabSize, c.nLayer, c.nHead, c.nKvHead, c.headDim, session.info.threads],
          ['qwen2', ref.vocabSize, ref.nLayer, ref.nHead, ref.nKvHead, ref.headDim, threads],
        );
        assert.equal(session.info.eosTokenId, ref.vocabSize - 1); // <|im_end|>
        assert.ok(session.info.chatTemplate?.endsWith('tokenizer_config.json'), String(session.info.chatTemplate));
        assert.equal(session.info.weightsDtype, 'BF16', 'the checkpoint stores BF16 weights (torch_dtype bfloat16)');
      });

      it(`analyze: the reference ids, last logits within ${TOL.logits}, the reference top 5`, async function () {
        const tokens = session.tokenize(ref.text);
        assert.deepEqual(tokens.map((t) => t.id), ref.ids);
        assert.equal(tokens.map((t) => ref.text.slice(t.start, t.end)).join(''), ref.text); // offsets cover the text
        const run = await session.analyze(ref.text, { topK: 5 });
        assert.deepEqual(session.ids(run.runId), ref.ids);
        const V = ref.vocabSize;
        const last = session.logits(run.runId).subarray((run.T - 1) * V, run.T * V); // [V]
        assertClose(last, Float32Array.from(ref.lastLogits), TOL.logits, 'last logits', [V]);
        assert.deepEqual(run.predictions[run.T - 1].ids, ref.top5);
        assert.deepEqual(run.predictions[run.T - 1].texts, ref.top5Texts);
      });

      it('chat: the template renders the hand-written ChatML text, its ids and last logits match', async function () {
        const prompt = session.chatPrompt(ref.chat.messages);
        assert.equal(prompt.text, ref.chat.text);
        assert.deepEqual(prompt.ids, ref.chat.ids);
        const run = await session.analyze(prompt.text, { topK: 1 });
        assert.deepEqual(session.ids(run.runId), ref.chat.ids); // <|im_start|> / <|im_end|> as single tokens
        const V = ref.vocabSize;
        const last = session.logits(run.runId).subarray((run.T - 1) * V, run.T * V); // [V]
        assertClose(last, Float32Array.from(ref.chat.lastLogits), TOL.logits, 'chat last logits', [V]);
      });
    });
  }
});
