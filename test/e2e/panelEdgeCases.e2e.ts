// The attention panel at its edges, as a user meets them: a window reload brings the panel back
// (the serializer + the webview's getState/setState), a model folder that does not exist shows an
// error with an "Open Settings" action (in the panel and as a notification), and an empty document
// or a whitespace-only selection gets a plain message instead of an analysis.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame } from 'playwright-core';
import { chips, chipText, panelShowing } from './lib/panelFrame';
import { session } from './lib/session';

const command = 'Attention Lens: Show Attention';
const phrase = 'When the fog came in from the sea,';
const errorStatus = '#status.error';

/** Token ids from the panel's chip titles ("#3 · id 262"). */
async function chipIds(frame: Frame): Promise<number[]> {
  const titles = await frame.$$eval(chips, (els) => els.map((e) => e.getAttribute('title') ?? ''));
  return titles.map((t) => Number(/\bid (\d+)/.exec(t)?.[1] ?? NaN));
}

/**
 * "Developer: Reload Window", as a user reloads VS Code: the workbench saves its state (open
 * editors, each webview's setState) before the page reloads. (A bare page.reload() does not wait
 * for that save in VS Code for the Web, so the editors may come back without the panel.)
 */
async function reloadWindow(): Promise<void> {
  const { workbench } = session();
  const page = workbench.page;
  const navigated = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame(), timeout: 60_000 });
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ timeout: 10_000 });
  await input.fill('>Developer: Reload Window');
  await page.locator('.quick-input-widget .quick-input-list .monaco-list-row .label-name', { hasText: /^Developer: Reload Window$/ }).first().waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
  await navigated;
  await workbench.waitReady();
}

async function clearNotifications(): Promise<void> {
  await session().workbench.runCommand('Notifications: Clear All Notifications');
}

/** Waits for a notification toast whose message matches `re`; returns its text and button labels. */
async function notification(re: RegExp, timeoutMs = 30_000): Promise<{ message: string; buttons: string[] }> {
  const page = session().workbench.page;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const toasts = await page.$$eval('.notification-toast', (els) =>
      els.map((t) => ({
        message: (t.querySelector('.notification-list-item-message')?.textContent ?? '').trim(),
        buttons: [...t.querySelectorAll('.monaco-button')].map((b) => (b.textContent ?? '').trim()),
      })),
    );
    const hit = toasts.find((t) => re.test(t.message));
    if (hit) return hit;
    await page.waitForTimeout(250);
  }
  const shown = await session().workbench.notifications();
  throw new Error(`no notification matches ${re}; shown: ${shown.join(' | ') || '-'}`);
}

