// Chinese text with a vocabulary that splits characters into their UTF-8 bytes (the bundled model's
// today; issue 20): Show Attention on a sentence of samples/paragraph.zh.txt. The token strip never
// shows "�": a token that holds part of a character shows the character and a part marker (自¹⁄₃),
// its chip's tooltip gives the bytes, and read back from the chips (each character once, at its
// first part) the strip spells the sentence. The chips are the labels shared/tokenLabels.ts makes
// for the model's own tokens of the sentence (computed here from its tokenizer), so the suite follows
// a new bundled vocabulary. The predictions show no "�" either, and the Layer Stepper, which follows
// the panel, shows the same labels on its query chips, and none in its logit lens.
import * as assert from 'node:assert/strict';
import type { Frame } from 'playwright-core';
import { loadTokenizer } from '../../src/engine/loadTokenizer';
import { describeLabel, labelTokens } from '../../src/shared/tokenLabels';
import { session } from './lib/session';

const sentence = '自注意力让模型读到每个词时，都回头看一遍前面所有的词，再决定各看多少。';
const chips = '.token[data-index]';
const stepperChips = 'body.layer-stepper .chip[data-index]';
const SUP = '⁰¹²³⁴⁵⁶⁷⁸⁹';

interface Chip {
  text: string;
  title: string;
  /** Each piece of the chip: a text node's text, or a part marker (span.part) as '|' + its text. */
  pieces: string[];
}

async function readChips(frame: Frame): Promise<Chip[]> {
  return frame.$$eval(chips, (els) =>
    els.map((e) => ({
      text: e.textContent ?? '',
      title: e.getAttribute('title') ?? '',
      pieces: [...e.childNodes].map((n) => (n instanceof HTMLElement && n.classList.contains('part') ? `|${n.textContent ?? ''}` : (n.textContent ?? ''))),
    })),
  );
}

/** The text the chips spell: whole text as shown, a split character once (where its first byte is). */
function spelled(list: Chip[]): string {
  let out = '';
  for (const c of list) {
    c.pieces.forEach((p, i) => {
      if (p.startsWith('|')) return;
      const next = c.pieces[i + 1];
      if (next?.startsWith('|')) {
        // the piece ends with the character the marker belongs to; keep it only at its first byte
        const first = SUP.indexOf(next[1]) === 1;
        out += first ? p : p.slice(0, -[...p].slice(-1)[0].length);
      } else out += p;
    });
  }
  return out.replace(/·/g, ' ');
}

describe('Chinese text with a byte-level vocabulary', function () {
  let frame: Frame;

  before(async function () {
    this.timeout(240_000);
    const { workbench, workspace } = session();
    if (workspace.model.kind !== 'bundled') this.skip(); // the byte splits below are the bundled vocabulary's
    await workbench.runCommand('View: Show Explorer');
    await workbench.openFile('paragraph.zh.txt');
    await workbench.selectText(sentence);
    await workbench.runCommand('Attention Lens: Show Attention');
    const deadline = Date.now() + 150_000;
    while (Date.now() < deadline) {
      frame = await workbench.findWebviewFrame(chips, 150_000);
      const list = await readChips(frame).catch(() => []);
      if (list.length > 0 && spelled(list) === sentence) return;
      await workbench.page.waitForTimeout(250);
    }
    await workbench.screenshot('40-chinese-failed');
    throw new Error(`the panel does not spell the sentence: "${spelled(await readChips(frame))}"`);
  });

  // The suites after this one expect the Explorer, not the Attention Lens view this one opens.
  after(async function () {
    this.timeout(60_000);
    await session().workbench.runCommand('View: Show Explorer');
  });

  it('shows split characters as the character with a part marker, never "�"', async function () {
    this.timeout(60_000);
    const { workbench, workspace } = session();
    const list = await readChips(frame);
    await workbench.screenshot('41-chinese-tokens');
    const bad = list.filter((c) => c.text.includes('\ufffd'));
    assert.deepEqual(bad.map((c) => c.title), [], 'no chip shows U+FFFD');
    const expected = labelTokens(loadTokenizer(workspace.model.dir).encode(sentence));
    assert.deepEqual(list.map((c) => c.text), expected.map((l) => l.text), 'the chips show the labels of the model’s tokens');
    const split = expected.filter((l) => l.partial).length;
    const marked = list.filter((c) => c.pieces.some((p) => p.startsWith('|'))).length;
    assert.equal(marked, split, `every token holding part of a character is marked (${marked} of ${list.length} chips)`);
    assert.ok(split > 0, 'the bundled vocabulary splits some of these characters (else this suite checks nothing)');
    // e.g. 自 = E8 87 AA cut into single bytes: "自¹⁄₃" with "part of 自 (U+81EA): bytes 1 of 3, E8" in its tooltip
    const i = expected.findIndex((l) => l.partial);
    for (const line of describeLabel(expected[i])) assert.ok(list[i].title.includes(line), `chip ${i}'s tooltip "${list[i].title}" has "${line}"`);
  });

  it('shows the predictions and the Layer Stepper without "�" too', async function () {
    this.timeout(240_000);
    const { workbench } = session();
    const page = workbench.page;
    await frame.waitForFunction(
      () => document.querySelector('.predictions-card')?.getAttribute('aria-busy') === 'false' && document.querySelectorAll('.pred-row').length > 0,
      undefined,
      { timeout: 60_000 },
    );
    const preds = await frame.$$eval('.pred-token', (els) => els.map((e) => e.textContent ?? ''));
    assert.ok(preds.length > 0 && preds.every((p) => !p.includes('\ufffd')), `predictions: ${preds.join(' | ')}`);

    const item = page.locator('.activitybar .action-item', { has: page.locator('a[aria-label^="Attention Lens"]') }).first();
    await item.waitFor({ timeout: 60_000 });
    if (!((await item.getAttribute('class')) ?? '').split(/\s+/).includes('checked')) await item.locator('a').click();
    const stepper = await workbench.findWebviewFrame(stepperChips, 120_000);
    const panelTexts = (await readChips(frame)).map((c) => c.text);
    const panelCount = panelTexts.length;
    let texts: string[] = [];
    for (let i = 0; i < 240; i++) {
      texts = await stepper.$$eval(stepperChips, (els) => els.map((e) => e.textContent ?? ''));
      if (texts.length === panelCount && texts.join('') === panelTexts.join('')) break;
      await page.waitForTimeout(250);
    }
    await workbench.screenshot('42-chinese-stepper');
    assert.equal(texts.length, panelCount, 'the stepper shows the panel’s tokens');
    assert.ok(texts.every((t) => !t.includes('\ufffd')), `stepper chips: ${texts.slice(0, 12).join(' ')}`);
    assert.deepEqual(texts, panelTexts, 'the stepper’s chips show the panel’s labels');

    // the logit lens: every cell's top prediction and its tooltip (the top 5, bytes included)
    await stepper.locator('button.tab.lens').click();
    await stepper.waitForSelector('table.lens-grid td[data-position]', { timeout: 120_000 });
    const cells = await stepper.$$eval('table.lens-grid td[data-position], table.lens-grid th[data-position]', (els) =>
      els.map((e) => `${e.textContent ?? ''} ${e.getAttribute('title') ?? ''}`),
    );
    await workbench.screenshot('43-chinese-logit-lens');
    assert.ok(cells.length > panelCount, `lens cells: ${cells.length}`);
    assert.deepEqual(cells.filter((c) => c.includes('\ufffd')), [], 'no lens cell shows U+FFFD');
    await stepper.locator('button.tab.steps').click();
  });
});
