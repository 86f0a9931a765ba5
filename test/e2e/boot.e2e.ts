// The harness itself: VS Code for the Web boots on the sample workspace, the packaged extension is
// installed, and every command it contributes is in the command palette.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { vsixPath } from './lib/paths';
import { session } from './lib/session';

interface ManifestCommand {
  command: string;
  title: string;
  category?: string;
}

/** The commands of the installed VSIX's manifest that the palette may show (no `when` there). */
function paletteCommands(): ManifestCommand[] {
  const pkg = JSON.parse(execFileSync('unzip', ['-p', vsixPath, 'extension/package.json'], { encoding: 'utf8' }));
  const hidden = new Set(
    ((pkg.contributes?.menus?.commandPalette ?? []) as { command: string; when?: string }[])
      .filter((m) => m.when !== undefined)
      .map((m) => m.command),
  );
  return ((pkg.contributes?.commands ?? []) as ManifestCommand[]).filter((c) => !hidden.has(c.command));
}

describe('VS Code for the Web', () => {
  it('opens the sample workspace and shows its files in the explorer', async () => {
    const { workbench, workspace } = session();
    const rows = await workbench.page.$$eval('.explorer-folders-view .monaco-list-row', (els) =>
      els.map((e) => e.getAttribute('aria-label') ?? e.textContent ?? ''),
    );
    for (const name of ['paragraph.txt', 'fibonacci.ts', 'word_count.py']) {
      assert.ok(workspace.files.includes(name), `${name} is in the workspace`);
      assert.ok(rows.some((r) => r.includes(name)), `explorer lists ${name}: ${rows.join(' | ')}`);
    }
    await workbench.openFile('fibonacci.ts');
    await workbench.screenshot('01-workspace');
  });

  it('lists every command the extension contributes in the palette', async () => {
    const { workbench } = session();
    const commands = paletteCommands();
    assert.ok(commands.length > 0, 'the VSIX contributes at least one command to the palette');
    const labels = await workbench.paletteEntries('Attention Lens');
    for (const c of commands) {
      const label = c.category ? `${c.category}: ${c.title}` : c.title;
      assert.ok(labels.includes(label), `palette shows "${label}"; it shows: ${labels.join(' | ')}`);
    }
  });
});
