// The completion edge cases a writer meets, as a user drives them: "Complete with Options…" and its
// six quick inputs (max new tokens, temperature, top-k, top-p, seed, stop sequences); the status
// bar item's menu (model name and state codicon, switch model, inline completions on/off, settings);
// Complete in a read-only editor; a second Complete while one runs.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { gpt2Config, randomWeights } from '../../bench/randomCheckpoint';
import { saveCheckpoint } from '../../src/engine/checkpoint';
import { tinyModelDir } from './lib/paths';
import { session } from './lib/session';
import { OPENING, activeEditor, editorText, freshFile, lastRunTokens, openByQuickOpen, statusItem, statusLabel, waitForStatus, waitForText } from './lib/writer';

const FILE = 'options-writer.txt';
const LOCKED = 'locked-notes.txt';
const quickInput = '.quick-input-widget';
const quickInputBox = `${quickInput} .quick-input-box input`;
const quickRows = `${quickInput} .quick-input-list .monaco-list-row`;

/** Fills the six inputs of "Complete with Options…" one after the other (Enter on each). */
async function completeWithOptions(page: Page, values: [string, string, string, string, string, string]): Promise<void> {
  // Not workbench.runCommand: the first input box reuses the palette's widget, so it never hides.
  const name = 'Attention Lens: Complete with Options…';
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('F1');
    await page.waitForSelector(`${quickInputBox}:visible`, { timeout: 10_000 });
    await page.fill(quickInputBox, `>${name}`);
    const row = page.locator(quickRows).filter({ has: page.locator('.label-name', { hasText: name }) }).first();
    try {
      await row.waitFor({ timeout: 15_000 });
      await row.click();
      await page.locator(`${quickInput} .quick-input-title`, { hasText: '(1/6)' }).waitFor({ timeout: 30_000 });
      break;
    } catch (err) {
      await page.keyboard.press('Escape');
      if (attempt === 3) throw err;
    }
  }
  for (let step = 1; step <= 6; step++) {
    const title = page.locator(`${quickInput} .quick-input-title`, { hasText: `(${step}/6)` });
    await title.waitFor({ timeout: 30_000 });
    await page.fill(quickInputBox, values[step - 1]);
    // The input is valid: no validation message under it.
    await page.waitForSelector(`${quickInput} .quick-input-message .codicon-error`, { state: 'detached', timeout: 5000 }).catch(() => undefined);
    await page.keyboard.press('Enter');
    await title.waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined);
  }
}

/** Runs a completion and waits until it has finished (the status shows tok/s or the model said it ended). */
async function waitFinished(page: Page, what: string): Promise<void> {
  const workbench = session().workbench;
  await page
    .waitForFunction(
      ([sel]) => {
        const label = document.querySelector(sel)?.getAttribute('aria-label') ?? '';
        return !/generating|loading|Loading/i.test(label) && /tok\/s/.test(label);
      },
      [statusItem] as const,
      { timeout: 150_000 },
    )
    .catch(async (err) => {
      await workbench.screenshot(`40-${what}-failed`);
      throw new Error(`${(err as Error).message}\nstatus: ${await statusLabel(page)}\nnotifications: ${(await workbench.notifications()).join(' | ')}`);
    });
  await page.waitForTimeout(300); // the last edit lands just before the status changes
}

async function undoAll(page: Page): Promise<void> {
  await session().workbench.focusEditor();
  await page.keyboard.press('Control+Z');
  await waitForText(page, 'return t === a', OPENING, 10_000);
  assert.equal(await editorText(page), OPENING, 'one Ctrl+Z removes the completion');
  await page.keyboard.press('Control+End');
}

/** The model name the status item shows for the workspace's model. */
function expectedModelName(): string {
  const dir = session().workspace.model.dir;
  const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  const name = cfg._name_or_path ?? cfg.name;
  return typeof name === 'string' ? name : path.basename(dir);
}

function userSettingsFile(): string {
  return path.join(session().server.userDataDir, 'User', 'settings.json');
}

/** Waits until the user settings file says inline completions are `on`; returns the line found. */
async function waitForInlineSetting(page: Page, on: boolean): Promise<string> {
  const re = /"attentionLens\.inlineCompletions\.enabled"\s*:\s*(true|false)/;
  const deadline = Date.now() + 20_000;
  let last = '';
  while (Date.now() < deadline) {
    last = fs.readFileSync(userSettingsFile(), 'utf8');
    const m = re.exec(last);
    if (m && m[1] === String(on)) return m[0];
    await page.waitForTimeout(250);
  }
  throw new Error(`user settings do not say inline completions are ${on ? 'on' : 'off'}: ${last}`);
}

