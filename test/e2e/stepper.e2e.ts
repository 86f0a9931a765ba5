// The learner's scenario: select a sentence, open the Attention Lens view from the activity bar,
// analyse the selection in the Layer Stepper, walk through the steps with the keyboard, and check
// that the attention weights the stepper shows are the ones `node dist/cli.js dump` writes for the
// same text and model.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame } from 'playwright-core';
import { repoRoot } from './lib/paths';
import { session } from './lib/session';

const phrase = 'The old lighthouse keeper climbed the stairs every evening at dusk.';
const root = 'body.layer-stepper';
/** The table shows 4 decimals: a rounded value is within half a unit of the last digit. */
const SHOWN_TOL = 0.5e-4 + 1e-6;

interface Dump {
  T: number;
  nLayer: number;
  nHead: number;
  vocabSize: number;
  tokens: { id: number; text: string }[];
  /** [L, H, T, T] */
  attentions: Float32Array;
  /** [T, V] */
  logits: Float32Array;
}

function dumpOf(modelDir: string, text: string): Dump {
  const tmp = fs.mkdtempSync(path.join(session().server.tmpDir, 'dump-'));
  const textFile = path.join(tmp, 'text.txt');
  fs.writeFileSync(textFile, text);
  const out = path.join(tmp, 'out');
  execFileSync(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), 'dump', '--model', modelDir, '--text-file', textFile, '--out', out], {
    stdio: 'pipe',
    timeout: 120_000,
  });
  const f32 = (name: string): Float32Array => {
    const b = fs.readFileSync(path.join(out, name));
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  };
  const meta = JSON.parse(fs.readFileSync(path.join(out, 'meta.json'), 'utf8'));
  return { ...meta, tokens: JSON.parse(fs.readFileSync(path.join(out, 'tokens.json'), 'utf8')), attentions: f32('attentions.f32'), logits: f32('logits.f32') };
}

async function currentStep(frame: Frame): Promise<{ step: number; kind: string; layer: number }> {
  const a = frame.locator('article.step');
  return {
    step: Number(await a.getAttribute('data-step')),
    kind: (await a.getAttribute('data-kind')) ?? '',
    layer: Number(await a.getAttribute('data-layer')),
  };
}

async function press(frame: Frame, key: string, expectedStep: number): Promise<void> {
  await frame.page().keyboard.press(key);
  await frame.waitForSelector(`article.step[data-step="${expectedStep}"]`, { timeout: 30_000 });
}

