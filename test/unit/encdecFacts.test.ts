// info, check, the picker's and the Hub cache's facts on encoder–decoder folders (MarianMTModel,
// T5ForConditionalGeneration): recognised, counted from config.json as loading counts them,
// checked whole, refused when too big for the memory given.
import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readEncDecConfig, loadEncDec } from '../../src/engine/encdec/loadEncDec';
import { encDecParamCount } from '../../src/engine/encdec/encdecFacts';
import { checkModelFolder } from '../../src/engine/modelCheck';
import { memoryFit, modelStats } from '../../src/hub/modelStats';
import { cli, ensureBuilt } from './cliRun';

const CASES = resolve(__dirname, '../fixtures/encdec');
const ARCH: Record<string, string> = { 'marian-sharp-f32': 'MarianMTModel', 't5-relu-tied-f32': 'T5ForConditionalGeneration', 'flan-t5-gated-bf16': 'T5ForConditionalGeneration', 'marian-f16-std002': 'MarianMTModel' };

describe('encoder–decoder folders in info, check and the model stats', function () {
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'al-encdec-facts-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  for (const [name, arch] of Object.entries(ARCH)) {
    const dir = join(CASES, name);
    it(`${name}: supported, its parameters from config.json equal the loaded model's, check is clean`, function () {
      const stats = modelStats(dir);
      assert.equal(stats.supported, true, stats.reason);
      assert.equal(stats.architecture, arch);
      const model = loadEncDec(dir);
      try {
        assert.equal(encDecParamCount(readEncDecConfig(dir)!), model.numParams);
      } finally {
        model.dispose();
      }
      assert.deepEqual(checkModelFolder(dir).problems, []);
      assert.equal(memoryFit(dir, 0).fits, true);
    });
  }

  it('memoryFit refuses a model bigger than the memory free, saying how big', function () {
    const fit = memoryFit(join(CASES, 'marian-sharp-f32'), 0, 1000);
    assert.equal(fit.fits, false);
    assert.match(fit.note ?? '', /parameters\) needs about .* more than the 0\.0 GB of memory free/);
  });

  it('check names a missing source.spm', function () {
    const dir = join(tmp, 'marian-no-spm');
    cpSync(join(CASES, 'marian-sharp-f32'), dir, { recursive: true });
    rmSync(join(dir, 'source.spm'));
    const { problems } = checkModelFolder(dir);
    assert.equal(problems.length, 1, problems.join('\n'));
    assert.match(problems[0], /source\.spm/);
  });

  it('info (CLI) describes an encoder–decoder model', function () {
    ensureBuilt();
    const r = cli('info', '--model', join(CASES, 't5-relu-tied-f32'));
    assert.equal(r.status, 0, r.stderr);
    const info = JSON.parse(r.stdout) as Record<string, unknown>;
    const c = readEncDecConfig(join(CASES, 't5-relu-tied-f32'))!;
    assert.equal(info.architecture, 'T5ForConditionalGeneration');
    assert.equal(info.encoderLayers, c.encoderLayers);
    assert.equal(info.numParams, encDecParamCount(c));
  });
});
