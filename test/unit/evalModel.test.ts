import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../../src/engine/backend';
import { evaluateModel, renderEvalSection, withEvalSection } from '../../src/train/evalModel';

const TINY = path.join(__dirname, '..', 'fixtures', 'tiny-model');
const TEXT = path.join(__dirname, '..', '..', 'samples', 'paragraph.txt');

describe('model evaluation for the model card', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('reports loss, a bigram baseline on the same targets and one row of statistics per head', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-eval-'));
    const text = fs.readFileSync(TEXT, 'utf8').repeat(4);
    fs.writeFileSync(path.join(dir, 'val.txt'), text);
    const e = await evaluateModel({ modelDir: TINY, train: path.join(dir, 'val.txt'), val: path.join(dir, 'val.txt'), windows: 2, inductionSeeds: 2 });
    assert.equal(e.T, 128);
    assert.equal(e.targets, 2 * 128);
    assert.ok(Number.isFinite(e.valLoss) && e.valLoss > 0);
    // The bigram is counted on the very text it is scored on here, so it must beat a random model.
    assert.ok(e.bigramLoss < e.valLoss, `bigram ${e.bigramLoss} vs model ${e.valLoss}`);
    assert.equal(e.heads.length, 2 * 2);
    for (const h of e.heads) {
      for (const k of ['prevToken', 'induction', 'sink'] as const) assert.ok(h[k] >= 0 && h[k] <= 1, `${k} ${h[k]}`);
      assert.ok(h.entropy > 0 && h.entropy <= Math.log2(128));
    }
    const section = renderEvalSection(e, 'cmd');
    assert.match(section, /^## Evaluation/);
    assert.equal(section.split('\n').filter((l) => /^\| \d \| \d \|/.test(l)).length, 4);
  });

  it('replaces an existing Evaluation section instead of adding a second one', () => {
    const card = '# m\n\n## Evaluation\n\nold\n\n## Training configuration\n\nx\n';
    const out = withEvalSection(card, '## Evaluation\n\nnew\n');
    assert.equal(out.match(/## Evaluation/g)?.length, 1);
    assert.match(out, /new/);
    assert.doesNotMatch(out, /old/);
    assert.match(out, /## Training configuration/);
    assert.match(withEvalSection('# m\n', '## Evaluation\n\nz\n'), /# m\n\n## Evaluation/);
  });
});
