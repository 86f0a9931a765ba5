// Races a user makes without trying, while Show Attention still streams a long text through a slow
// model: closing the attention panel, and switching to another model. The run must stop there (the
// extension's log says how many of the model's layers had arrived: fewer than all), with no error
// notification; after a close the next Show Attention works at once, after a switch the panel
// analyses the text again on the new model.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gpt2Config, randomWeights } from '../../bench/randomCheckpoint';
import { saveCheckpoint } from '../../src/engine/checkpoint';
import { outputLogLines } from './lib/outputLog';
import { chips, panelShowing } from './lib/panelFrame';
import { tinyModelDir } from './lib/paths';
import { session } from './lib/session';

const FILE = 'long-race.txt';
const N_LAYER = 12;
const CANCELLED = /Run cancelled \(the panel was closed\): (\d+) of (\d+) layers had arrived/;
const SWITCHED = /Run cancelled \(another model is loading\): (\d+) of (\d+) layers had arrived/;

/** Waits for a line of the extension's log that matches `re` (at index ≥ `from`); returns it and its index. */
async function logLine(re: RegExp, from = 0, timeoutMs = 60_000): Promise<{ m: RegExpExecArray; at: number }> {
  const { server, workbench } = session();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lines = outputLogLines(server.userDataDir);
    for (let i = from; i < lines.length; i++) {
      const m = re.exec(lines[i]);
      if (m) return { m, at: i };
    }
    if (Date.now() > deadline) throw new Error(`no log line matches ${re}; the last lines:\n${lines.slice(-8).join('\n')}`);
    await workbench.page.waitForTimeout(250);
  }
}

describe('Races: closing the panel and switching models mid-run', function () {
  let settingsFile: string;
  let originalSettings: string;

  before(async function () {
    this.timeout(120_000);
    const { server, workspace, workbench } = session();
    // A model slow enough to close the panel on: random weights, 12 layers, the tiny tokenizer.
    const dir = path.join(server.tmpDir, 'race-model');
    fs.mkdirSync(dir, { recursive: true });
    const config = gpt2Config({ vocabSize: 557, nPositions: 1024, nEmbd: 384, nLayer: N_LAYER, nHead: 6, name: 'race-random' });
    saveCheckpoint(dir, config, randomWeights(config, { seed: 11 }), { dtype: 'F32' });
    for (const f of ['vocab.json', 'merges.txt', 'tokenizer.json']) fs.copyFileSync(path.join(tinyModelDir, f), path.join(dir, f));
    const sentence = 'The keeper climbed the stairs, trimmed the wick and watched the ships pass in the night. ';
    fs.writeFileSync(path.join(workspace.dir, FILE), sentence.repeat(20));
    settingsFile = path.join(workspace.dir, '.vscode', 'settings.json');
    originalSettings = fs.readFileSync(settingsFile, 'utf8');
    const base = JSON.parse(originalSettings) as Record<string, unknown>;
    fs.writeFileSync(settingsFile, JSON.stringify({ ...base, 'attentionLens.modelPath': dir }, null, 2));
    await workbench.page.waitForTimeout(1500); // the settings file is watched
    await workbench.runCommand('View: Close All Editor Groups');
  });

  after(async function () {
    this.timeout(60_000);
    fs.writeFileSync(settingsFile, originalSettings);
    await session().workbench.page.waitForTimeout(1500);
  });

  it('closing the panel while a long analysis streams stops the run, with no error; Show Attention then works', async function () {
    this.timeout(300_000);
    const { workbench, server } = session();
    const page = workbench.page;
    const from = outputLogLines(server.userDataDir).length; // the log holds the earlier suites' lines too
    await workbench.openFile(FILE);
    // Once, so that the model is loaded and the next run's time is the analysis alone.
    await workbench.focusEditor();
    await workbench.selectText('The keeper climbed');
    await workbench.runCommand('Attention Lens: Show Attention');
    await panelShowing('The keeper climbed', 180_000);

    await workbench.focusEditor();
    await workbench.selectAll();
    await workbench.runCommand('Attention Lens: Show Attention');
    // Close the panel as soon as the long run's tokens are on it (its layers still to come).
    const frame = await workbench.findWebviewFrame(chips, 120_000);
    for (let i = 0; i < 400 && (await frame.$$eval(chips, (els) => els.length).catch(() => 0)) < 100; i++) await page.waitForTimeout(50);
    await workbench.screenshot('95-race-before-close');
    await page.locator('.tabs-container .tab[aria-label^="Attention Lens"] .codicon-close').first().click({ force: true });
    await page.waitForSelector('.tabs-container .tab[aria-label^="Attention Lens"]', { state: 'detached', timeout: 10_000 });

    const { m: line } = await logLine(CANCELLED, from);
    assert.equal(Number(line[2]), N_LAYER);
    assert.ok(Number(line[1]) < N_LAYER, `the run stopped before its last layer (${line[1]} of ${line[2]} had arrived)`);
    await page.waitForTimeout(2000); // a late failure would show by now
    const notes = await workbench.notifications();
    assert.deepEqual(notes.filter((n) => /Attention Lens|failed|error/i.test(n)), [], `notifications: ${notes.join(' | ')}`);
    const errors = outputLogLines(server.userDataDir).slice(from).filter((l) => /\[error\]|Analysis failed/.test(l));
    assert.deepEqual(errors, [], 'no error in the log');

    // The next Show Attention opens a new panel and shows its text.
    await workbench.focusEditor();
    await workbench.selectText('trimmed the wick');
    await workbench.runCommand('Attention Lens: Show Attention');
    await panelShowing('trimmed the wick', 180_000);
    await workbench.screenshot('96-race-after-close');
  });

  it('switching to another model while a long analysis streams stops the run; the panel analyses the text again on the new model', async function () {
    this.timeout(300_000);
    const { workbench, server } = session();
    const page = workbench.page;
    await workbench.openFile(FILE);
    await workbench.focusEditor();
    await workbench.selectAll();
    const from = outputLogLines(server.userDataDir).length;
    await workbench.runCommand('Attention Lens: Show Attention');
    const frame = await workbench.findWebviewFrame(chips, 120_000);
    for (let i = 0; i < 400 && (await frame.$$eval(chips, (els) => els.length).catch(() => 0)) < 100; i++) await page.waitForTimeout(50);
    // The bundled model: the settings without a model path.
    fs.writeFileSync(settingsFile, originalSettings);
    const { m, at } = await logLine(SWITCHED, from);
    assert.equal(Number(m[2]), N_LAYER);
    assert.ok(Number(m[1]) < N_LAYER, `the run stopped before its last layer (${m[1]} of ${m[2]} had arrived)`);
    const loaded = await logLine(/Loaded "/, at);
    const length = fs.readFileSync(path.join(session().workspace.dir, FILE), 'utf8').length;
    await logLine(new RegExp(`Run \\d+: \\d+ tokens( of \\d+)? from ${FILE.replace('.', '\\.')} \\[0, ${length}\\)`), loaded.at, 180_000);
    await workbench.screenshot('97-race-after-switch');
    const notes = await workbench.notifications();
    assert.deepEqual(notes.filter((n) => /Attention Lens|failed|error/i.test(n)), [], `notifications: ${notes.join(' | ')}`);
    const errors = outputLogLines(server.userDataDir).slice(from).filter((l) => /\[error\]|Analysis failed/.test(l));
    assert.deepEqual(errors, [], 'no error in the log');
  });
});
