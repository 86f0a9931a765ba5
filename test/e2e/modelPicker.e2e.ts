// Switch Model (issue 14) in the real product. The session gives the extension its own Hugging Face
// cache (HF_HUB_CACHE), an HF_HOME with no token, and HF_ENDPOINT at a loopback port (lib/session.ts).
// (a) Two models written into that cache the way Python writes them: tiny-qwen2 (runs) and a copy
// whose config names GemmaForCausalLM (does not). The picker lists the bundled model, the Qwen2
// one with its facts and "fits", and the Gemma one with the reason; picking Gemma says why and
// loads nothing; picking Qwen2 loads it (the status bar names it) and Show Attention runs on it.
// (b) A download from a loopback Hub (test/helpers/fakeHub.ts, started here on the session's port)
// shows the progress notification and ends with the model loaded. (c) A model whose load fails
// keeps the one in use. The settings are restored after.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { FakeHub, folderFiles } from '../helpers/fakeHub';
import { writePythonCache } from '../helpers/pythonCache';
import { repoRoot } from './lib/paths';
import { session } from './lib/session';
import { statusItem } from './lib/writer';

const FIXTURE = path.join(repoRoot, 'test', 'fixtures', 'tiny-qwen2');
const QWEN = folderFiles(FIXTURE);
const GEMMA = { ...QWEN, 'config.json': Buffer.from(JSON.stringify({ architectures: ['GemmaForCausalLM'], model_type: 'gemma' })) };
const CACHED = 'attention-lens-test/tiny-qwen2';
const UNSUPPORTED = 'attention-lens-test/tiny-gemma';
const DOWNLOADED = 'attention-lens-test/tiny-download';
const BROKEN = 'attention-lens-test/tiny-broken';
const CANCELLED = 'attention-lens-test/tiny-cancelled';
const GATED = 'attention-lens-test/tiny-gated';
const TOKEN = 'hf_e2e_granted_token';
const ref = JSON.parse(fs.readFileSync(path.join(FIXTURE, 'reference.json'), 'utf8')) as { text: string };

const quickInput = '.quick-input-widget';
const rows = `${quickInput} .quick-input-list .monaco-list-row`;
const PICKER = 'Attention Lens: Switch Model…';

/** Runs Switch Model from the palette and waits for its list (the cache is read after it opens). */
async function openPicker(page: Page): Promise<string[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      await page.keyboard.press('F1');
      await page.waitForSelector(`${quickInput}:visible`, { timeout: 5000 });
      await page.fill(`${quickInput} .quick-input-box input`, `>${PICKER}`);
      await page.locator(rows).filter({ has: page.locator('.label-name', { hasText: PICKER }) }).first().click({ timeout: 10_000 });
      await page.locator(rows, { hasText: 'Download from the Hugging Face Hub' }).waitFor({ timeout: 30_000 });
      return await page.$$eval(rows, (els) => els.map((e) => (e.textContent ?? '').replace(/\s+/g, ' ').trim()));
    } catch (err) {
      await page.keyboard.press('Escape');
      if (attempt === 3) throw err;
    }
  }
}

/** Filters the open picker to `text` and accepts the one row left. */
async function pick(page: Page, text: string): Promise<void> {
  await page.fill(`${quickInput} .quick-input-box input`, text);
  await page.waitForFunction(([sel, t]) => {
    const r = [...document.querySelectorAll(sel as string)];
    return r.length === 1 && (r[0].textContent ?? '').includes(t as string);
  }, [rows, text] as const, { timeout: 10_000 });
  await page.keyboard.press('Enter');
}

/** Waits for the input box whose placeholder is `placeholder`, types `text` and presses Enter. */
async function typeInInput(page: Page, placeholder: string, text: string): Promise<void> {
  const box = `${quickInput} .quick-input-box input`;
  await page.waitForFunction(([sel, ph]) => (document.querySelector(sel as string) as HTMLInputElement | null)?.placeholder === ph, [box, placeholder] as const, { timeout: 10_000 });
  await page.fill(box, text);
  await page.keyboard.press('Enter');
}

/** Clicks the button `label` of the notification whose message matches `pattern`. */
async function clickNotificationButton(page: Page, pattern: RegExp, label: string): Promise<void> {
  await page.locator('.notification-toast', { hasText: pattern }).locator('.monaco-button', { hasText: label }).first().click({ timeout: 30_000 });
}

async function waitForNotification(page: Page, pattern: RegExp, timeout = 30_000): Promise<string> {
  const handle = await page.waitForFunction(
    ([src, flags]) => [...document.querySelectorAll('.notification-toast .notification-list-item-message')].map((e) => e.textContent ?? '').find((t) => new RegExp(src as string, flags as string).test(t)),
    [pattern.source, pattern.flags] as const,
    { timeout },
  );
  return (await handle.jsonValue()) as string;
}

