// The attention panel's webview as the e2e suites read it: its token chips and their text.
import type { Frame } from 'playwright-core';
import { session } from './session';

/** The panel's token chips. */
export const chips = '.token[data-index]';

/** The chips' text with the panel's visible spaces (·) turned back into spaces. */
export async function chipText(frame: Frame): Promise<string> {
  return (await frame.$$eval(chips, (els) => els.map((e) => e.textContent ?? '').join(''))).replace(/·/g, ' ');
}

/** The panel frame once its chips spell `text`. */
export async function panelShowing(text: string, timeoutMs = 120_000): Promise<Frame> {
  const { workbench } = session();
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const frame = await workbench.findWebviewFrame(chips, Math.max(1000, deadline - Date.now()));
    last = await chipText(frame).catch(() => '');
    if (last === text) return frame;
    await workbench.page.waitForTimeout(250);
  }
  throw new Error(`the panel does not show "${text}" (last: "${last}")`);
}

/**
 * Show Attention on the first paragraph of samples/repeats.txt (the cursor at the top, no
 * selection); the panel's frame, found by `selector`, once its chips show that paragraph.
 */
export async function showRepeatsParagraph(selector: string): Promise<Frame> {
  const { workbench } = session();
  await workbench.openFile('repeats.txt');
  await workbench.focusEditor();
  await workbench.page.keyboard.press('Control+Home');
  await workbench.runCommand('Attention Lens: Show Attention');
  const deadline = Date.now() + 120_000;
  for (;;) {
    const frame = await workbench.findWebviewFrame(selector, 120_000);
    const text = await frame.$$eval(chips, (els) => els.map((e) => e.textContent ?? '').join('')).catch(() => '');
    if (text.includes('Fenwick') && !text.includes('Select')) return frame;
    if (Date.now() > deadline) throw new Error(`the panel does not show the first paragraph of repeats.txt (shows "${text.slice(0, 80)}…")`);
    await workbench.page.waitForTimeout(250);
  }
}
