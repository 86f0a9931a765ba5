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

/** Palette `when` clauses that hold while the test has a text editor open. */
const holdsWithAnEditor = new Set(['editorIsOpen', 'editorFocus', 'textInputFocus']);

function fromVsix(file: string): unknown {
  return JSON.parse(execFileSync('unzip', ['-p', vsixPath, `extension/${file}`], { encoding: 'utf8' }));
}

/**
 * The commands the installed VSIX puts in the palette while an editor is open, with their titles
 * resolved through package.nls.json (what the palette shows).
 */
function paletteCommands(): ManifestCommand[] {
  const pkg = fromVsix('package.json') as {
    contributes?: { commands?: ManifestCommand[]; menus?: { commandPalette?: { command: string; when?: string }[] } };
  };
  const nls = (() => {
    try {
      return fromVsix('package.nls.json') as Record<string, string>;
    } catch {
      return {} as Record<string, string>;
    }
  })();
  const resolve = (s: string | undefined): string | undefined => (s && /^%.+%$/.test(s) ? nls[s.slice(1, -1)] ?? s : s);
  const hidden = new Set(
    (pkg.contributes?.menus?.commandPalette ?? [])
      .filter((m) => m.when !== undefined && !holdsWithAnEditor.has(m.when.trim()))
      .map((m) => m.command),
  );
  return (pkg.contributes?.commands ?? [])
    .filter((c) => !hidden.has(c.command))
    .map((c) => ({ ...c, title: resolve(c.title) ?? c.title, category: resolve(c.category) }));
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
    await workbench.openFile('paragraph.txt'); // some commands show only with an editor open
    const commands = paletteCommands();
    assert.ok(commands.length > 0, 'the VSIX contributes at least one command to the palette');
    const labels = await workbench.paletteEntries('Attention Lens');
    for (const c of commands) {
      const label = c.category ? `${c.category}: ${c.title}` : c.title;
      assert.ok(labels.includes(label), `palette shows "${label}"; it shows: ${labels.join(' | ')}`);
    }
  });
});