describe('Attention panel edge cases', function () {
  it('comes back after a window reload with the same tokens and the selected token', async function () {
    this.timeout(300_000);
    const { workbench } = session();
    await workbench.runCommand('View: Show Explorer'); // an earlier suite may have left another side view open
    await workbench.openFile('paragraph.txt');
    await workbench.selectText(phrase);
    await workbench.runCommand(command);
    const before = await panelShowing(phrase);
    const ids = await chipIds(before);
    assert.ok(ids.length > 3 && ids.every(Number.isInteger), `token ids: ${ids.join(',')}`);
    await before.locator(`${chips}[data-index="2"]`).click(); // saved with setState
    await before.waitForSelector(`${chips}[data-index="2"][aria-selected="true"]`, { timeout: 30_000 });
    await workbench.screenshot('40-panel-before-reload');

    await reloadWindow();
    const after = await panelShowing(phrase, 180_000);
    await workbench.screenshot('41-panel-after-reload');
    assert.deepEqual(await chipIds(after), ids, 'the restored panel analysed the same text');
    await after.waitForSelector(`${chips}[aria-selected="true"]`, { timeout: 30_000 });
    const selected = await after.$$eval(`${chips}[aria-selected="true"]`, (els) => els.map((e) => e.getAttribute('data-index')));
    assert.deepEqual(selected, ['2'], 'the selected token was restored');
    assert.equal(await workbench.page.locator('.tabs-container .tab[aria-label^="Attention Lens"]').count(), 1, 'one panel tab');
  });

  it('shows a model that cannot be loaded as an error with an "Open Settings" action', async function () {
    this.timeout(300_000);
    const { workbench, workspace } = session();
    const page = workbench.page;
    const settingsFile = path.join(workspace.dir, '.vscode', 'settings.json');
    const original = fs.readFileSync(settingsFile, 'utf8');
    const missing = 'no-such-model-folder';
    try {
      fs.writeFileSync(settingsFile, JSON.stringify({ ...JSON.parse(original), 'attentionLens.modelPath': missing }, null, 2));
      await workbench.runCommand('View: Show Explorer');
      await workbench.openFile('paragraph.txt');
      await workbench.selectText(phrase);
      await clearNotifications();
      // The settings file is re-read when its watcher fires: run the command until the panel
      // reports the missing folder.
      let frame: Frame | undefined;
      for (let attempt = 0; attempt < 8 && !frame; attempt++) {
        await workbench.runCommand(command);
        try {
          frame = await workbench.findWebviewFrame(`${errorStatus} .status-actions button`, 15_000);
        } catch {
          await page.waitForTimeout(1000);
        }
      }
      assert.ok(frame, 'the panel shows an error');
      await workbench.screenshot('42-model-missing');
      const status = (await frame.locator(errorStatus).textContent()) ?? '';
      assert.ok(status.includes(missing) && /does not exist/.test(status), `the panel names the missing folder: "${status}"`);
      const buttons = await frame.$$eval(`${errorStatus} .status-actions button`, (bs) => bs.map((b) => (b.textContent ?? '').trim()));
      assert.ok(buttons.includes('Open Settings'), `the panel offers Open Settings: ${buttons.join(', ')}`);
      const toast = await notification(new RegExp(`Attention Lens: .*${missing}.*does not exist`));
      assert.ok(toast.buttons.includes('Open Settings'), `the notification offers Open Settings: ${toast.buttons.join(', ')}`);

      // The panel's button opens the Settings editor on the setting (its Remote tab here).
      await frame.locator(`${errorStatus} .status-actions button`, { hasText: 'Open Settings' }).click();
      await page.waitForSelector('.settings-editor', { timeout: 30_000 });
      const titles = (): Promise<string[]> =>
        page.$$eval('.settings-editor .setting-item-contents .setting-item-title', (els) => els.map((e) => (e.textContent ?? '').trim()));
      let found: string[] = [];
      for (let i = 0; i < 120 && !found.some((t) => /Model Path/.test(t)); i++) {
        await page.waitForTimeout(250);
        found = await titles();
      }
      await workbench.screenshot('43-open-settings');
      assert.ok(found.some((t) => /Model Path/.test(t)), `the Settings editor lists the model path setting: ${found.join(' | ') || 'nothing'}`);
      await workbench.runCommand('View: Close Editor');
    } finally {
      fs.writeFileSync(settingsFile, original);
    }
    // With the setting restored, the panel recovers (on its own or with Try Again).
    const deadline = Date.now() + 120_000;
    let recovered = false;
    while (Date.now() < deadline && !recovered) {
      const frame = await workbench.findWebviewFrame('#status', 30_000);
      const error = await frame.$(errorStatus);
      if (!error && (await chipText(frame).catch(() => '')) === phrase) recovered = true;
      else {
        if (error) await frame.locator(`${errorStatus} button`, { hasText: 'Try Again' }).click().catch(() => undefined);
        await page.waitForTimeout(2000);
      }
    }
    await workbench.screenshot('44-model-restored');
    assert.ok(recovered, 'the panel analyses again once the setting is fixed');
    await clearNotifications();
  });

  it('answers an empty document and a whitespace-only selection with a plain message', async function () {
    this.timeout(180_000);
    const { workbench } = session();
    const page = workbench.page;
    await workbench.runCommand('File: New Untitled Text File');
    await page.waitForSelector('.tabs-container .tab.active[aria-label^="Untitled"]', { timeout: 30_000 });
    await workbench.focusEditor();
    await clearNotifications();
    await workbench.focusEditor();
    await workbench.runCommand(command);
    const empty = await notification(/^Attention Lens: There is no text to analyse: the selection or document is empty\.$/);
    await workbench.screenshot('45-empty-document');
    assert.ok(empty.message.length > 0);

    await clearNotifications();
    await workbench.focusEditor();
    await page.keyboard.type('   ');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    await page.keyboard.type('\t  ');
    await workbench.selectAll();
    await workbench.runCommand(command);
    const blank = await notification(/^Attention Lens: The selection holds only whitespace; select some text to analyse\.$/);
    await workbench.screenshot('46-whitespace-selection');
    assert.ok(blank.message.length > 0);
    // Nothing crashed: no error notification, and the panel (if one is open) shows no error.
    const errors = await page.$$eval('.notification-toast .codicon-error', (els) => els.length);
    assert.equal(errors, 0, 'no error notification');
    for (const frame of page.frames()) {
      const e = await frame.$(errorStatus).catch(() => null);
      assert.equal(e, null, `a panel shows an error: ${(await e?.textContent()) ?? ''}`);
    }
    await workbench.runCommand('View: Revert and Close Editor');
  });
});
