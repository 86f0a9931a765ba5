// Chat templates: where a model folder keeps one, and what the real templates of four instruct
// families render (the expected strings written out by hand from each template's logic).
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatTemplate, readChatTemplate } from '../../src/engine/chatTemplate';
import { EngineError } from '../../src/engine/errors';
import type { ChatMessage } from '../../src/shared/chat';
import { CHAT_TEMPLATES } from './chatModel';

const template = (name: string): string => readFileSync(join(CHAT_TEMPLATES, `${name}.jinja`), 'utf8');
const compile = (name: string, specialTokens: Record<string, string> = {}): ChatTemplate =>
  new ChatTemplate({ template: template(name), file: `${name}.jinja`, specialTokens });

const QUESTION: ChatMessage[] = [{ role: 'user', content: 'What is 2+2?' }];
/** A system turn, a full exchange and a second question with spaces around it (some templates trim). */
const CONVERSATION: ChatMessage[] = [
  { role: 'system', content: 'Be brief. ' },
  { role: 'user', content: 'What is 2+2?' },
  { role: 'assistant', content: '4' },
  { role: 'user', content: ' And 3+3? ' },
];

function isChatError(code: string, ...parts: string[]): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof EngineError, String(e));
    assert.equal(e.code, code);
    assert.equal(e.message.split('\n').length, 1, 'one line');
    for (const p of parts) assert.ok(e.message.includes(p), `"${e.message}" lacks ${p}`);
    return true;
  };
}

describe('chat templates: the real ones render as their models expect', () => {
  it('SmolLM2-Instruct: ChatML with its default system turn, replaced by a given one', () => {
    const t = compile('smollm2-instruct');
    assert.equal(
      t.render(QUESTION),
      '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' +
        '<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n',
    );
    assert.equal(
      t.render(CONVERSATION),
      '<|im_start|>system\nBe brief. <|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n' +
        '<|im_start|>assistant\n4<|im_end|>\n<|im_start|>user\n And 3+3? <|im_end|>\n<|im_start|>assistant\n',
    );
    assert.ok(!t.render(QUESTION, { addGenerationPrompt: false }).endsWith('<|im_start|>assistant\n'));
  });

  it('Qwen2.5-Instruct: its default system prompt ("You are Qwen…") unless one is given', () => {
    const t = compile('qwen2.5-instruct');
    assert.equal(
      t.render(QUESTION),
      '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n' +
        '<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n',
    );
    assert.equal(
      t.render(CONVERSATION),
      '<|im_start|>system\nBe brief. <|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n' +
        '<|im_start|>assistant\n4<|im_end|>\n<|im_start|>user\n And 3+3? <|im_end|>\n<|im_start|>assistant\n',
    );
  });

  it('Llama 3.2 Instruct: BOS, the dated system header, trimmed turns', () => {
    const t = compile('llama-3.2-instruct', { bos_token: '<|begin_of_text|>', eos_token: '<|eot_id|>' });
    const date = { date_string: '26 Jul 2024' };
    assert.equal(
      t.render(QUESTION, { variables: date }),
      '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n' +
        'Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|>' +
        '<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>' +
        '<|start_header_id|>assistant<|end_header_id|>\n\n',
    );
    assert.equal(
      t.render(CONVERSATION, { variables: date }),
      '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n' +
        'Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\nBe brief.<|eot_id|>' +
        '<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>' +
        '<|start_header_id|>assistant<|end_header_id|>\n\n4<|eot_id|>' +
        '<|start_header_id|>user<|end_header_id|>\n\nAnd 3+3?<|eot_id|>' +
        '<|start_header_id|>assistant<|end_header_id|>\n\n',
    );
    // Without date_string the template asks strftime_now for today's date.
    assert.match(t.render(QUESTION), /\nToday Date: \d\d \S+ \d{4}\n\n<\|eot_id\|>/);
  });

  it('TinyLlama-Chat: Zephyr turns ended by the EOS token, block lines trimmed', () => {
    const t = compile('tinyllama-chat', { bos_token: '<s>', eos_token: '</s>' });
    assert.equal(t.render(QUESTION), '<|user|>\nWhat is 2+2?</s>\n<|assistant|>\n');
    assert.equal(
      t.render(CONVERSATION),
      '<|system|>\nBe brief. </s>\n<|user|>\nWhat is 2+2?</s>\n<|assistant|>\n4</s>\n<|user|>\n And 3+3? </s>\n<|assistant|>\n',
    );
  });
});

