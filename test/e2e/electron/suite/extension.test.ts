// A small integration suite in desktop VS Code: the extension activates, registers Show Attention,
// and running it on a selection opens the attention panel.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

const root = process.env.ATTENTION_LENS_ROOT ?? path.resolve(__dirname, '..', '..');
const extensionId = 'attention-lens.attention-lens';

function panelOpen(): boolean {
  return vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .some((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('attentionLens.attentionPanel'));
}

suite('Attention Lens in desktop VS Code', () => {
  suiteSetup(async () => {
    if (!fs.existsSync(path.join(root, 'media', 'model', 'config.json'))) {
      const tiny = path.join(root, 'test', 'fixtures', 'tiny-model');
      await vscode.workspace.getConfiguration('attentionLens').update('modelPath', tiny, vscode.ConfigurationTarget.Global);
    }
  });

  test('activates and registers its commands', async () => {
    const ext = vscode.extensions.getExtension(extensionId);
    assert.ok(ext, `${extensionId} is installed`);
    await ext.activate();
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('attentionLens.showAttention'));
  });

  test('Show Attention on a selection opens the attention panel', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'samples/ is open');
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, 'paragraph.txt'));
    const editor = await vscode.window.showTextDocument(doc);
    editor.selection = new vscode.Selection(0, 0, 0, 40);
    await vscode.commands.executeCommand('attentionLens.showAttention');
    for (let i = 0; i < 100 && !panelOpen(); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(panelOpen(), 'an attention panel tab is open');
  });
});
