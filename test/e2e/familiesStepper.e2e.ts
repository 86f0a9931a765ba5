// The Layer Stepper on a model of the new families (issue 13): attentionLens.modelPath is pointed at
// test/fixtures/tiny-qwen2 (Qwen2ForCausalLM, 8 query heads over 2 key/value heads, RoPE θ = 10000
// over head_dim 8, BF16 weights). Analyse a sentence, step to layer 0's RoPE step and its
// key/value group step, and check from the page what they show: the titles, a RoPE row per
// dimension pair with the angle p·θ_i computed here from config.json, and the two key/value heads
// with the query heads that read each. The Model tab names the family, the 2 key/value heads and
// the checkpoint's dtype, and says how a Llama-style model is built; the logit lens caption names
// the final RMSNorm. The workspace settings are restored after.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame } from 'playwright-core';
import { repoRoot } from './lib/paths';
import { session } from './lib/session';
import { useModelCopy, type ModelSetting } from './lib/modelSetting';

const FIXTURE = path.join(repoRoot, 'test', 'fixtures', 'tiny-qwen2');
const ref = JSON.parse(fs.readFileSync(path.join(FIXTURE, 'reference.json'), 'utf8')) as {
  text: string;
  ids: number[];
  nLayer: number;
  nHead: number;
  nKvHead: number;
  headDim: number;
};
const config = JSON.parse(fs.readFileSync(path.join(FIXTURE, 'config.json'), 'utf8')) as { rope_theta: number; model_type: string };
const root = 'body.layer-stepper';
/** Qwen2's steps: tokens, token embedding, input; 14 per layer (RMSNorm, q/k/v, RoPE, K/V group, …); final RMSNorm, softmax. */
const STEPS = 3 + ref.nLayer * 14 + 2;

interface Grid {
  header: string[];
  rows: { cells: string[]; exact: string[]; selected: boolean }[];
}

/** A step's grid table (`table.grid.<name>`): its header and rows as the page shows them. */
async function readGrid(frame: Frame, name: string): Promise<Grid> {
  await frame.waitForSelector(`table.grid.${name} tr`, { timeout: 60_000 });
  return frame.$eval(`table.grid.${name}`, (t) => {
    const trs = [...t.querySelectorAll('tr')];
    return {
      header: [...trs[0].querySelectorAll('th')].map((th) => th.textContent ?? ''),
      rows: trs.slice(1).map((tr) => ({
        cells: [...tr.querySelectorAll('td')].map((td) => td.textContent ?? ''),
        exact: [...tr.querySelectorAll('td')].map((td) => td.getAttribute('title') ?? td.textContent ?? ''),
        selected: tr.classList.contains('selected'),
      })),
    };
  });
}

async function press(frame: Frame, key: string, expectedStep: number): Promise<void> {
  await frame.page().keyboard.press(key);
  await frame.waitForSelector(`article.step[data-step="${expectedStep}"]`, { timeout: 30_000 });
}

async function stepKind(frame: Frame): Promise<{ kind: string; layer: number; title: string }> {
  const a = frame.locator('article.step');
  return {
    kind: (await a.getAttribute('data-kind')) ?? '',
    layer: Number(await a.getAttribute('data-layer')),
    title: ((await frame.locator('article.step h2.step-title').textContent({ timeout: 60_000 })) ?? '').trim(),
  };
}