describe('chat templates: finding them in a model folder', () => {
  let tmp: string;
  let n = 0;
  const folder = (files: Record<string, unknown>): string => {
    const dir = join(tmp, `m${n++}`);
    mkdirSync(dir);
    for (const [name, content] of Object.entries(files)) {
      writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
    }
    return dir;
  };
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'al-chat-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('tokenizer_config.json: the template string and the special tokens, strings or {content}', () => {
    const dir = folder({
      'tokenizer_config.json': { chat_template: '{{ bos_token }}[{{ messages[0].content }}]{{ eos_token }}', bos_token: '<s>', eos_token: { content: '</s>', lstrip: false } },
    });
    const source = readChatTemplate(dir);
    assert.equal(source?.file, join(dir, 'tokenizer_config.json'));
    assert.deepEqual(source?.specialTokens, { bos_token: '<s>', eos_token: '</s>' });
    assert.equal(ChatTemplate.fromModelDir(dir)?.render(QUESTION), '<s>[What is 2+2?]</s>');
  });

  it('a list of named templates: "default" is used; none named so is an error naming the file', () => {
    const list = [
      { name: 'tool_use', template: 'tools' },
      { name: 'default', template: 'plain {{ messages | length }}' },
    ];
    assert.equal(ChatTemplate.fromModelDir(folder({ 'tokenizer_config.json': { chat_template: list } }))?.render(QUESTION), 'plain 1');
    const dir = folder({ 'tokenizer_config.json': { chat_template: [list[0]] } });
    assert.throws(() => readChatTemplate(dir), isChatError('BAD_CHAT_TEMPLATE', join(dir, 'tokenizer_config.json'), '"default"', '"tool_use"'));
    const odd = folder({ 'tokenizer_config.json': { chat_template: 7 } });
    assert.throws(() => readChatTemplate(odd), isChatError('BAD_CHAT_TEMPLATE', 'tokenizer_config.json', 'number'));
  });

  it('chat_template.jinja comes before tokenizer_config.json; special tokens still come from the config', () => {
    const dir = folder({
      'chat_template.jinja': '{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}{{ eos_token }}\n',
      'tokenizer_config.json': { chat_template: 'the old one', eos_token: '<|end|>' },
    });
    const t = ChatTemplate.fromModelDir(dir);
    assert.equal(t?.file, join(dir, 'chat_template.jinja'));
    // The file's last line break is not output (Jinja's keep_trailing_newline is off, as in transformers).
    assert.equal(t?.render(QUESTION), '<user>What is 2+2?<|end|>');
  });

  it('special_tokens_map.json fills in the tokens tokenizer_config.json does not name', () => {
    const dir = folder({
      'tokenizer_config.json': { chat_template: '{{ bos_token }}|{{ eos_token }}', eos_token: 'E' },
      'special_tokens_map.json': { bos_token: { content: 'B' }, eos_token: 'ignored' },
    });
    assert.equal(ChatTemplate.fromModelDir(dir)?.render(QUESTION), 'B|E');
  });

  it('no template: undefined (GPT-2 folders, base models)', () => {
    assert.equal(readChatTemplate(folder({})), undefined);
    assert.equal(readChatTemplate(folder({ 'tokenizer_config.json': { eos_token: '</s>' } })), undefined);
  });

  it('a template that does not parse, one that raises, and bad JSON: one line naming the file', () => {
    const broken = folder({ 'tokenizer_config.json': { chat_template: '{% for m in messages %}{{ m.content }' } });
    assert.throws(() => ChatTemplate.fromModelDir(broken), isChatError('BAD_CHAT_TEMPLATE', join(broken, 'tokenizer_config.json'), 'does not parse'));
    const strict = folder({
      'chat_template.jinja': "{% if messages[0]['role'] != 'system' %}{{ raise_exception('a system message must come first') }}{% endif %}ok",
    });
    const t = ChatTemplate.fromModelDir(strict)!;
    assert.equal(t.render([{ role: 'system', content: 's' }]), 'ok');
    assert.throws(() => t.render(QUESTION), isChatError('BAD_CHAT_TEMPLATE', join(strict, 'chat_template.jinja'), 'a system message must come first'));
    const json = folder({ 'tokenizer_config.json': '{"chat_template": ' });
    assert.throws(() => readChatTemplate(json), isChatError('BAD_JSON', join(json, 'tokenizer_config.json')));
  });
});
