// Where the attention panel goes, as a user meets it. Clicking in the panel makes its group the
// active one, so a file opened from the explorer then opens in the panel's group; running Show
// Attention (or Explain Completion) on it must move the panel to the other group, not into a new
// one (with ViewColumn.Beside it did: three, then four groups). Running it again from the other
// group leaves the panel where it is, and double-clicking a token of a document no longer shown
// opens the document beside the panel, not over it. Two editor groups throughout.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame } from 'playwright-core';
import { chips, panelShowing } from './lib/panelFrame';
import { session } from './lib/session';
import type { EditorGroup } from './lib/workbench';

const PANEL = 'Attention Lens';
const FILE = 'paragraph.txt';
const OTHER = 'README.md';
const PROSE = 'placement-notes.txt';
const PROSE_TEXT = 'The keeper wrote the weather in his notebook every evening, and then he';
const phrases = [
  'The old lighthouse keeper climbed the stairs every evening at dusk.',
  'When the fog came in from the sea,',
  'he stayed awake until morning,',
];

const holdsPanel = (g: EditorGroup): boolean => g.tabs.some((t) => t.startsWith(PANEL));

function layout(groups: EditorGroup[]): string {
  return groups.map((g, i) => `group ${i + 1}${g.active ? ' (active)' : ''} shows "${g.shown}" of [${g.tabs.join(' | ')}]`).join('; ');
}

/** Polls the editor groups until `ok` holds (or `timeoutMs` passed); returns the last layout seen. */
async function groupsWhen(ok: (groups: EditorGroup[]) => boolean, timeoutMs = 10_000): Promise<EditorGroup[]> {
  const { workbench } = session();
  const deadline = Date.now() + timeoutMs;
  let groups = await workbench.editorGroups();
  while (!ok(groups) && Date.now() < deadline) {
    await workbench.page.waitForTimeout(200);
    groups = await workbench.editorGroups();
  }
  return groups;
}

/**
 * Asserts the layout a user expects after the panel was shown for `file`: two editor groups, one
 * showing the panel, the other showing `file`. Returns the index of the panel's group.
 */
async function assertPanelBeside(file: string, step: string): Promise<number> {
  const sideBySide = (gs: EditorGroup[]): boolean =>
    gs.length === 2 && gs.some((g) => g.shown.startsWith(PANEL)) && gs.some((g) => g.shown.startsWith(file));
  const groups = await groupsWhen(sideBySide);
  assert.equal(groups.length, 2, `${step}: two editor groups, no more: ${layout(groups)}`);
  assert.equal(groups.filter(holdsPanel).length, 1, `${step}: one panel tab: ${layout(groups)}`);
  const panel = groups.findIndex((g) => g.shown.startsWith(PANEL));
  assert.ok(panel >= 0, `${step}: a group shows the panel: ${layout(groups)}`);
  assert.ok(groups[1 - panel].shown.startsWith(file), `${step}: the other group shows ${file}: ${layout(groups)}`);
  return panel;
}

/** Clicks a token chip, as a user clicks in the panel: the panel's group becomes the active one. */
async function clickInPanel(frame: Frame): Promise<void> {
  await frame.locator(chips).nth(1).click();
  const groups = await groupsWhen((gs) => gs.some((g) => g.active && g.shown.startsWith(PANEL)));
  assert.ok(groups.some((g) => g.active && g.shown.startsWith(PANEL)), `the panel's group is active after a click in it: ${layout(groups)}`);
}

/** Opens `file` from the explorer into the active group; waits until that group shows it. */
async function openInActiveGroup(file: string): Promise<void> {
  const { workbench } = session();
  await workbench.openFile(file);
  const groups = await groupsWhen((gs) => gs.some((g) => g.active && g.shown.startsWith(file)));
  assert.ok(groups.some((g) => g.active && g.shown.startsWith(file)), `the active group shows ${file}: ${layout(groups)}`);
}

describe('Attention panel placement: no new editor groups', function () {
  let frame: Frame;

  before(async function () {
    this.timeout(60_000);
    const { workbench, workspace } = session();
    fs.writeFileSync(path.join(workspace.dir, PROSE), PROSE_TEXT);
    try {
      // From one group, whatever the earlier suites left open (this closes their panel too).
      await workbench.runCommand('View: Close All Editor Groups');
      await workbench.runCommand('View: Show Explorer');
      await groupsWhen((gs) => gs.length === 1);
    } catch (err) {
      await workbench.screenshot('15-panel-groups-setup-failed');
      throw err;
    }
  });

  it('opens the panel beside the editor, and moves it to the other group when the editor takes its group', async function () {
    this.timeout(240_000);
    const { workbench } = session();
    await workbench.openFile(FILE);
    await workbench.selectText(phrases[0]);
    await workbench.runCommand('Attention Lens: Show Attention');
    frame = await panelShowing(phrases[0]);
    const first = await assertPanelBeside(FILE, 'a new panel');
    assert.equal(first, 1, 'a new panel opens right of the editor');

    // Click in the panel, open the file from the explorer: it opens in the panel's group.
    await clickInPanel(frame);
    await openInActiveGroup(FILE);
    const shared = await workbench.editorGroups();
    assert.ok(shared.some((g) => g.active && holdsPanel(g)), `the editor shares the panel's group: ${layout(shared)}`);
    await workbench.selectText(phrases[1]);
    await workbench.runCommand('Attention Lens: Show Attention');
    frame = await panelShowing(phrases[1]);
    await workbench.screenshot('15-panel-moved-to-the-other-group');
    const moved = await assertPanelBeside(FILE, 'Show Attention from the panel’s group');
    assert.notEqual(moved, first, 'the panel left the group the editor took');

    // Again, from the editor's group: the panel stays where it is.
    await workbench.selectText(phrases[2]);
    await workbench.runCommand('Attention Lens: Show Attention');
    frame = await panelShowing(phrases[2]);
    assert.equal(await assertPanelBeside(FILE, 'Show Attention from the other group'), moved, 'the panel stays in its group');
  });

  it('opens a document no longer shown beside the panel when a token is double-clicked', async function () {
    this.timeout(120_000);
    const { workbench } = session();
    // The editor's group is active (Show Attention keeps the focus there): show another file in it.
    await openInActiveGroup(OTHER);
    const before = await workbench.editorGroups();
    const panel = before.findIndex((g) => g.shown.startsWith(PANEL));
    assert.ok(panel >= 0 && !before.some((g) => g.shown.startsWith(FILE)), `${FILE} is no longer shown: ${layout(before)}`);
    await frame.locator(chips).nth(2).dblclick();
    const after = await assertPanelBeside(FILE, 'a token revealed in the editor');
    await workbench.screenshot('16-token-revealed-beside-the-panel');
    assert.equal(after, panel, 'the document opens beside the panel, not over it');
  });

  it('Explain Completion from the panel’s group moves the panel to the other group too', async function () {
    this.timeout(240_000);
    const { workbench } = session();
    await clickInPanel(frame);
    await openInActiveGroup(PROSE);
    await workbench.focusEditor();
    await workbench.page.keyboard.press('Control+End');
    await workbench.runCommand('Attention Lens: Explain Completion');
    await workbench.findWebviewFrame('.token.generated', 150_000);
    await workbench.screenshot('17-explain-completion-groups');
    await assertPanelBeside(PROSE, 'Explain Completion from the panel’s group');
    await workbench.runCommand('File: Revert File'); // the completion, not kept
  });
});
