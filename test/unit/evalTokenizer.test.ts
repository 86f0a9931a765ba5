import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainByteLevelBPE } from '../../src/train/bpeTrainer';
import { saveTokenizer } from '../../src/train/tokenizerFiles';
import { ByteLevelBPETokenizer } from '../../src/engine/tokenizer';
import { bytesPerToken, chineseFigures } from '../../src/train/corpus/evalTokenizer';

const EOT = '<|endoftext|>';
const ZH = ['注意力机制，注意力权重。', 'the attention head 注意力 looks back'];

function tokenizer(dir: string, vocabSize: number): ByteLevelBPETokenizer {
  const { vocab, merges } = trainByteLevelBPE(ZH.flatMap((t) => [t, t, t]), { vocabSize, specialTokens: [EOT] });
  saveTokenizer(dir, vocab, merges, { specialTokens: [EOT] });
  return ByteLevelBPETokenizer.fromModelDir(dir);
}

describe('tokenizer:eval figures', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tok-eval-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('counts three tokens and no whole character per Han character for bytes alone', () => {
    const f = chineseFigures(tokenizer(dir, 257), ['注意力 ok']);
    assert.deepEqual(f, { chars: 6, tokens: 9 + 3, hanChars: 3, hanTokens: 9, hanWhole: 0 });
  });

  it('counts whole characters and multi-character tokens once merged', () => {
    const tok = tokenizer(dir, 400);
    assert.deepEqual(tok.encode('注意力').map((t) => t.text), ['注意力']);
    const f = chineseFigures(tok, ['注意力，注意力']);
    assert.equal(f.hanChars, 6);
    assert.equal(f.hanTokens, 2);
    assert.equal(f.hanWhole, 6);
    assert.equal(f.chars, 7);
  });

  it('gives bytes per token', () => {
    const e = bytesPerToken(tokenizer(dir, 257), ['abc', '注']);
    assert.deepEqual(e, { bytes: 6, tokens: 6 });
  });
});
