// Chat through the engine: a session renders a conversation with the model's template and tokenizes
// it with the special tokens as the added tokens they are; the worker channel and `generate --chat`
// give the same prompt; a model without a template, or with a broken one, says so in one line.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineClient } from '../../src/engine/client';
import { EngineError } from '../../src/engine/errors';
import { EngineSession } from '../../src/engine/session';
import { IM_END, IM_START, TINY, smolConfig, writeChatModel } from './chatModel';
import { assertOneLineFailure, cli, ensureBuilt } from './cliRun';

const WORKER = join(__dirname, '..', '..', 'dist', 'engine-worker.js');
const SYSTEM = 'You are a helpful AI assistant named SmolLM, trained by Hugging Face';
const QUESTION = 'Why is the sky blue?';

function engineError(code: string, ...parts: string[]): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof EngineError, String(e));
    assert.equal(e.code, code, e.message);
    for (const p of parts) assert.ok(e.message.includes(p), `"${e.message}" lacks ${p}`);
    return true;
  };
}

describe('chat: session, worker and CLI', function () {
  this.timeout(120_000);
  let tmp: string;
  let chatDir: string;
  let brokenDir: string;
  let session: EngineSession;

  before(async () => {
    ensureBuilt();
    tmp = mkdtempSync(join(tmpdir(), 'al-chat-session-'));
    chatDir = join(tmp, 'chat');
    writeChatModel(chatDir);
    brokenDir = join(tmp, 'broken');
    writeChatModel(brokenDir, smolConfig('{% for message in messages %}{{ message.content }'));
    session = await EngineSession.load(chatDir);
  });
  after(() => {
    session?.dispose();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('renders the template and keeps its special tokens whole', () => {
    assert.equal(session.info.chatTemplate, join(chatDir, 'tokenizer_config.json'));
    const { text, ids } = session.chatPrompt([{ role: 'user', content: QUESTION }]);
    assert.equal(text, `<|im_start|>system\n${SYSTEM}<|im_end|>\n<|im_start|>user\n${QUESTION}<|im_end|>\n<|im_start|>assistant\n`);
    const enc = (s: string): number[] => session.tokenizer.encodeIds(s);
    const nl = enc('\n');
    assert.deepEqual(ids, [
      IM_START, ...enc(`system\n${SYSTEM}`), IM_END, ...nl,
      IM_START, ...enc(`user\n${QUESTION}`), IM_END, ...nl,
      IM_START, ...enc('assistant\n'),
    ]);
    assert.equal(session.tokenizer.decode(ids), text);
  });

  it('rejects a conversation that is not a list of {role, content}', () => {
    assert.throws(() => session.chatPrompt([]), engineError('BAD_ARGUMENT', 'at least one message'));
    const odd = [{ role: 'robot', content: 'hi' }] as unknown as Parameters<EngineSession['chatPrompt']>[0];
    assert.throws(() => session.chatPrompt(odd), engineError('BAD_ARGUMENT', 'robot'));
  });

  it('a model without a chat template: NO_CHAT_TEMPLATE naming the folder', async () => {
    const plain = await EngineSession.load(TINY);
    try {
      assert.equal(plain.info.chatTemplate, undefined);
      assert.throws(() => plain.chatPrompt([{ role: 'user', content: 'hi' }]), engineError('NO_CHAT_TEMPLATE', plain.info.dir, 'no chat template'));
    } finally {
      plain.dispose();
    }
  });

  it('a broken template: the model still loads and analyses; chat fails naming the file', async () => {
    const broken = await EngineSession.load(brokenDir);
    try {
      assert.equal(broken.info.chatTemplate, join(brokenDir, 'tokenizer_config.json'));
      assert.ok((await broken.analyze('Some text to look at.')).T > 0);
      assert.throws(
        () => broken.chatPrompt([{ role: 'user', content: 'hi' }]),
        engineError('BAD_CHAT_TEMPLATE', join(brokenDir, 'tokenizer_config.json'), 'does not parse'),
      );
    } finally {
      broken.dispose();
    }
  });

  it('the worker answers chatPrompt as the session does', async () => {
    const client = EngineClient.start({ workerPath: WORKER });
    try {
      const info = await client.load(chatDir);
      assert.equal(info.chatTemplate, session.info.chatTemplate);
      const messages = [{ role: 'user' as const, content: QUESTION }];
      assert.deepEqual(await client.chatPrompt(messages), session.chatPrompt(messages));
      await client.load(TINY);
      await assert.rejects(client.chatPrompt(messages), engineError('NO_CHAT_TEMPLATE'));
    } finally {
      await client.dispose();
    }
  });

  it('generate --chat answers the prompt file as the user message (greedy: the session\'s ids)', async () => {
    const prompt = join(tmp, 'question.txt');
    writeFileSync(prompt, QUESTION);
    const r = cli('generate', '--model', chatDir, '--prompt-file', prompt, '--chat', '--max-new-tokens', '8', '--temperature', '0');
    assert.equal(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout) as { ids: number[]; text: string };
    const want = await session.generate(session.chatPrompt([{ role: 'user', content: QUESTION }]).ids, { maxNewTokens: 8, temperature: 0 });
    assert.deepEqual(got.ids, want.ids);
    assert.equal(got.text, want.text);
    // Without --chat the same file is continued as plain text: another prompt, other tokens.
    const plain = JSON.parse(cli('generate', '--model', chatDir, '--prompt-file', prompt, '--max-new-tokens', '8', '--temperature', '0').stdout);
    assert.notDeepEqual(plain.ids, got.ids);

    assertOneLineFailure(cli('generate', '--model', TINY, '--prompt-file', prompt, '--chat', '--max-new-tokens', '2'), 'no chat template');
    assertOneLineFailure(cli('generate', '--model', brokenDir, '--prompt-file', prompt, '--chat', '--max-new-tokens', '2'), join(brokenDir, 'tokenizer_config.json'));
  });
});
