// An encoder–decoder model in the product (issue 17): attentionLens.modelPath points at a copy of
// test/fixtures/encdec/marian-sharp-f32 (a random MarianMTModel written by gen_encdec.py, its
// source.spm / vocab.json tokenizer). Translate and Show Attention on a file's text opens the
// greedy translation beside it, beginning with the float64 reference's (its first 10 tokens; the
// command generates up to 63, what the 64 positions leave); the cursor on a target token
// highlights source tokens in the source editor. The workspace settings are restored after.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './lib/paths';
import { session } from './lib/session';
import { editorText, openByQuickOpen } from './lib/writer';
import { useModelCopy, type ModelSetting } from './lib/modelSetting';

const FIXTURE = path.join(repoRoot, 'test', 'fixtures', 'encdec', 'marian-sharp-f32');
const ref = JSON.parse(fs.readFileSync(path.join(FIXTURE, 'reference.json'), 'utf8')) as { text: { source: string; greedyText: string } };
const SOURCE_FILE = 'marian-source.txt';

describe('Translate and Show Attention on a MarianMTModel', function () {
  let setting: ModelSetting | undefined;

  before(async function () {
    this.timeout(300_000);
    const { workbench, workspace } = session();
    setting = useModelCopy(FIXTURE);
    fs.writeFileSync(path.join(workspace.dir, SOURCE_FILE), ref.text.source);
    // The settings file is re-read when its watcher fires: run the command until the translation shows.
    for (let attempt = 0; attempt < 6; attempt++) {
      await openByQuickOpen(workbench.page, SOURCE_FILE);
      await workbench.selectAll();
      await workbench.runCommand('Attention Lens: Translate and Show Attention');
      const deadline = Date.now() + 30_000;
      const translated = async (): Promise<boolean> => (await editorText(workbench.page).catch(() => '')).startsWith(ref.text.greedyText);
      while (Date.now() < deadline && !(await translated())) await workbench.page.waitForTimeout(500);
      if (await translated()) return;
    }
    await workbench.screenshot('70-translate-failed');
    throw new Error(`no translation opened; notifications: ${(await workbench.notifications()).join(' | ') || '-'}`);
  });

  after(() => setting?.restore());

  it('opens the greedy translation beside the source', async function () {
    const { workbench } = session();
    const groups = await workbench.editorGroups();
    assert.equal(groups.length, 2, JSON.stringify(groups));
    assert.ok(groups.some((g) => g.shown.startsWith(SOURCE_FILE)), JSON.stringify(groups));
  });

  it('the cursor on a target token highlights source tokens in the source editor', async function () {
    this.timeout(60_000);
    const { workbench } = session();
    await workbench.focusEditor(); // the translation's editor, active
    await workbench.page.keyboard.press('Control+End');
    await workbench.page.keyboard.press('Control+Home');
    await workbench.page.keyboard.press('ArrowRight');
    await workbench.page.keyboard.press('ArrowRight');
    const deadline = Date.now() + 20_000;
    let decorations: string[] = [];
    while (Date.now() < deadline && decorations.length === 0) {
      decorations = await workbench.editorDecorations();
      if (decorations.length === 0) await workbench.page.waitForTimeout(250);
    }
    await workbench.screenshot('71-translate-source-highlight');
    assert.ok(decorations.length > 0, 'source tokens are highlighted');
  });
});