describe('Layer Stepper', function () {
  let frame: Frame;
  let dump: Dump;

  before(async function () {
    this.timeout(240_000);
    const { workbench, workspace } = session();
    dump = dumpOf(workspace.model.dir, phrase);
    await workbench.openFile('paragraph.txt');
    await workbench.selectText(phrase);
    // The view container in the activity bar.
    const icon = workbench.page.locator('.activitybar .action-item a[aria-label^="Attention Lens"]').first();
    await icon.waitFor({ timeout: 60_000 });
    await icon.click();
    try {
      frame = await workbench.findWebviewFrame(`${root} button.analyze`, 120_000);
      await workbench.screenshot('20-stepper-opened');
      await frame.locator('button.analyze').click();
      await frame.waitForSelector('article.step[data-kind="tokens"]', { timeout: 120_000 });
    } catch (err) {
      await workbench.screenshot('20-stepper-failed');
      const notes = await workbench.notifications();
      throw new Error(`${(err as Error).message}\nnotifications: ${notes.join(' | ') || '-'}`);
    }
  });

  it('opens from the activity bar and shows the selection as tokens', async function () {
    const { workbench } = session();
    await workbench.screenshot('21-stepper-tokens');
    const chips = await frame.locator('.chip[data-index]').count();
    assert.equal(chips, dump.T, `one query chip per token of the dump (${dump.T})`);
    const ids = await frame.$$eval('.token-table tr td:nth-child(3)', (tds) => tds.map((td) => Number(td.textContent)));
    assert.deepEqual(ids, dump.tokens.map((t) => t.id), 'the ids shown are the dump’s');
  });

  it('advances with → and ←, and moves between layers with PageDown / PageUp', async function () {
    this.timeout(120_000);
    await frame.locator('.stage').click(); // keyboard focus into the view, on nothing interactive
    await press(frame, 'ArrowRight', 1);
    assert.equal((await currentStep(frame)).kind, 'tokenEmbedding');
    await frame.waitForSelector('article.step canvas.strip', { timeout: 60_000 });
    await press(frame, 'ArrowLeft', 0);
    await press(frame, 'PageDown', 4);
    assert.deepEqual(await currentStep(frame), { step: 4, kind: 'ln1', layer: 0 });
    for (let i = 5; i <= 9; i++) await press(frame, 'ArrowRight', i);
    assert.deepEqual(await currentStep(frame), { step: 9, kind: 'softmax', layer: 0 });
    if (dump.nLayer > 1) {
      await press(frame, 'PageDown', 21);
      assert.deepEqual(await currentStep(frame), { step: 21, kind: 'softmax', layer: 1 });
    }
  });

  it('shows, for the softmax step, the weights the engine dumps for the same text', async function () {
    this.timeout(120_000);
    const { workbench } = session();
    const { layer } = await currentStep(frame);
    await frame.waitForSelector('table.weights td[data-key]', { timeout: 60_000 });
    await workbench.screenshot('22-stepper-weights');
    const rows = await frame.$$eval('table.weights tr[data-head]', (trs) =>
      trs.map((tr) => ({
        head: Number(tr.getAttribute('data-head')),
        cells: [...tr.querySelectorAll('td[data-key]')].map((td) => ({ key: Number(td.getAttribute('data-key')), text: td.textContent ?? '' })),
        sum: tr.querySelector('td.sum')?.textContent ?? '',
      })),
    );
    const { T, nHead } = dump;
    const p = T - 1; // the stepper starts on the last token as the query
    assert.equal(rows.length, nHead, 'one weight row per head');
    let compared = 0;
    for (const r of rows) {
      assert.equal(r.sum, '1.0000', `head ${r.head}'s weights sum to 1`);
      for (const c of r.cells) {
        const expected = dump.attentions[((layer * nHead + r.head) * T + p) * T + c.key];
        const shown = Number(c.text);
        assert.ok(Math.abs(shown - expected) <= SHOWN_TOL, `layer ${layer} head ${r.head} key ${c.key}: shown ${c.text}, dump ${expected}`);
        compared++;
      }
    }
    assert.equal(compared, nHead * T, 'every key of every head was compared');
  });

  it('highlights in the editor the tokens the step is about', async function () {
    this.timeout(60_000);
    const { workbench } = session();
    let decorations: string[] = [];
    for (let i = 0; i < 40 && decorations.length === 0; i++) {
      decorations = await workbench.editorDecorations();
      if (decorations.length === 0) await workbench.page.waitForTimeout(250);
    }
    await workbench.screenshot('23-stepper-highlights');
    assert.ok(decorations.length > 0, 'the editor shows the query and its context highlighted');
  });

  it('shows the logit lens, whose last row is the model’s own prediction', async function () {
    this.timeout(180_000);
    const { workbench } = session();
    await frame.locator('button.tab.lens').click();
    await frame.waitForSelector('table.lens-grid tr[data-layer]', { timeout: 120_000 });
    await workbench.screenshot('24-stepper-logit-lens');
    const grid = await frame.$$eval('table.lens-grid tr[data-layer]', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td[data-position]')].map((td) => Number(td.getAttribute('data-id')))),
    );
    const { T, nLayer, vocabSize: V } = dump;
    assert.equal(grid.length, nLayer + 1, 'embeddings + one row per layer');
    const last = grid[grid.length - 1];
    for (let t = 0; t < T; t++) {
      const row = dump.logits.subarray(t * V, (t + 1) * V);
      let best = 0;
      for (let i = 1; i < V; i++) if (row[i] > row[best]) best = i;
      assert.equal(last[t], best, `position ${t}: the lens' last row is the argmax of the dumped logits`);
    }
    await frame.locator('button.tab.model').click();
    await frame.waitForSelector('table.figures', { timeout: 30_000 });
    await workbench.screenshot('25-stepper-model');
    const figures = await frame.$$eval('table.figures td', (tds) => tds.map((td) => td.textContent ?? ''));
    assert.ok(figures.includes(String(nLayer)), `the Model section lists ${nLayer} layers: ${figures.join(', ')}`);
    await frame.locator('button.tab.steps').click();
  });
});