describe('Layer Stepper on a Qwen2 model: RoPE, the key/value group and the Model tab', function () {
  let setting: ModelSetting | undefined;
  let frame: Frame;

  before(async function () {
    this.timeout(300_000);
    const { workbench } = session();
    setting = useModelCopy(FIXTURE);

    const page = workbench.page;
    await workbench.runCommand('View: Show Explorer'); // an earlier suite may have left another side view open
    await workbench.openFile('paragraph.txt');
    await workbench.selectText(ref.text);
    // Open the Attention Lens view container (a click on it while open would close it).
    const item = page.locator('.activitybar .action-item', { has: page.locator('a[aria-label^="Attention Lens"]') }).first();
    await item.waitFor({ timeout: 60_000 });
    if (!((await item.getAttribute('class')) ?? '').split(/\s+/).includes('checked')) await item.locator('a').click();
    try {
      frame = await workbench.findWebviewFrame(`${root} button.analyze`, 120_000);
      // The settings file is re-read when its watcher fires: analyse until the stepper shows the
      // Qwen2 model's step list over the reference's tokens (an earlier model has other steps).
      let seen = '';
      for (let attempt = 0; attempt < 6; attempt++) {
        await frame.locator('button.analyze').click();
        try {
          await frame.waitForFunction(
            ([total, n]) => {
              const counter = document.querySelector('.step-counter')?.textContent ?? '';
              const rows = document.querySelectorAll('article.step[data-kind="tokens"] .token-table tr td:nth-child(3)').length;
              return counter.endsWith(` of ${total}`) && rows === n;
            },
            [STEPS, ref.ids.length] as const,
            { timeout: 40_000 },
          );
          seen = '';
          break;
        } catch {
          seen = (await frame.locator('.step-counter').textContent().catch(() => '')) ?? '';
          await page.waitForTimeout(1000);
        }
      }
      assert.equal(seen, '', `the stepper shows the Qwen2 model's ${STEPS} steps (last seen: "${seen}")`);
      await workbench.screenshot('70-families-stepper-tokens');
    } catch (err) {
      await workbench.screenshot('70-families-stepper-failed');
      const notes = await workbench.notifications();
      throw new Error(`${(err as Error).message}\nnotifications: ${notes.join(' | ') || '-'}`);
    }
  });

  after(async function () {
    this.timeout(60_000);
    setting?.restore();
    const { workbench } = session();
    await workbench.runCommand('View: Close All Editors').catch(() => undefined);
    // Leave the side bar as the suites expect it (stepper.e2e.ts opens files from the explorer).
    await workbench.runCommand('View: Show Explorer').catch(() => undefined);
  });

  it('shows the reference’s token ids', async function () {
    const ids = await frame.$$eval('.token-table tr td:nth-child(3)', (tds) => tds.map((td) => Number(td.textContent)));
    assert.deepEqual(ids, ref.ids, 'the ids shown are the Qwen2 tokenizer’s, as the reference has them');
  });

  it('steps to layer 0’s RoPE: a row per dimension pair, angles p·θ_i from config.json', async function () {
    this.timeout(120_000);
    const { workbench } = session();
    await frame.locator('.stage').click(); // keyboard focus into the view, on nothing interactive
    await press(frame, 'PageDown', 3);
    assert.equal((await stepKind(frame)).kind, 'rmsNorm1');
    await press(frame, 'ArrowRight', 4);
    await press(frame, 'ArrowRight', 5);
    const step = await stepKind(frame);
    assert.deepEqual(step, { kind: 'rope', layer: 0, title: 'Rotary position embedding (RoPE)' });
    const grid = await readGrid(frame, 'rope');
    await frame.locator('table.grid.rope').scrollIntoViewIfNeeded();
    await workbench.screenshot('71-families-stepper-rope');
    const half = ref.headDim / 2;
    assert.deepEqual(grid.header.slice(0, 3), ['pair i', 'dims', 'θ_i']);
    assert.equal(grid.rows.length, half, `one row per dimension pair (${half} pairs of head_dim ${ref.headDim})`);
    const p = ref.ids.length - 1; // the query: the last token at first
    grid.rows.forEach((r, i) => {
      assert.equal(r.cells[0], String(i));
      assert.equal(r.cells[1], `${i}, ${i + half}`);
      const theta = Math.pow(config.rope_theta, (-2 * i) / ref.headDim);
      const shownTheta = Number(r.exact[2]);
      const shownAngle = Number(r.exact[3]);
      assert.ok(Math.abs(shownTheta - theta) <= 1e-6 * theta, `pair ${i}: θ_i ${r.exact[2]} vs ${theta}`);
      assert.ok(Math.abs(shownAngle - p * theta) <= 1e-5 * p * theta, `pair ${i}: angle ${r.exact[3]} vs p·θ_i = ${p * theta}`);
    });
  });

  it('steps to the key/value group: 2 key/value heads, each read by 4 query heads', async function () {
    this.timeout(60_000);
    const { workbench } = session();
    await press(frame, 'ArrowRight', 6);
    const step = await stepKind(frame);
    assert.deepEqual(step, { kind: 'kvGroup', layer: 0, title: 'The key/value head this query head reads' });
    const grid = await readGrid(frame, 'kvGroups');
    await frame.locator('table.grid.kvGroups').scrollIntoViewIfNeeded();
    await workbench.screenshot('72-families-stepper-kv-group');
    assert.deepEqual(grid.header, ['key/value head', 'query heads']);
    assert.equal(grid.rows.length, ref.nKvHead, 'one row per key/value head');
    const G = ref.nHead / ref.nKvHead;
    assert.deepEqual(
      grid.rows.map((r) => r.cells),
      Array.from({ length: ref.nKvHead }, (_, j) => [String(j), `${j * G}–${(j + 1) * G - 1}`]),
    );
    assert.deepEqual(grid.rows.map((r) => r.selected), [true, false], 'head 0 reads key/value head 0');
    const note = (await frame.locator('article.step p.note').textContent()) ?? '';
    assert.match(note, /Query heads 0–3 share key\/value head 0/);
  });

  it('the Model tab names the family, its 2 key/value heads and dtype; the logit lens reads through the final RMSNorm', async function () {
    this.timeout(180_000);
    const { workbench } = session();
    await frame.locator('button.tab.model').click();
    await frame.waitForSelector('table.figures', { timeout: 30_000 });
    await workbench.screenshot('73-families-stepper-model');
    const figures = new Map(
      await frame.$$eval('table.figures tr', (trs) => trs.map((tr) => [tr.querySelector('th')?.textContent ?? '', tr.querySelector('td')?.textContent ?? ''] as [string, string])),
    );
    assert.equal(figures.get('Architecture'), config.model_type);
    assert.equal(figures.get('Attention heads per layer'), String(ref.nHead));
    assert.equal(figures.get('Key/value heads per layer'), String(ref.nKvHead));
    assert.equal(figures.get('Head width (d_k)'), String(ref.headDim));
    assert.equal(figures.get('Positions'), `RoPE: θ = ${config.rope_theta}, ${ref.headDim} of ${ref.headDim} dims rotate`);
    assert.equal(figures.get('Weights (dtype in the checkpoint)'), 'bfloat16 (BF16)');
    const built = (await frame.$$eval('.model p.built', (ps) => ps.map((p) => p.textContent ?? ''))).join(' ');
    assert.match(built, /Only the token embeddings go in/);
    assert.match(built, /grouped-query attention \(8 query heads share 2 key\/value heads, 4 query heads per group\)/);

    await frame.locator('button.tab.lens').click();
    await frame.waitForSelector('table.lens-grid tr[data-layer]', { timeout: 120_000 });
    await workbench.screenshot('74-families-stepper-lens');
    const caption = (await frame.locator('.lens p.caption').textContent()) ?? '';
    assert.match(caption, /the final RMSNorm \(model\.norm\) and the output head/);
    assert.equal(await frame.locator('table.lens-grid tr[data-layer]').count(), ref.nLayer + 1, 'embeddings + one row per layer');
    await frame.locator('button.tab.steps').click();
  });
});
