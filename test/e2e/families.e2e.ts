// A model of the new families in the real product (issue 13): attentionLens.modelPath is pointed at
// test/fixtures/tiny-qwen2 (Qwen2ForCausalLM, 8 query heads over 2 key/value heads, Qwen2's
// tokenizer.json, a ChatML chat template). Show Attention on a sentence draws every layer × head,
// grouped by K/V head, names the grouping in the meta line, and gives the float64 reference's tokens
// and top prediction; Complete on a selection answers it as chat (the default "auto"), after the
// selection, and one Ctrl+Z takes the answer back; Explain Completion on such an answer shows the
// chat prompt's tokens (the template's framed) and the answer's, marked as generated. The workspace
// settings are restored after.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame } from 'playwright-core';
import { canvasStats, isNonBlank } from './lib/canvas';
import { outputLogLines } from './lib/outputLog';
import { chips } from './lib/panelFrame';
import { repoRoot } from './lib/paths';
import { session } from './lib/session';
import { editorText, openByQuickOpen, waitForText } from './lib/writer';
import { useModelCopy, type ModelSetting } from './lib/modelSetting';

const FIXTURE = path.join(repoRoot, 'test', 'fixtures', 'tiny-qwen2');
const ref = JSON.parse(fs.readFileSync(path.join(FIXTURE, 'reference.json'), 'utf8')) as {
  text: string;
  ids: number[];
  top5Texts: string[];
  nLayer: number;
  nHead: number;
  nKvHead: number;
};
const overview = 'canvas[data-layer][data-head]';
const QUESTION_FILE = 'qwen-question.txt';
const CHAT_LOG = /Complete \(as chat\) in .*qwen-question\.txt/;

/** Token ids from the panel's chip titles ("#3 · id 262"). */
async function chipIds(frame: Frame): Promise<number[]> {
  const titles = await frame.$$eval(chips, (els) => els.map((e) => e.getAttribute('title') ?? ''));
  return titles.map((t) => Number(/\bid (\d+)/.exec(t)?.[1] ?? NaN));
}

/** Every overview canvas holds a heatmap (painted, two colours at least); never throws. */
async function waitForPaintedOverview(frame: Frame, n: number): Promise<void> {
  await frame
    .waitForFunction(
      ([sel, count]) => {
        const cells = [...document.querySelectorAll(sel as string)] as HTMLCanvasElement[];
        return (
          cells.length === count &&
          cells.every((cv) => {
            const ctx = cv.width && cv.height ? cv.getContext('2d') : null;
            if (!ctx) return false;
            const px = new Uint32Array(ctx.getImageData(0, 0, cv.width, cv.height).data.buffer);
            return px.some((v) => v >>> 24 > 0) && px.some((v) => v !== px[0]);
          })
        );
      },
      [overview, n] as const,
      { timeout: 60_000 },
    )
    .catch(() => undefined); // the assertions that follow say which canvas is blank
}

