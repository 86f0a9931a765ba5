// Complete as chat, the host logic without VS Code: when a completion answers the selection, the
// message it sends, the paragraph break before the answer, and a chat run through the engine worker
// (runCompletion with the chat prompt's ids) generating what the session generates from them.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineClient } from '../../src/engine/client';
import { EngineSession } from '../../src/engine/session';
import {
  answerSeparator,
  chatMessages,
  completionMode,
  parseChatSetting,
  separatedStream,
  type ChatSetting,
} from '../../src/host/chatCompletion';
import { runCompletion } from '../../src/host/completionRun';
import { writeChatModel } from './chatModel';
import { ensureBuilt } from './cliRun';

const WORKER = join(__dirname, '..', '..', 'dist', 'engine-worker.js');

describe('Complete as chat: the choice, the message, the answer placement', () => {
  it('chat only on a selection with a chat template; then the setting decides, Options always asks', () => {
    const table: [ChatSetting, boolean, boolean, boolean, string][] = [
      // setting, selection, template, Options, mode
      ['auto', true, true, false, 'chat'],
      ['auto', false, true, false, 'continue'],
      ['auto', true, false, false, 'continue'],
      ['ask', true, true, false, 'ask'],
      ['ask', false, true, false, 'continue'],
      ['never', true, true, false, 'continue'],
      ['never', true, true, true, 'ask'],
      ['auto', true, true, true, 'ask'],
      ['auto', true, false, true, 'continue'],
      ['never', false, true, true, 'continue'],
    ];
    for (const [setting, hasSelection, hasChatTemplate, askAlways, mode] of table) {
      assert.equal(completionMode(setting, { hasSelection, hasChatTemplate, askAlways }), mode, JSON.stringify({ setting, hasSelection, hasChatTemplate, askAlways }));
    }
  });

  it('the setting: one of auto/ask/never, else the default with a line for the log', () => {
    const log: string[] = [];
    assert.equal(parseChatSetting('never', (l) => log.push(l)), 'never');
    assert.equal(parseChatSetting(undefined, (l) => log.push(l)), 'auto');
    assert.equal(log.length, 0);
    assert.equal(parseChatSetting('always', (l) => log.push(l)), 'auto');
    assert.equal(log.length, 1);
    assert.match(log[0], /attentionLens\.completion\.chat.*"always"/);
  });

  it('the message is the selection without the space around it, its end kept when too long', () => {
    assert.deepEqual(chatMessages('\n  Why is the sky blue?\n\n', 100), [{ role: 'user', content: 'Why is the sky blue?' }]);
    assert.deepEqual(chatMessages('Some context. The question?', 13), [{ role: 'user', content: 'The question?' }]);
    // Never half a surrogate pair at the cut.
    assert.deepEqual(chatMessages('ab😀cd', 3), [{ role: 'user', content: 'cd' }]);
  });

  it('the answer starts a new paragraph after the selection, whatever line breaks it ends with', () => {
    assert.equal(answerSeparator('Why?'), '\n\n');
    assert.equal(answerSeparator('Why?\n'), '\n');
    assert.equal(answerSeparator('Why?\r\n'), '\n');
    assert.equal(answerSeparator('Why?\n\n'), '');
    assert.equal(answerSeparator('Why?\r\n\r\n\r\n'), '');
  });

  it('the separator comes with the first text: an empty answer changes nothing', () => {
    const pushed: string[] = [];
    const s = separatedStream('\n\n', (t) => pushed.push(t));
    s.push('');
    assert.deepEqual(pushed, []);
    s.push('Because');
    s.push(' of Rayleigh.');
    assert.deepEqual(pushed, ['\n\nBecause', ' of Rayleigh.']);
    assert.equal(s.final('Because of Rayleigh.'), '\n\nBecause of Rayleigh.');
    assert.equal(separatedStream('\n\n', () => undefined).final(''), '');
  });
});

describe('Complete as chat through the engine worker', function () {
  this.timeout(120_000);
  let tmp: string;
  let client: EngineClient;
  let session: EngineSession;

  before(async () => {
    ensureBuilt();
    tmp = mkdtempSync(join(tmpdir(), 'al-chat-run-'));
    writeChatModel(join(tmp, 'chat'));
    client = EngineClient.start({ workerPath: WORKER });
    await client.load(join(tmp, 'chat'));
    session = await EngineSession.load(join(tmp, 'chat'));
  });
  after(async () => {
    await client?.dispose();
    session?.dispose();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('runCompletion generates from the chat prompt ids, as the session does', async () => {
    const messages = chatMessages('  Why is the sky blue?\n', 4096);
    const prompt = await client.chatPrompt(messages);
    const streamed: string[] = [];
    const out = await runCompletion(client, {
      prefix: prompt.text,
      promptIds: prompt.ids,
      options: { maxNewTokens: 10, temperature: 0 },
      nPositions: session.contextLength,
      onText: (t) => streamed.push(t),
    });
    const want = await session.generate(session.chatPrompt(messages).ids, { maxNewTokens: 10, temperature: 0 });
    assert.deepEqual(out.result.ids, want.ids);
    assert.equal(out.promptChars, prompt.text.length);
    assert.equal(streamed.join(''), out.streamed);
    // The same question as plain text (what Continue would send) gives another answer.
    const plain = await runCompletion(client, { prefix: 'Why is the sky blue?', options: { maxNewTokens: 10, temperature: 0 }, nPositions: session.contextLength });
    assert.notDeepEqual(plain.result.ids, out.result.ids);
  });
});
