// The writer's scenario, as a user runs it: put the cursor after some prose, run
// "Attention Lens: Complete" from the palette, watch the text stream in, undo it in one step,
// read tokens/s in the status bar; explain a completion in the attention panel; pick one of
// several suggested continuations; stop a long completion with the notification's Cancel button
// and with Escape, keeping what was inserted; and see it stop, keeping what was inserted and
// saying why, when the document is edited elsewhere or its editor is closed while it streams.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gpt2Config, randomWeights } from '../../bench/randomCheckpoint';
import { CHAR_TO_BYTE } from '../../src/engine/byteLevel';
import { saveCheckpoint } from '../../src/engine/checkpoint';
import { tinyModelDir } from './lib/paths';
import { session } from './lib/session';
import { OPENING, activeEditor, editorText, freshFile, generatingCount, lastRunTokens, openByQuickOpen, statusLabel, waitForLongerThan, waitForNotification, waitForStatus } from './lib/writer';

const FILE = 'writer.txt';

describe('Writers: Complete', function () {
  let settingsFile: string;
  let originalSettings: string;

  function writeSettings(extra: Record<string, unknown>): void {
    const base = JSON.parse(originalSettings) as Record<string, unknown>;
    fs.writeFileSync(settingsFile, JSON.stringify({ ...base, ...extra }, null, 2));
  }

  before(async function () {
    this.timeout(60_000);
    const { workspace } = session();
    settingsFile = path.join(workspace.dir, '.vscode', 'settings.json');
    originalSettings = fs.readFileSync(settingsFile, 'utf8');
    writeSettings({ 'attentionLens.completion.seed': 7, 'attentionLens.completion.maxNewTokens': 24 });
    fs.writeFileSync(path.join(workspace.dir, FILE), OPENING);
  });

  after(async function () {
    this.timeout(60_000);
    fs.writeFileSync(settingsFile, originalSettings);
    const { workbench } = session();
    // Leave no dirty editor or panel behind for the next suites.
    await freshFile(workbench.page, FILE).catch(() => undefined);
    await workbench.runCommand('View: Close All Editors').catch(() => undefined);
  });

  it('streams a continuation after the cursor, undoes it in one step, and shows tokens/s in the status bar', async function () {
    this.timeout(180_000);
    const { workbench } = session();
    const page = workbench.page;
    await freshFile(page, FILE);
    assert.equal(await editorText(page), OPENING);
    await workbench.runCommand('Attention Lens: Complete');
    const label = await waitForStatus(page, /tok\/s/, 150_000).catch(async (err) => {
      await workbench.screenshot('20-complete-failed');
      throw new Error(`${(err as Error).message}\nstatus: ${await statusLabel(page)}\nnotifications: ${(await workbench.notifications()).join(' | ')}`);
    });
    await page.waitForTimeout(300); // the last edit lands just before the status changes
    const after = await editorText(page);
    await workbench.screenshot('20-complete');
    assert.match(label, /\d+(\.\d)? tok\/s/, `status bar: ${label}`);
    assert.ok(after.startsWith(OPENING), `the prompt is kept: ${JSON.stringify(after.slice(0, 120))}`);
    assert.ok(after.length > OPENING.length, `text was inserted after the cursor: ${JSON.stringify(after)}`);

    await workbench.focusEditor();
    await page.keyboard.press('Control+Z');
    await page.waitForFunction(
      ([sel, text]) =>
        [...document.querySelectorAll(sel)]
          .map((e) => ({ top: parseFloat((e as HTMLElement).style.top) || 0, text: (e.textContent ?? '').replace(/\u00a0/g, ' ') }))
          .sort((a, b) => a.top - b.top)
          .map((l) => l.text)
          .join('\n') === text,
      [`${activeEditor} .view-lines .view-line`, OPENING] as const,
      { timeout: 10_000 },
    ).catch(() => undefined); // the assertion says what is there
    await workbench.screenshot('21-complete-undone');
    assert.equal(await editorText(page), OPENING, 'one Ctrl+Z removes the whole completion');
  });

  it('Explain Completion opens the attention panel with the generated tokens marked', async function () {
    this.timeout(180_000);
    const { workbench } = session();
    const page = workbench.page;
    await freshFile(page, FILE);
    // The document changed since the last completion: Explain completes first, then explains.
    await workbench.runCommand('Attention Lens: Explain Completion');
    const frame = await workbench.findWebviewFrame('.token.generated', 150_000).catch(async (err) => {
      await workbench.screenshot('22-explain-failed');
      throw err;
    });
    await frame.locator('.token.selected').first().waitFor({ timeout: 30_000 });
    await workbench.screenshot('22-explain-completion');
    const counts = await frame.$$eval('.token[data-index]', (els) => ({
      all: els.length,
      generated: els.filter((e) => e.classList.contains('generated')).length,
      selectedIsGenerated: els.some((e) => e.classList.contains('selected') && e.classList.contains('generated')),
      firstGenerated: els.findIndex((e) => e.classList.contains('generated')),
    }));
    assert.ok(counts.generated > 0, `generated tokens are marked: ${JSON.stringify(counts)}`);
    assert.ok(counts.firstGenerated > 0, `prompt tokens come first, unmarked: ${JSON.stringify(counts)}`);
    assert.ok(counts.selectedIsGenerated, 'the first generated token is the selected query');
    assert.match((await frame.locator('#notice').textContent()) ?? '', /generated by the model/);
  });

  it('Suggest Continuations lists samples with their mean log-probability and inserts the one picked', async function () {
    this.timeout(180_000);
    const { workbench } = session();
    const page = workbench.page;
    await freshFile(page, FILE);
    const before = await editorText(page);
    await workbench.runCommand('Attention Lens: Suggest Continuations');
    const rows = page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
    await rows.first().waitFor({ timeout: 150_000 });
    await workbench.screenshot('23-suggestions');
    const descriptions = await page.$$eval('.quick-input-widget .quick-input-list .monaco-list-row', (els) => els.map((e) => e.textContent ?? ''));
    assert.ok(descriptions.length >= 1, 'at least one suggestion');
    for (const d of descriptions) assert.match(d, /mean log p -?\d+\.\d\d/, `each row shows its mean log-probability: ${d}`);
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      ([sel, n]) => [...document.querySelectorAll(sel)].map((e) => e.textContent ?? '').join('\n').length > n,
      [`${activeEditor} .view-lines .view-line`, before.length] as const,
      { timeout: 10_000 },
    ).catch(() => undefined);
    const after = await editorText(page);
    await workbench.screenshot('24-suggestion-inserted');
    assert.ok(after.startsWith(before) && after.length > before.length, `the picked continuation was inserted: ${JSON.stringify(after)}`);
    await workbench.focusEditor();
    await page.keyboard.press('Control+Z');
    await page
      .waitForFunction(
        ([sel, n]) => [...document.querySelectorAll(sel)].map((e) => e.textContent ?? '').join('\n').length === n,
        [`${activeEditor} .view-lines .view-line`, before.length] as const,
        { timeout: 10_000 },
      )
      .catch(() => undefined);
    assert.equal(await editorText(page), before, 'one Ctrl+Z removes the inserted suggestion');
  });

  // Needs the extension active (the tests above run its commands): the provider is registered on activation.
  it('shows ghost text while typing when inline completions are on, and Tab accepts it', async function () {
    this.timeout(120_000);
    const { workbench } = session();
    const page = workbench.page;
    writeSettings({ 'attentionLens.completion.seed': 7, 'attentionLens.inlineCompletions.enabled': true, 'attentionLens.inlineCompletions.debounceMs': 100 });
    await page.waitForTimeout(1000); // the settings file is watched
    await freshFile(page, FILE);
    // The trailing space closes the word-suggestion widget (which would hide the ghost text).
    await page.keyboard.type(' and ', { delay: 50 });
    const typed = `${OPENING} and `;
    const ghost = page.locator(`${activeEditor} [class*="ghost-text"]`).first();
    await ghost.waitFor({ timeout: 60_000 }).catch(async (err) => {
      await workbench.screenshot('29-ghost-text-failed');
      throw err;
    });
    await workbench.screenshot('29-ghost-text');
    await page.keyboard.press('Tab');
    await page
      .waitForFunction(
        ([sel, n]) => [...document.querySelectorAll(sel)].map((e) => e.textContent ?? '').join('\n').length > n,
        [`${activeEditor} .view-lines .view-line`, typed.length] as const,
        { timeout: 10_000 },
      )
      .catch(() => undefined);
    const after = await editorText(page);
    await workbench.screenshot('30-ghost-text-accepted');
    writeSettings({ 'attentionLens.completion.seed': 7, 'attentionLens.completion.maxNewTokens': 24 });
    assert.ok(after.startsWith(typed) && after.length > typed.length, `Tab inserted the ghost text: ${JSON.stringify(after)}`);
    assert.ok(!after.slice(typed.length).includes('\n'), 'ghost text stays on the line');
  });

  describe('a long completion', function () {
    const maxNewTokens = 1000;

    before(async function () {
      this.timeout(120_000);
      // A model slow enough to stop by hand: random weights, 1024 positions, the tiny tokenizer.
      const dir = path.join(session().server.tmpDir, 'slow-model');
      fs.mkdirSync(dir, { recursive: true });
      const config = gpt2Config({ vocabSize: 557, nPositions: 1024, nEmbd: 384, nLayer: 6, nHead: 6, name: 'slow-random' });
      const weights = randomWeights(config, { seed: 5 });
      // <|endoftext|> (id 556) gets a zero embedding, hence a zero logit: the run is not cut short by it.
      const wte = weights.get('wte.weight')!.data;
      wte.fill(0, 556 * config.nEmbd, 557 * config.nEmbd);
      // A token holding a byte of a multi-byte character holds the stream back until the run ends
      // (runCompletion), and random weights pick one within a few tokens: the tests would then
      // interfere with a run that inserts nothing more. Tokens that are not printable ASCII (or a
      // line break) get a logit far below the others' (about −25 against ±1): ln_f's bias puts 5
      // on h[0], and their embeddings −5 there.
      weights.get('ln_f.bias')!.data[0] = 5;
      const vocab = JSON.parse(fs.readFileSync(path.join(tinyModelDir, 'vocab.json'), 'utf8')) as Record<string, number>;
      for (const [piece, id] of Object.entries(vocab)) {
        const bytes = [...piece].map((c) => CHAR_TO_BYTE.get(c) ?? -1);
        if (bytes.some((b) => b < 0 || b >= 0x7f || (b < 0x20 && b !== 0x0a))) wte[id * config.nEmbd] = -5;
      }
      saveCheckpoint(dir, config, weights, { dtype: 'F32' });
      for (const f of ['vocab.json', 'merges.txt', 'tokenizer.json']) fs.copyFileSync(path.join(tinyModelDir, f), path.join(dir, f));
      // Auto save as VS Code for the Web has it (afterDelay, 1 s): on a loaded machine the stream
      // stalls longer than that now and then, and an auto save landing mid-stream would close VS
      // Code's undo group and split the completion into two undo steps. The stream keeps auto save
      // postponed while it is open (StreamingInsert's touch), so every one-step undo check below
      // also checks that (issue 19). A delay of 100 ms is too short for that on a loaded machine:
      // an edit's trip from the extension host to the editor then took longer than the delay.
      writeSettings({
        'attentionLens.modelPath': dir,
        'attentionLens.completion.maxNewTokens': maxNewTokens,
        'attentionLens.completion.seed': 3,
        'files.autoSave': 'afterDelay',
        'files.autoSaveDelay': 1000,
      });
      await session().workbench.page.waitForTimeout(1500); // the settings file is watched
    });

    for (const how of ['Cancel', 'Escape'] as const) {
      it(`stops on ${how === 'Cancel' ? "the notification's Cancel button" : 'Escape'} and keeps what was inserted`, async function () {
        this.timeout(240_000);
        // Until 2026-12-08 the kept text now and then undid in two steps: an auto save landed
        // mid-stream after a stall longer than the auto save delay (the extension's log said "saved
        // 1 time(s) while it streamed"). The stream now postpones auto save while it is open.
        const { workbench } = session();
        const page = workbench.page;
        await freshFile(page, FILE);
        await workbench.runCommand('Attention Lens: Complete');
        await waitForStatus(page, /generating ([3-9]|\d\d+)/, 90_000).catch(async (err) => {
          await workbench.screenshot(`25-long-${how}-failed`);
          throw new Error(`${(err as Error).message}\nstatus: ${await statusLabel(page)}`);
        });
        if (how === 'Cancel') {
          const cancel = page.locator('.notification-toast .monaco-button', { hasText: 'Cancel' }).first();
          await cancel.waitFor({ timeout: 10_000 });
          await workbench.screenshot('25-long-completion-cancel');
          await cancel.click();
        } else {
          await workbench.screenshot('27-long-completion-escape');
          // The editor has the focus back from the palette. No click: a click moves the cursor,
          // and VS Code closes the document's undo group on a cursor move, which would make the
          // text streamed after the click a second undo step.
          await page.waitForSelector(`${activeEditor}.focused`, { timeout: 10_000 });
          await page.keyboard.press('Escape');
        }
        const stopped = await waitForStatus(page, /tok\/s/, 30_000).catch(async (err) => {
          await workbench.screenshot(`26-long-${how}-not-stopped`);
          throw new Error(`${(err as Error).message}\nstatus: ${await statusLabel(page)}`);
        });
        assert.equal(await generatingCount(page), -1, `not generating any more: ${stopped}`);
        await page.waitForTimeout(500);
        const text = await editorText(page);
        await page.waitForTimeout(1500);
        await workbench.screenshot(how === 'Cancel' ? '26-long-completion-cancelled' : '28-long-completion-escaped');
        assert.equal(await editorText(page), text, 'nothing is inserted after the stop');
        assert.ok(text.startsWith(OPENING) && text.length > OPENING.length, 'what was generated before the stop is kept');
        // What was kept is still one undo step.
        await workbench.focusEditor();
        await page.keyboard.press('Control+Z');
        await page
          .waitForFunction(
            ([sel, want]) => [...document.querySelectorAll(sel)].map((e) => (e.textContent ?? '').replace(/\u00a0/g, ' ')).join('\n') === want,
            [`${activeEditor} .view-lines .view-line`, OPENING] as const,
            { timeout: 10_000 },
          )
          .catch(() => undefined); // the assertion says what is there
        const undone = await editorText(page);
        assert.equal(undone, OPENING, `one Ctrl+Z removes the stopped completion (${how}): ${text.length} characters before it, ${undone.length} after`);
      });
    }

    /** Starts a long completion in a fresh file and waits until some of it has streamed in. */
    async function streaming(shot: string): Promise<void> {
      const { workbench } = session();
      const page = workbench.page;
      await workbench.runCommand('Notifications: Clear All Notifications');
      await freshFile(page, FILE);
      await workbench.runCommand('Attention Lens: Complete');
      await waitForStatus(page, /generating ([3-9]|\d\d+)/, 90_000).catch(async (err) => {
        await workbench.screenshot(`${shot}-failed`);
        throw new Error(`${(err as Error).message}\nstatus: ${await statusLabel(page)}`);
      });
      await waitForLongerThan(page, OPENING.length, 30_000);
      await workbench.screenshot(shot);
    }

    /** Waits until the run has stopped early; returns its notice and the text, checked to stay put. */
    async function stoppedBy(notice: RegExp, shot: string): Promise<{ message: string; text: string }> {
      const { workbench } = session();
      const page = workbench.page;
      const stopped = await waitForStatus(page, /tok\/s/, 30_000).catch(async (err) => {
        await workbench.screenshot(`${shot}-not-stopped`);
        throw new Error(`${(err as Error).message}\nstatus: ${await statusLabel(page)}`);
      });
      assert.equal(await generatingCount(page), -1, `not generating any more: ${stopped}`);
      const message = await waitForNotification(page, notice, 15_000);
      const tokens = await lastRunTokens(page);
      assert.ok(tokens < maxNewTokens, `the generation stopped, not just the insertion: ${tokens} tokens`);
      await page.waitForTimeout(500);
      const text = await editorText(page);
      await page.waitForTimeout(1500);
      await workbench.screenshot(shot);
      assert.equal(await editorText(page), text, 'nothing is inserted after the stop');
      return { message, text };
    }

    it('stops when the user types into the document, keeping both texts, and says why', async function () {
      this.timeout(240_000);
      const { workbench } = session();
      const page = workbench.page;
      await streaming('33-long-completion-edit');
      // The editor has the focus back from the palette; the user types where the cursor is.
      const typed = ' [note]';
      await page.waitForSelector(`${activeEditor}.focused`, { timeout: 10_000 });
      await page.keyboard.type(typed, { delay: 30 });
      const { message, text } = await stoppedBy(/edited while the completion streamed/, '34-long-completion-edited');
      assert.ok(text.startsWith(OPENING), `the prompt is intact: ${JSON.stringify(text.slice(0, 120))}`);
      assert.ok(text.includes(typed), `what the user typed is there: ${JSON.stringify(text)}`);
      const kept = /the (\d+) characters already inserted were kept/.exec(message);
      assert.ok(kept, `the notification says what was kept: ${message}`);
      assert.ok(Number(kept[1]) > 0, `something streamed before the edit: ${message}`);
      assert.equal(text.length, OPENING.length + Number(kept[1]) + typed.length, `the document holds the prompt, what was kept and what was typed: ${message}`);
      await workbench.runCommand('Notifications: Clear All Notifications');
    });

    it('stops when the user moves the cursor, says why, and Ctrl+Z takes back what it inserted', async function () {
      this.timeout(240_000);
      const { workbench } = session();
      const page = workbench.page;
      await streaming('39-long-completion-cursor');
      // A cursor move would end VS Code's undo group, so the completion stops there.
      await page.waitForSelector(`${activeEditor}.focused`, { timeout: 10_000 });
      await page.keyboard.press('Control+Home');
      const { message, text } = await stoppedBy(/cursor was moved while the completion streamed/, '39-long-completion-cursor-moved');
      const kept = /the (\d+) characters already inserted were kept/.exec(message);
      assert.ok(kept, `the notification says what was kept: ${message}`);
      assert.equal(text.length, OPENING.length + Number(kept[1]), `the document holds the prompt and what was kept: ${message}`);
      // One Ctrl+Z removes it, or two when one of its edits was on its way as the cursor moved: that
      // edit lands after the move, which has already closed the undo group.
      let undos = 0;
      while (undos < 2 && (await editorText(page)) !== OPENING) {
        await page.keyboard.press('Control+Z');
        undos++;
        await page.waitForTimeout(1000);
      }
      assert.equal(await editorText(page), OPENING, `Ctrl+Z removes the stopped completion (${undos} undo steps)`);
      await workbench.runCommand('Notifications: Clear All Notifications');
    });

    it('stops when its editor is closed, and the file keeps what was inserted', async function () {
      this.timeout(240_000);
      const { workbench, workspace } = session();
      const page = workbench.page;
      const file = path.join(workspace.dir, FILE);
      const tab = `.tabs-container .tab[aria-label^="${FILE}"]`;
      await workbench.runCommand('Notifications: Clear All Notifications');
      await freshFile(page, FILE);
      await workbench.runCommand('Attention Lens: Complete');
      await waitForStatus(page, /generating ([3-9]|\d\d+)/, 90_000).catch(async (err) => {
        await workbench.screenshot('35-long-close-failed');
        throw new Error(`${(err as Error).message}\nstatus: ${await statusLabel(page)}`);
      });
      await waitForLongerThan(page, OPENING.length, 30_000);
      await workbench.screenshot('35-long-completion-close');
      await workbench.runCommand('View: Close Editor');
      // The streamed text is unsaved (each edit postpones the auto save). VS Code for the Web's
      // auto save (afterDelay, 1 s: a "short delay") closes such an editor without asking and saves
      // the document a moment later; with other settings VS Code asks, and the user saves.
      const save = page.locator('.monaco-dialog-box .dialog-buttons .monaco-button', { hasText: /^Save$/ });
      await page.waitForFunction(
        ([t, d]) => !document.querySelector(t) || document.querySelector(d) !== null,
        [tab, '.monaco-dialog-box'] as const,
        { timeout: 10_000 },
      );
      if ((await save.count()) > 0) {
        await workbench.screenshot('36-long-completion-save-prompt');
        await save.first().click();
      }
      const stopped = await waitForStatus(page, /tok\/s/, 30_000).catch(async (err) => {
        await workbench.screenshot('37-long-close-not-stopped');
        throw new Error(`${(err as Error).message}\nstatus: ${await statusLabel(page)}`);
      });
      assert.equal(await generatingCount(page), -1, `not generating any more: ${stopped}`);
      await page.waitForSelector(tab, { state: 'detached', timeout: 10_000 }).catch(() => undefined);
      const message = await waitForNotification(page, /(editor|document) was closed while the completion streamed/, 15_000);
      const kept = /the (\d+) characters already inserted were kept/.exec(message);
      assert.ok(kept, `the notification says what was kept: ${message}`);
      const tokens = await lastRunTokens(page);
      assert.ok(tokens < maxNewTokens, `closing stopped the generation, not just the insertion: ${tokens} tokens`);
      // The save lands within the auto save delay; then nothing more is written.
      const expectedLength = OPENING.length + Number(kept[1]);
      for (let i = 0; i < 40 && fs.readFileSync(file, 'utf8').length !== expectedLength; i++) await page.waitForTimeout(250);
      const saved = fs.readFileSync(file, 'utf8');
      await page.waitForTimeout(1500);
      await workbench.screenshot('37-long-completion-closed');
      const notes = await workbench.notifications();
      assert.equal(await page.locator(tab).count(), 0, 'the editor is closed');
      assert.equal(await page.locator('.monaco-dialog-box').count(), 0, 'no dialog is left open');
      assert.equal(await page.locator('.notification-toast .codicon-error').count(), 0, `no error notification: ${notes.join(' | ')}`);
      assert.ok(!notes.some((n) => /failed|edited while/.test(n)), `only the closed message: ${notes.join(' | ')}`);
      assert.equal(fs.readFileSync(file, 'utf8'), saved, 'nothing is written to the file after the stop');
      assert.ok(saved.startsWith(OPENING) && saved.length > OPENING.length, `the file holds the prompt and what was inserted: ${JSON.stringify(saved)}`);
      assert.equal(saved.length, expectedLength, `the file holds what the notification says was kept: ${message}`);

      // Opened again, the editor shows the saved file: nothing was left unsaved in VS Code's copy.
      await openByQuickOpen(page, FILE);
      await workbench.screenshot('38-long-completion-reopened');
      assert.equal(await editorText(page), saved, 'the reopened editor shows the saved text');
      await workbench.runCommand('Notifications: Clear All Notifications');
    });
  });
});