describe('Writers: Complete with Options, status menu, read-only, a second Complete', function () {
  let settingsFile: string;
  let originalSettings: string;
  let originalUserSettings: string;

  function writeSettings(extra: Record<string, unknown>): void {
    const base = JSON.parse(originalSettings) as Record<string, unknown>;
    fs.writeFileSync(settingsFile, JSON.stringify({ ...base, ...extra }, null, 2));
  }

  before(async function () {
    this.timeout(60_000);
    const { workspace } = session();
    settingsFile = path.join(workspace.dir, '.vscode', 'settings.json');
    originalSettings = fs.readFileSync(settingsFile, 'utf8');
    originalUserSettings = fs.readFileSync(userSettingsFile(), 'utf8');
    fs.writeFileSync(path.join(workspace.dir, FILE), OPENING);
  });

  after(async function () {
    this.timeout(60_000);
    fs.writeFileSync(settingsFile, originalSettings);
    fs.writeFileSync(userSettingsFile(), originalUserSettings);
    const { workbench } = session();
    await freshFile(workbench.page, FILE).catch(() => undefined);
    await workbench.runCommand('View: Close All Editors').catch(() => undefined);
  });

  it('Complete with Options: max new tokens bounds the run, a seed repeats it, a stop sequence cuts it', async function () {
    this.timeout(300_000);
    const { workbench } = session();
    const page = workbench.page;

    // Max new tokens 3.
    await freshFile(page, FILE);
    await completeWithOptions(page, ['3', '1', '0', '1', '11', '']);
    await waitFinished(page, 'options-max3');
    const short = await editorText(page);
    await workbench.screenshot('40-options-max-3');
    assert.ok(short.startsWith(OPENING) && short.length > OPENING.length, `text was inserted: ${JSON.stringify(short)}`);
    const tokens = await lastRunTokens(page);
    await workbench.screenshot('41-options-max-3-hover');
    assert.ok(tokens >= 1 && tokens <= 3, `at most 3 tokens were generated: ${tokens}`);
    await undoAll(page);

    // The same seed twice: the same text twice.
    const seeded: [string, string, string, string, string, string] = ['10', '1', '0', '1', '1234', ''];
    await completeWithOptions(page, seeded);
    await waitFinished(page, 'options-seed-1');
    const first = (await editorText(page)).slice(OPENING.length);
    await workbench.screenshot('42-options-seed-first');
    assert.ok(first.length > 0, 'the seeded run inserted text');
    await undoAll(page);
    await completeWithOptions(page, seeded);
    await waitFinished(page, 'options-seed-2');
    await waitForText(page, 'return t.length >= a', OPENING.length + first.length, 5000);
    const second = (await editorText(page)).slice(OPENING.length);
    await workbench.screenshot('43-options-seed-second');
    assert.equal(second, first, 'the same seed gives the same continuation');
    await undoAll(page);

    // A stop sequence: the last character of that continuation that occurs once in it. The engine
    // cuts before it and drops the token that straddles it whole: what is inserted is a prefix of
    // the seeded text that ends before the stop.
    const chars = [...first];
    let at = -1;
    for (let i = chars.length - 1; i > 0 && at < 0; i--) {
      const c = chars[i];
      if (!' ,\\\n\r\t\uFFFD'.includes(c) && c.charCodeAt(0) < 0x7f && first.indexOf(c) === first.lastIndexOf(c)) at = first.indexOf(c);
    }
    if (at < 0) {
      console.log(`      (no usable stop character in ${JSON.stringify(first)}: stop sequence not checked)`);
      return;
    }
    const stop = first[at];
    await completeWithOptions(page, [seeded[0], seeded[1], seeded[2], seeded[3], seeded[4], stop]);
    await waitFinished(page, 'options-stop').catch(() => undefined); // a stop before any token leaves no tok/s
    await page.waitForTimeout(1500); // a run that ignored the stop would go on inserting
    const cut = (await editorText(page)).slice(OPENING.length);
    await workbench.screenshot('44-options-stop-sequence');
    const what = `stop sequence ${JSON.stringify(stop)} (at ${at}) on ${JSON.stringify(first)} gave ${JSON.stringify(cut)}`;
    assert.ok(first.startsWith(cut), `the same seeded text, cut: ${what}`);
    assert.ok(cut.length <= at && !cut.includes(stop), `cut before the stop sequence: ${what}`);
    assert.ok(first.length > at, what);
    if (cut.length > 0) await undoAll(page);
  });

  it('the status bar item shows the model and a state codicon; its menu toggles inline completions and opens the settings', async function () {
    this.timeout(120_000);
    const { workbench } = session();
    const page = workbench.page;
    await freshFile(page, FILE);
    const label = await waitForStatus(page, /Attention Lens: /, 30_000);
    const name = expectedModelName();
    assert.ok(label.includes(name), `the item names the model ${name}: ${label}`);
    const icons = await page.$$eval(`${statusItem} .codicon`, (els) => els.map((e) => e.className));
    assert.ok(icons.some((c) => /codicon-(check|circle-outline|loading|sync|error)\b/.test(c)), `a state codicon: ${JSON.stringify(icons)}`);
    assert.ok(icons.some((c) => /codicon-check\b/.test(c)), `ready after the completions above: ${JSON.stringify(icons)}`);

    const openMenu = async (): Promise<string[]> => {
      await page.locator(statusItem).first().click();
      await page.locator(quickRows, { hasText: 'Switch model' }).first().waitFor({ timeout: 15_000 });
      return page.$$eval(`${quickRows} .label-name`, (els) => els.map((e) => (e.textContent ?? '').trim()));
    };
    const pick = async (text: string): Promise<void> => {
      await page.locator(quickRows, { hasText: text }).first().click();
      await page.waitForSelector(quickInput, { state: 'hidden', timeout: 10_000 });
    };

    let rows = await openMenu();
    await workbench.screenshot('45-status-menu');
    for (const want of ['Switch model', 'Open settings', 'Show log']) assert.ok(rows.some((r) => r.includes(want)), `menu has "${want}": ${JSON.stringify(rows)}`);
    assert.ok(rows.some((r) => r.includes('Turn inline completions on')), `inline completions are off to begin with: ${JSON.stringify(rows)}`);
    await pick('Turn inline completions on');
    assert.match(await waitForInlineSetting(page, true), /true/);
    await page.locator('.part.statusbar').first().hover({ position: { x: 5, y: 5 } }).catch(() => undefined);

    rows = await openMenu();
    await workbench.screenshot('46-status-menu-inline-on');
    assert.ok(rows.some((r) => r.includes('Turn inline completions off')), `the menu offers to turn them off now: ${JSON.stringify(rows)}`);
    await pick('Turn inline completions off');
    assert.match(await waitForInlineSetting(page, false), /false/);

    await openMenu();
    await pick('Open settings');
    await page.waitForSelector('.tabs-container .tab.active[aria-label^="Settings"]', { timeout: 30_000 });
    await page.locator('.settings-editor .setting-item-contents', { hasText: /Attention Lens|attentionLens/i }).first().waitFor({ timeout: 30_000 });
    await workbench.screenshot('47-status-menu-settings');
    await workbench.runCommand('View: Close Editor');
  });

  it('Complete in a read-only editor says so and inserts nothing', async function () {
    this.timeout(120_000);
    const { workbench } = session();
    const page = workbench.page;
    writeSettings({ 'files.readonlyInclude': { [`**/${LOCKED}`]: true } });
    await page.waitForTimeout(1500); // the settings file is watched
    fs.writeFileSync(path.join(session().workspace.dir, LOCKED), OPENING);
    await openByQuickOpen(page, LOCKED);
    // VS Code marks a read-only editor's tab with a lock codicon.
    await page.waitForSelector(`.tabs-container .tab.active [class*="codicon-lock"], .tabs-container .tab.active[aria-label*="read-only" i]`, { timeout: 20_000 }).catch(() => undefined);
    await workbench.focusEditor();
    await page.keyboard.press('Control+End');
    await workbench.runCommand('Attention Lens: Complete');
    const message = page.locator('.notification-toast .notification-list-item-message', { hasText: /read-only/ }).first();
    await message.waitFor({ timeout: 90_000 }).catch(async (err) => {
      await workbench.screenshot('48-read-only-failed');
      throw new Error(`${(err as Error).message}\nstatus: ${await statusLabel(page)}\nnotifications: ${(await workbench.notifications()).join(' | ')}`);
    });
    await page.waitForTimeout(1500); // anything inserted would show by now
    await workbench.screenshot('48-read-only');
    assert.match((await message.textContent()) ?? '', /read-only.*no completion/);
    assert.equal(await editorText(page), OPENING, 'nothing was inserted');
    assert.equal(fs.readFileSync(path.join(session().workspace.dir, LOCKED), 'utf8'), OPENING);
    assert.doesNotMatch(await statusLabel(page), /generating/);
    await workbench.runCommand('Notifications: Clear All Notifications').catch(() => undefined);
    writeSettings({});
    await workbench.runCommand('View: Close Editor');
  });

  describe('a second Complete while one runs', function () {
    before(async function () {
      this.timeout(120_000);
      // A model slow enough to run a second command during the first: random weights, 1024 positions.
      const dir = path.join(session().server.tmpDir, 'slow-model-options');
      fs.mkdirSync(dir, { recursive: true });
      const config = gpt2Config({ vocabSize: 557, nPositions: 1024, nEmbd: 384, nLayer: 6, nHead: 6, name: 'slow-random' });
      const weights = randomWeights(config, { seed: 5 });
      weights.get('wte.weight')!.data.fill(0, 556 * config.nEmbd, 557 * config.nEmbd); // <|endoftext|> never ends it early
      saveCheckpoint(dir, config, weights, { dtype: 'F32' });
      for (const f of ['vocab.json', 'merges.txt', 'tokenizer.json']) fs.copyFileSync(path.join(tinyModelDir, f), path.join(dir, f));
      writeSettings({ 'attentionLens.modelPath': dir, 'attentionLens.completion.maxNewTokens': 1000, 'attentionLens.completion.seed': 3 });
      await session().workbench.page.waitForTimeout(1500); // the settings file is watched
    });

    after(function () {
      writeSettings({});
    });

    it('cancels the first: one continuation streams at a time, each its own undo step', async function () {
      this.timeout(300_000);
      const { workbench } = session();
      const page = workbench.page;
      await freshFile(page, FILE);
      await workbench.runCommand('Attention Lens: Complete');
      await waitForStatus(page, /slow-random: generating ([3-9]|\d\d+)/, 120_000).catch(async (err) => {
        await workbench.screenshot('49-second-complete-failed');
        throw new Error(`${(err as Error).message}\nstatus: ${await statusLabel(page)}`);
      });
      await workbench.screenshot('49-first-complete-running');
      await workbench.runCommand('Attention Lens: Complete');
      // The second run counts from zero again.
      await waitForStatus(page, /generating [0-2]$/, 60_000).catch(() => undefined);
      await waitForStatus(page, /generating ([3-9]|\d\d+)/, 120_000);
      // The first run's toast closes when its progress ends, with VS Code's fade-out: count once it has had time to go.
      const toasts = page.locator('.notification-toast', { hasText: 'completing' });
      let progress = await toasts.count();
      for (let i = 0; i < 20 && progress > 1; i++) {
        await page.waitForTimeout(150);
        progress = await toasts.count();
      }
      await workbench.screenshot('50-second-complete-running');
      // The editor has the focus back from the palette (a click would move the cursor, which stops
      // a completion too).
      await page.waitForSelector(`${activeEditor}.focused`, { timeout: 10_000 });
      await page.keyboard.press('Escape');
      await waitForStatus(page, /tok\/s/, 30_000);
      await page.waitForTimeout(500);
      const text = await editorText(page);
      await page.waitForTimeout(2000);
      await workbench.screenshot('51-second-complete-stopped');
      const notes = await workbench.notifications();
      assert.equal(await editorText(page), text, 'nothing streams after the second run stopped: the first was not left running');
      assert.ok(progress <= 1, `one progress notification at a time: ${progress}`);
      assert.ok(!notes.some((n) => /was edited while the completion streamed/.test(n)), `the first run was cancelled, not clobbered: ${notes.join(' | ')}`);

      // Two completions, one after the other: one Ctrl+Z removes the second and leaves the first's text.
      await page.keyboard.press('Control+Z');
      await waitForText(page, 'return t !== a', text, 10_000);
      const afterOne = await editorText(page);
      assert.ok(afterOne.length > OPENING.length && afterOne.length < text.length, `one Ctrl+Z removes only the second continuation: ${JSON.stringify(afterOne)}`);
      // Then back to the opening (counted: the cancelled run's text should be one undo step too).
      const states = [afterOne];
      for (let i = 0; i < 4 && states[states.length - 1] !== OPENING; i++) {
        await page.keyboard.press('Control+Z');
        await waitForText(page, 'return t !== a', states[states.length - 1], 5000);
        states.push(await editorText(page));
      }
      console.log(`      undo steps for the cancelled continuation: ${states.length - 1} (${JSON.stringify(states)})`);
      assert.equal(states[states.length - 1], OPENING, `undo gets back to the opening: ${JSON.stringify(states)}`);
    });
  });
});
