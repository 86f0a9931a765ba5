import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '../../src/engine/backend';
import { loadCheckpoint } from '../../src/engine/checkpoint';
import { loadRewardFn, runReward } from '../../src/train/reward';
import { TINY_TOKENIZER, tempDir } from './trainFixture';

const mean = (a: number[]): number => a.reduce((s, x) => s + x, 0) / a.length;

describe('train: reward step (REINFORCE)', function () {
  this.timeout(120_000);
  before(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('loads a user reward module and refuses one without a default function', async () => {
    const dir = tempDir('rewardfn');
    try {
      fs.writeFileSync(path.join(dir, 'len.mjs'), 'export default (p, c) => c.length - p.length;\n');
      fs.writeFileSync(path.join(dir, 'bad.mjs'), 'export const reward = 1;\n');
      assert.equal((await loadRewardFn(path.join(dir, 'len.mjs')))('ab', 'abcde'), 3);
      await assert.rejects(loadRewardFn(path.join(dir, 'bad.mjs')), /default function/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('raises the mean reward on a toy task (completion mentions a word) within a few dozen seeded steps', async () => {
    const dir = tempDir('reward');
    try {
      fs.writeFileSync(path.join(dir, 'keyword.mjs'), "export default function reward(prompt, completion) { return completion.includes('public') ? 1 : 0; }\n");
      fs.writeFileSync(path.join(dir, 'prompts.txt'), 'The progress of\nWe must\nThe people of the\n');
      const out = path.join(dir, 'model');
      const r = await runReward({
        base: TINY_TOKENIZER, rewardModule: path.join(dir, 'keyword.mjs'), prompts: path.join(dir, 'prompts.txt'), out,
        steps: 30, lr: 0.01, samples: 8, maxNewTokens: 8, seed: 3, log: () => {},
      });
      const first = mean(r.meanRewards.slice(0, 10));
      const last = mean(r.meanRewards.slice(-10));
      assert.ok(first < 0.3, `the base model rarely says it: first-10 mean ${first}`);
      assert.ok(last > first + 0.5, `mean reward ${first} → ${last}: ${r.meanRewards.join(' ')}`);
      assert.equal(loadCheckpoint(out).config.vocabSize, 557);
      assert.match(fs.readFileSync(path.join(out, 'README.md'), 'utf8'), /Mean reward: [0-9.]+ over the first 10 steps, [0-9.]+ over the last 10/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