describe('Model families: a Qwen2 model with grouped-query attention and a chat template', function () {
  let setting: ModelSetting | undefined;
  let frame: Frame;

  before(async function () {
    this.timeout(300_000);
    const { workbench, workspace } = session();
    setting = useModelCopy(FIXTURE, { 'attentionLens.completion.maxNewTokens': 12, 'attentionLens.completion.seed': 7 });
    fs.writeFileSync(path.join(workspace.dir, QUESTION_FILE), ref.text);

    // A new panel: an open one keeps the query selected before (an earlier suite's), not the last token.
    await workbench.runCommand('View: Close All Editor Groups');
    await workbench.runCommand('View: Show Explorer'); // an earlier suite may have left another side view open
    // The reference's text, alone in its own file: selected whole, whatever earlier suites left in
    // the shared samples (a find in paragraph.txt failed after the export and compare suites).
    await openByQuickOpen(workbench.page, QUESTION_FILE);
    await workbench.selectAll();
    await workbench.waitForSelectionLength(ref.text.length);
    // The settings file is re-read when its watcher fires: run the command until the panel shows
    // the Qwen2 model's grouped overview (an earlier model's panel has no K/V header).
    const grouped = `#overview .ov-kv`;
    try {
      for (let attempt = 0; attempt < 6; attempt++) {
        await workbench.runCommand('Attention Lens: Show Attention');
        try {
          frame = await workbench.findWebviewFrame(grouped, 40_000);
          await frame.waitForFunction(
            ([sel, n]) => document.querySelectorAll(sel as string).length === n,
            [overview, ref.nLayer * ref.nHead] as const,
            { timeout: 20_000 },
          );
          break;
        } catch {
          await workbench.page.waitForTimeout(1000);
        }
      }
      assert.ok(frame, 'the panel shows a grouped overview');
    } catch (err) {
      await workbench.screenshot('60-families-show-attention-failed');
      const notes = await workbench.notifications();
      throw new Error(`${(err as Error).message}\nnotifications: ${notes.join(' | ') || '-'}`);
    }
  });

  after(async function () {
    this.timeout(60_000);
    setting?.restore();
    const { workbench } = session();
    await workbench.runCommand('View: Close All Editors').catch(() => undefined);
  });

  it('draws every layer × head, grouped by key/value head, and says so in the meta line', async function () {
    this.timeout(120_000);
    const { workbench } = session();
    const { nLayer, nHead, nKvHead } = ref;
    await waitForPaintedOverview(frame, nLayer * nHead);
    await workbench.screenshot('60-families-overview');
    const stats = await canvasStats(frame, overview);
    assert.equal(stats.length, nLayer * nHead, `${nLayer} layers × ${nHead} heads of overview canvases`);
    for (const s of stats) assert.ok(isNonBlank(s), `layer ${s.layer} head ${s.head} is painted: ${JSON.stringify(s)}`);

    const headers = await frame.$$eval('#overview .ov-kv', (els) => els.map((e) => (e.textContent ?? '').trim()));
    assert.deepEqual(headers, ['K/V 0', 'K/V 1']);
    const groups = await frame.$$eval(overview, (els) =>
      els.map((e) => [e.getAttribute('data-layer'), e.getAttribute('data-head'), e.getAttribute('data-kv-group')]),
    );
    for (const [l, h, g] of groups) {
      assert.equal(Number(g), Math.floor(Number(h) / (nHead / nKvHead)), `layer ${l} head ${h} reads K/V group ${g}`);
    }
    const meta = (await frame.locator('#meta').textContent()) ?? '';
    assert.match(meta, new RegExp(`${nHead} query heads share ${nKvHead} key/value heads`), `meta line: "${meta}"`);

    // Hovering a head of the second group names the group it reads.
    const tooltip = frame.locator('#tooltip');
    await frame.locator(`${overview}[data-layer="1"][data-head="5"]`).hover();
    await tooltip.waitFor({ state: 'visible', timeout: 10_000 });
    const tip = await tooltip.innerText();
    await workbench.screenshot('60-families-overview-tooltip');
    await workbench.page.mouse.move(1, 1);
    assert.match(tip, /reads K\/V group 1 \(heads 4–7\)/, `tooltip: "${tip}"`);
  });

  it("tokenizes with Qwen2's tokenizer.json and predicts what the float64 reference predicts", async function () {
    this.timeout(60_000);
    const { workbench } = session();
    assert.deepEqual(await chipIds(frame), ref.ids, 'the chips are the reference token ids');
    // The last token is selected at first: its card lists the top predictions after the text.
    const row = '.pred-card:not([hidden]) .pred-row .pred-token';
    await frame.waitForSelector(row, { timeout: 60_000 });
    await frame.locator('.predictions-card').scrollIntoViewIfNeeded();
    await workbench.screenshot('61-families-predictions');
    const top = await frame.$$eval(row, (els) => els.map((e) => (e.textContent ?? '').replace(/·/g, ' ')));
    assert.ok(top.length >= 1, 'predictions are listed');
    assert.equal(top[0], ref.top5Texts[0], `the top prediction after the text (listed: ${top.join(' | ')})`);
  });

  it('answers a selection as chat after it, and one Ctrl+Z takes the answer back', async function () {
    this.timeout(180_000);
    const { server, workbench } = session();
    const page = workbench.page;
    await openByQuickOpen(page, QUESTION_FILE);
    await workbench.runCommand('File: Revert File');
    await waitForText(page, 'return t === a', ref.text, 10_000);
    assert.equal(await editorText(page), ref.text);
    await workbench.selectAll();
    const logged = outputLogLines(server.userDataDir).filter((l) => CHAT_LOG.test(l)).length;
    await workbench.runCommand('Attention Lens: Complete');
    // The run's log line is written once the answer is complete.
    const deadline = Date.now() + 150_000;
    while (Date.now() < deadline && outputLogLines(server.userDataDir).filter((l) => CHAT_LOG.test(l)).length === logged) {
      await page.waitForTimeout(500);
    }
    await page.waitForTimeout(300); // the last edit lands just before the log line
    const answered = await editorText(page);
    await workbench.screenshot('62-families-chat-answer');
    const line = outputLogLines(server.userDataDir).filter((l) => CHAT_LOG.test(l)).slice(-1)[0];
    assert.ok(line, `the extension logged a completion as chat; notifications: ${(await workbench.notifications()).join(' | ') || '-'}`);
    assert.ok(answered.startsWith(`${ref.text}\n\n`), `the answer starts a new paragraph after the selection: ${JSON.stringify(answered)}`);
    assert.ok(answered.trim().length > ref.text.length, `text was inserted: ${JSON.stringify(answered)}\nlog: ${line}`);

    await page.keyboard.press('Control+Z');
    await waitForText(page, 'return t === a', ref.text, 10_000);
    await workbench.screenshot('63-families-chat-undone');
    assert.equal(await editorText(page), ref.text, 'one Ctrl+Z removes the whole answer');
  });

  it('Explain Completion on the answer shows the chat prompt (template tokens framed, the question) and the answer marked', async function () {
    this.timeout(240_000);
    const { server, workbench, workspace } = session();
    const page = workbench.page;
    // The question alone, whatever an auto-save kept of the answer before.
    fs.writeFileSync(path.join(workspace.dir, QUESTION_FILE), ref.text);
    await openByQuickOpen(page, QUESTION_FILE);
    await workbench.runCommand('File: Revert File');
    await waitForText(page, 'return t === a', ref.text, 10_000);
    assert.equal(await editorText(page), ref.text);
    await workbench.selectAll();
    const logged = outputLogLines(server.userDataDir).filter((l) => CHAT_LOG.test(l)).length;
    await workbench.runCommand('Attention Lens: Complete');
    const deadline = Date.now() + 150_000;
    while (Date.now() < deadline && outputLogLines(server.userDataDir).filter((l) => CHAT_LOG.test(l)).length === logged) {
      await page.waitForTimeout(500);
    }
    await page.waitForTimeout(300);
    assert.ok((await editorText(page)).startsWith(`${ref.text}\n\n`), 'the selection was answered as chat');

    await workbench.runCommand('Attention Lens: Explain Completion');
    const panel = await workbench.findWebviewFrame('.token.template', 150_000).catch(async (err) => {
      await workbench.screenshot('64-families-explain-chat-failed');
      throw new Error(`${(err as Error).message}\nnotifications: ${(await workbench.notifications()).join(' | ') || '-'}`);
    });
    await panel.locator('.token.selected').first().waitFor({ timeout: 30_000 });
    await workbench.screenshot('64-families-explain-chat');
    await panel.locator('.token-strip').scrollIntoViewIfNeeded();
    await workbench.screenshot('65-families-explain-chat-tokens');
    const seen = await panel.$$eval('.token[data-index]', (els) =>
      els.map((e) => ({
        text: (e.textContent ?? '').replace(/·/g, ' '),
        kind: e.classList.contains('generated') ? 'generated' : e.classList.contains('template') ? 'template' : 'question',
        selected: e.classList.contains('selected'),
      })),
    );
    const of = (kind: string): string => seen.filter((s) => s.kind === kind).map((s) => s.text).join('');
    const firstGenerated = seen.findIndex((s) => s.kind === 'generated');
    assert.ok(firstGenerated > 0, `the answer's tokens are marked as generated, after the prompt: ${JSON.stringify(seen)}`);
    assert.ok(seen.slice(firstGenerated).every((s) => s.kind === 'generated'), 'every token after the prompt is the answer');
    assert.ok(seen[firstGenerated].selected, 'the first answer token is the selected query');
    // ChatML as the template writes it: its special tokens and its words are template tokens.
    assert.match(of('template'), /^<\|im_start\|>system\n?.*<\|im_start\|>user.*<\|im_end\|>.*<\|im_start\|>assistant/s, `template tokens: ${of('template')}`);
    assert.equal(of('question'), ref.text, 'the question tokens are the selection');
    const notice = (await panel.locator('#notice').textContent()) ?? '';
    assert.match(notice, /generated by the model/);
    assert.match(notice, /chat template/);
    // Leave the file as it was (a dirty editor would hold up closing them all).
    fs.writeFileSync(path.join(workspace.dir, QUESTION_FILE), ref.text);
    await openByQuickOpen(page, QUESTION_FILE);
    await workbench.runCommand('File: Revert File');
  });

  // Last in the suite: after its clicks in the Heads tab, the panel of the next Explain Completion
  // selected token 35 instead of the first answer token (seen 2026-12-07, cause not yet found; issue 15).
  it("the Heads tab names each head's K/V group as the overview does", async function () {
    this.timeout(60_000);
    const { nLayer, nHead, nKvHead } = ref;
    await frame.locator('#tab-heads').click();
    const rows = '#heads-table tbody tr[data-layer][data-head]';
    await frame.waitForFunction(([sel, n]) => document.querySelectorAll(sel as string).length === n, [rows, nLayer * nHead] as const, { timeout: 30_000 });
    const cells = await frame.$$eval(rows, (els) => els.map((e) => [e.getAttribute('data-head'), e.getAttribute('data-kv-group'), e.querySelector('td.kv')?.textContent ?? '']));
    for (const [h, g, text] of cells) {
      const want = Math.floor(Number(h) / (nHead / nKvHead));
      assert.equal(Number(g), want, `head ${h} reads K/V group ${g}`);
      assert.equal(text, `K/V ${want}`);
    }
    await frame.locator('#tab-overview').click();
  });
});
