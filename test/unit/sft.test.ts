import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '../../src/engine/backend';
import { loadCheckpoint } from '../../src/engine/checkpoint';
import { ByteLevelBPETokenizer } from '../../src/engine/tokenizer';
import { pairSequence, readPairs, runSft } from '../../src/train/sft';
import { TINY_TOKENIZER, tempDir } from './trainFixture';

const SAMPLE = path.resolve(__dirname, '../../examples/sft-sample.jsonl');

describe('train: supervised fine-tuning', function () {
  this.timeout(60_000);
  before(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('masks the prompt: only response tokens and the appended EOS are targets', () => {
    const tok = ByteLevelBPETokenizer.fromModelDir(TINY_TOKENIZER);
    const p = { prompt: 'Question: why?\nAnswer:', response: ' Because.' };
    const s = pairSequence(tok, p, tok.eosTokenId!, 128);
    const nPrompt = tok.encodeIds(p.prompt).length;
    const nResp = tok.encodeIds(p.response).length;
    assert.equal(s.ids.length, nPrompt + nResp + 1);
    assert.equal(s.ids[s.ids.length - 1], tok.eosTokenId);
    assert.deepEqual(s.weights, [...Array(nPrompt - 1).fill(0), ...Array(nResp + 1).fill(1)]);
    // Cut from the left when too long: the response is kept whole.
    const cut = pairSequence(tok, p, tok.eosTokenId!, nResp + 2);
    assert.equal(cut.ids.length, nResp + 3);
    assert.equal(cut.weights.filter((w) => w === 1).length, nResp + 1);
  });

  it('lowers the loss on its pairs and writes a model folder the engine opens', async () => {
    const dir = tempDir('sft');
    try {
      const out = path.join(dir, 'sft-model');
      const r = await runSft({ base: TINY_TOKENIZER, data: SAMPLE, out, steps: 25, lr: 3e-3, batchSize: 4, seed: 2, log: () => {} });
      assert.ok(r.finalLoss < r.initialLoss - 1, `loss ${r.initialLoss} → ${r.finalLoss}`);
      const { config } = loadCheckpoint(out);
      assert.equal(config.vocabSize, 557);
      assert.ok(fs.existsSync(path.join(out, 'tokenizer.json')));
      const card = fs.readFileSync(path.join(out, 'README.md'), 'utf8');
      assert.match(card, /supervised fine-tune/);
      assert.ok(card.includes(TINY_TOKENIZER), 'card names the base');
      assert.ok(card.includes(`${readPairs(SAMPLE).length} pairs`));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