async function waitForStatus(page: Page, name: string, timeout = 90_000): Promise<void> {
  await page.locator(`${statusItem}[aria-label*="${name}"]`).first().waitFor({ timeout });
}

describe('Switch Model: the Hugging Face cache and downloads from the Hub', function () {
  const saved = new Map<string, string | undefined>();
  let hub: FakeHub | undefined;

  /** Waits until a settings file holds modelPath = `value` (the switch writes it after the load). */
  async function waitForSetting(value: string, timeoutMs = 20_000): Promise<boolean> {
    const line = `"attentionLens.modelPath": "${value}"`;
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
      if ([...saved.keys()].some((f) => fs.existsSync(f) && fs.readFileSync(f, 'utf8').includes(line))) return true;
      await new Promise((r) => setTimeout(r, 200));
    }
    return false;
  }

  before(function () {
    const { workspace, server, hub: hf } = session();
    for (const f of [path.join(workspace.dir, '.vscode', 'settings.json'), path.join(server.userDataDir, 'User', 'settings.json'), path.join(server.userDataDir, 'Machine', 'settings.json')]) {
      saved.set(f, fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : undefined);
    }
    writePythonCache(hf.cacheDir, CACHED, QWEN, { commit: '1a'.repeat(20) });
    writePythonCache(hf.cacheDir, UNSUPPORTED, GEMMA, { commit: '2b'.repeat(20) });
  });

  after(async function () {
    this.timeout(60_000);
    for (const [f, text] of saved) {
      if (text !== undefined) fs.writeFileSync(f, text);
      else fs.rmSync(f, { force: true });
    }
    await hub?.stop();
    const { workbench } = session();
    const page = workbench.page;
    await page.keyboard.press('Escape');
    await workbench.runCommand('View: Close All Editors').catch(() => undefined);
    // The restored settings name the session's model again: the suites after this one expect it.
    await page.waitForFunction(
      (sel) => {
        const label = document.querySelector(sel)?.getAttribute('aria-label') ?? '';
        return label !== '' && !label.includes('attention-lens-test/') && !/Loading/.test(label);
      },
      statusItem,
      { timeout: 60_000 },
    );
  });

  it('lists the bundled model and the cached ones, the unsupported one with its reason; picking it loads nothing', async function () {
    this.timeout(120_000);
    const { workbench } = session();
    const page = workbench.page;
    const listed = await openPicker(page);
    await workbench.screenshot('70-model-picker');
    assert.ok(listed.some((r) => /attention-lens-bundled|Bundled model/.test(r)), `the bundled model: ${listed.join(' | ')}`);
    const qwen = listed.find((r) => r.includes(CACHED));
    assert.ok(qwen, `the cached Qwen2 model: ${listed.join(' | ')}`);
    assert.match(qwen, /fits · \d+K params · BF16 · \d+\.\d KiB/);
    const gemma = listed.find((r) => r.includes(UNSUPPORTED));
    assert.ok(gemma, `the cached Gemma model: ${listed.join(' | ')}`);
    assert.match(gemma, /architecture GemmaForCausalLM not supported/);
    assert.ok(listed.indexOf(qwen) < listed.indexOf(gemma), 'what runs comes first');
    assert.ok(listed.some((r) => r.includes('Open folder…')));

    await pick(page, 'tiny-gemma');
    const note = await waitForNotification(page, /tiny-gemma cannot be loaded: architecture GemmaForCausalLM not supported/);
    assert.match(note, /gemma/);
  });

  it('picking a cached model loads it, and Show Attention runs on it', async function () {
    this.timeout(240_000);
    const { workbench } = session();
    const page = workbench.page;
    await openPicker(page);
    await pick(page, 'tiny-qwen2');
    await waitForStatus(page, CACHED);

    await workbench.runCommand('View: Show Explorer');
    await workbench.openFile('paragraph.txt');
    await workbench.selectText(ref.text);
    await workbench.runCommand('Attention Lens: Show Attention');
    const frame = await workbench.findWebviewFrame('#overview .ov-kv', 90_000);
    await frame.waitForFunction((name) => (document.querySelector('#title')?.textContent ?? '').includes(name), CACHED, { timeout: 60_000 });
    await workbench.screenshot('71-picked-cached-model');
    const title = (await frame.locator('#title').textContent()) ?? '';
    assert.ok(title.includes(CACHED), `the panel names the model: "${title}"`);
    assert.ok(await waitForSetting(CACHED), 'attentionLens.modelPath names the repo id');
  });

  it('downloads a model from the Hub with a progress notification, then loads it', async function () {
    this.timeout(240_000);
    const { workbench, hub: hf } = session();
    const page = workbench.page;
    hub = new FakeHub({ [DOWNLOADED]: { files: QWEN }, [CANCELLED]: { files: QWEN }, [GATED]: { files: QWEN, gated: [TOKEN] } });
    hub.paceMs = 250; // long enough to see the notification (the weights come in 14 pieces)
    await hub.start(hf.port);

    await openPicker(page);
    await pick(page, 'Download from the Hugging Face Hub');
    await typeInInput(page, 'HuggingFaceTB/SmolLM2-135M', DOWNLOADED);

    const progress = await waitForNotification(page, /model\.safetensors: .* of .* · total .* of /, 60_000);
    await workbench.screenshot('72-download-progress');
    const source = await page.$$eval('.notification-toast .notification-list-item-source, .notification-toast .notification-list-item-message', (els) => els.map((e) => e.textContent ?? '').join(' '));
    assert.match(source, new RegExp(`Downloading ${DOWNLOADED}`), `the notification names the download: ${source}`);
    assert.match(progress, /total .* of \d+(\.\d)? KiB/);

    await waitForStatus(page, DOWNLOADED, 120_000);
    const snapshot = path.join(hf.cacheDir, 'models--attention-lens-test--tiny-download', 'snapshots', hub.commitOf(DOWNLOADED));
    for (const name of Object.keys(QWEN)) assert.ok(fs.existsSync(path.join(snapshot, name)), `${name} in the snapshot`);
    assert.equal(fs.readFileSync(path.join(hf.cacheDir, 'models--attention-lens-test--tiny-download', 'refs', 'main'), 'utf8'), hub.commitOf(DOWNLOADED));
    assert.ok(await waitForSetting(DOWNLOADED), 'attentionLens.modelPath names the downloaded repo');
  });

  it('a model that fails to load keeps the current one, and the setting as it was', async function () {
    this.timeout(120_000);
    const { workbench, hub: hf } = session();
    const page = workbench.page;
    // Its config runs, its weights are not a safetensors file: listed, and the load fails.
    writePythonCache(hf.cacheDir, BROKEN, { ...QWEN, 'model.safetensors': Buffer.from('not a safetensors file') }, { commit: '3c'.repeat(20) });
    await openPicker(page);
    await pick(page, 'tiny-broken');
    const note = await waitForNotification(page, new RegExp(`Could not load the model .* Still using ${DOWNLOADED}\\.`), 60_000);
    assert.match(note, /tiny-broken|3c3c3c/);
    await waitForStatus(page, DOWNLOADED, 10_000);
    assert.ok(await waitForSetting(DOWNLOADED, 1000), 'modelPath still names the model in use');
  });

  it('Cancel stops a download at once and keeps what arrived for the next try', async function () {
    this.timeout(120_000);
    const { workbench, hub: hf } = session();
    const page = workbench.page;
    await openPicker(page);
    await pick(page, 'Download from the Hugging Face Hub');
    await typeInInput(page, 'HuggingFaceTB/SmolLM2-135M', CANCELLED);
    await waitForNotification(page, /model\.safetensors: .* of /, 60_000);
    await clickNotificationButton(page, new RegExp(`Downloading ${CANCELLED}`), 'Cancel');
    await waitForNotification(page, new RegExp(`Download cancelled\\. .*downloading ${CANCELLED} again resumes it`), 30_000);
    const blobs = path.join(hf.cacheDir, 'models--attention-lens-test--tiny-cancelled', 'blobs');
    const partial = fs.readdirSync(blobs).filter((n) => n.endsWith('.incomplete'));
    assert.equal(partial.length, 1, `one resumable blob: ${fs.readdirSync(blobs).join(', ')}`);
    const size = fs.statSync(path.join(blobs, partial[0])).size;
    assert.ok(size > 0 && size < QWEN['model.safetensors'].length, `a part of the weights: ${size} bytes`);
    await waitForStatus(page, DOWNLOADED, 10_000); // the model in use stays
  });

  it('a gated repo: the message names it and offers its page and a token; the token typed once downloads it', async function () {
    this.timeout(180_000);
    const { workbench } = session();
    const page = workbench.page;
    await openPicker(page);
    await pick(page, 'Download from the Hugging Face Hub');
    await typeInInput(page, 'HuggingFaceTB/SmolLM2-135M', GATED);
    const refusal = new RegExp(`${GATED}: gated repo: request access at ${session().hub.endpoint}/${GATED}`);
    await waitForNotification(page, refusal, 60_000);
    const buttons = await page.locator('.notification-toast', { hasText: refusal }).locator('.monaco-button').allTextContents();
    assert.deepEqual(buttons.map((b) => b.trim()).filter(Boolean).slice(0, 2), [`Open ${GATED}`, 'Enter a Token…']);
    await workbench.screenshot('73-gated');
    await clickNotificationButton(page, refusal, 'Enter a Token…');
    await typeInInput(page, 'hf_…', TOKEN);
    await waitForStatus(page, GATED, 120_000);
    assert.ok(hub!.log.some((r) => r.path.includes(GATED) && r.auth === `Bearer ${TOKEN}`), 'the typed token was sent');
    assert.ok(await waitForSetting(GATED), 'attentionLens.modelPath names the gated repo'); // written before after() restores the files
  });
});
