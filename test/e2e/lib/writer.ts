// What the writers' e2e suites share: the opening they complete, the selectors they read, and
// the steps they take (open a file by Quick Open, reset it, read the editor and the status item).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { session } from './session';

export const OPENING = 'The lighthouse keeper opened the old logbook and began to write';
export const activeEditor = '.editor-group-container.active .monaco-editor';
export const viewLines = `${activeEditor} .view-lines .view-line`;
export const statusItem = '.part.statusbar [aria-label^="Attention Lens:"]';
const quickInput = '.quick-input-widget';
const quickInputBox = `${quickInput} .quick-input-box input`;
const quickRows = `${quickInput} .quick-input-list .monaco-list-row`;

/** The active editor's text, line by line in screen order (spaces normalised). */
export async function editorText(page: Page): Promise<string> {
  return page.$$eval(viewLines, (els) =>
    els
      .map((e) => ({ top: parseFloat((e as HTMLElement).style.top) || 0, text: (e.textContent ?? '').replace(/\u00a0/g, ' ') }))
      .sort((a, b) => a.top - b.top)
      .map((l) => l.text)
      .join('\n'),
  );
}

/** Waits until the active editor's text satisfies `pred` (given as a function body over `t`); never throws. */
export async function waitForText(page: Page, body: string, arg: unknown, timeout = 15_000): Promise<void> {
  await page
    .waitForFunction(
      ([sel, src, a]) => {
        const t = [...document.querySelectorAll(sel as string)]
          .map((e) => ({ top: parseFloat((e as HTMLElement).style.top) || 0, text: (e.textContent ?? '').replace(/\u00a0/g, ' ') }))
          .sort((x, y) => x.top - y.top)
          .map((l) => l.text)
          .join('\n');
        return new Function('t', 'a', src as string)(t, a) as boolean;
      },
      [viewLines, body, arg] as const,
      { timeout },
    )
    .catch(() => undefined); // the assertion that follows says what is there
}

/** Opens a workspace file through Quick Open (it searches the disk: no wait for the explorer's watcher). */
export async function openByQuickOpen(page: Page, name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('F1');
    await page.waitForSelector(`${quickInputBox}:visible`, { timeout: 10_000 });
    await page.fill(quickInputBox, name);
    const row = page.locator(quickRows, { hasText: name }).first();
    try {
      await row.waitFor({ timeout: 15_000 });
      await page.keyboard.press('Enter');
      await page.waitForSelector(`.tabs-container .tab.active[aria-label^="${name}"]`, { timeout: 20_000 });
      await page.waitForSelector(viewLines, { timeout: 20_000 });
      return;
    } catch (err) {
      await page.keyboard.press('Escape');
      if (attempt === 3) throw err;
    }
  }
}

/** `name` holding just OPENING, open and active, in-memory edits reverted, cursor at its end. */
export async function freshFile(page: Page, name: string): Promise<void> {
  fs.writeFileSync(path.join(session().workspace.dir, name), OPENING);
  await openByQuickOpen(page, name);
  await session().workbench.runCommand('File: Revert File');
  await waitForText(page, 'return t === a', OPENING, 10_000);
  await session().workbench.focusEditor();
  await page.keyboard.press('Control+End');
}

export async function statusLabel(page: Page): Promise<string> {
  return (await page.locator(statusItem).first().getAttribute('aria-label')) ?? '';
}

/** Waits until the status item's label matches `re`; returns it. */
export async function waitForStatus(page: Page, re: RegExp, timeout: number): Promise<string> {
  await page.waitForFunction(
    ([sel, src]) => new RegExp(src).test(document.querySelector(sel)?.getAttribute('aria-label') ?? ''),
    [statusItem, re.source] as const,
    { timeout },
  );
  return statusLabel(page);
}

/** Tokens of the last run, read from the status item's hover ("3 tokens in 120 ms (…)"). */
export async function lastRunTokens(page: Page): Promise<number> {
  await page.mouse.move(0, 0);
  await page.locator(statusItem).first().hover();
  const hover = page.locator('.monaco-hover, .workbench-hover, .custom-hover', { hasText: /\d+ tokens? in \d+ ms/ }).first();
  await hover.waitFor({ timeout: 15_000 });
  const m = /(\d+) tokens? in \d+ ms/.exec((await hover.textContent()) ?? '');
  await page.mouse.move(0, 0);
  return m ? Number(m[1]) : NaN;
}

/** Tokens generated so far per the status item ("generating 12"), or -1 when not generating. */
export async function generatingCount(page: Page): Promise<number> {
  const m = /generating (\d+)/.exec(await statusLabel(page));
  return m ? Number(m[1]) : -1;
}

/** Waits until the active editor shows more than `chars` characters (text has streamed in). */
export async function waitForLongerThan(page: Page, chars: number, timeout: number): Promise<void> {
  await page.waitForFunction(
    ([sel, n]) => [...document.querySelectorAll(sel)].map((e) => e.textContent ?? '').join('\n').length > n,
    [`${activeEditor} .view-lines .view-line`, chars] as const,
    { timeout },
  );
}

/**
 * The message of a notification matching `re`: a toast, or (a toast may have been hidden by then)
 * an entry of the notification centre, which this opens to look.
 */
export async function waitForNotification(page: Page, re: RegExp, timeout: number): Promise<string> {
  const { workbench } = session();
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    const hit = (await workbench.notifications()).find((m) => re.test(m));
    if (hit) return hit;
    await page.waitForTimeout(250);
  }
  await workbench.runCommand('Notifications: Show Notifications');
  const all = await page.$$eval('.notifications-center .notification-list-item-message', (els) => els.map((e) => (e.textContent ?? '').trim()));
  await page.keyboard.press('Escape');
  const hit = all.find((m) => re.test(m));
  if (hit) return hit;
  throw new Error(`no notification matches ${re}; the notification centre holds: ${all.join(' | ') || '-'}`);
}
