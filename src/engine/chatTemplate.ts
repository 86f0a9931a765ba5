// A model's chat template: found the way transformers finds it (a `chat_template.jinja` file, else
// `chat_template` in tokenizer_config.json, a string or a list of named templates of which
// "default" is used), compiled with @huggingface/jinja (the Jinja the ecosystem's JavaScript uses,
// with Hugging Face's trim_blocks / lstrip_blocks and its `raise_exception` and `strftime_now`),
// and rendered with the variables `apply_chat_template` passes: `messages`,
// `add_generation_prompt`, and the special tokens (`bos_token`, `eos_token`, …) as strings.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { Template } from '@huggingface/jinja';
import { EngineError } from './errors';
import type { ChatMessage } from '../shared/chat';

/** Where a template was found and what it renders with. */
export interface ChatTemplateSource {
  template: string;
  /** The file it came from (named in every error). */
  file: string;
  /** `bos_token`, `eos_token`, `unk_token`, `pad_token` as strings, where the folder names them. */
  specialTokens: Record<string, string>;
}

export interface RenderOptions {
  /** End with the header of an assistant turn, so the model answers (default true). */
  addGenerationPrompt?: boolean;
  /** More template variables (e.g. `date_string` for Llama 3's date line). */
  variables?: Record<string, unknown>;
}

const CHAT_TEMPLATE_FILE = 'chat_template.jinja';
const TOKENIZER_CONFIG = 'tokenizer_config.json';
const SPECIAL_TOKENS_MAP = 'special_tokens_map.json';
const SPECIAL_KEYS = ['bos_token', 'eos_token', 'unk_token', 'pad_token'] as const;

/**
 * How long a render may run. A template comes from the internet, and Jinja needs no while loop to
 * run for ever: two nested `range(100000)` loops are 10¹⁰ turns. Real templates render in
 * milliseconds. `range(10⁹)` builds its array until stopped: measured 0.7 GB in 1 s (1.1 GB in 2 s)
 * on the 2-core VM; a render in a worker with its own heap limit would bound that too.
 */
export const RENDER_TIMEOUT_MS = 1000;
/** The longest prompt a render may produce (UTF-16 units): far beyond any context we run. */
export const MAX_RENDERED_CHARS = 8 * 1024 * 1024;

function bad(file: string, problem: string): EngineError {
  return new EngineError('BAD_CHAT_TEMPLATE', `${file}: ${problem}`, file);
}

/** The first line of an error's message (jinja's messages are one line, but be sure). */
function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}

function readJsonObject(file: string): Record<string, unknown> | undefined {
  if (!existsSync(file)) return undefined;
  let json: unknown;
  try {
    const text = readFileSync(file, 'utf8');
    json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    throw new EngineError('BAD_JSON', `is not valid JSON (${firstLine(err)})`, file);
  }
  return typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined;
}

/** "x" or { content: "x" }, as tokenizer_config.json and special_tokens_map.json write a token. */
function tokenString(x: unknown): string | undefined {
  if (typeof x === 'string') return x;
  if (typeof x === 'object' && x !== null && typeof (x as { content?: unknown }).content === 'string') {
    return (x as { content: string }).content;
  }
  return undefined;
}

/** The template of tokenizer_config.json's `chat_template` (undefined when it has none). */
function templateOfConfig(value: unknown, file: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    const named = value.filter((t): t is { name: string; template: string } => typeof t?.name === 'string' && typeof t?.template === 'string');
    if (named.length !== value.length) throw bad(file, '"chat_template" is a list whose entries are not all {"name", "template"} strings');
    const def = named.find((t) => t.name === 'default');
    if (!def) throw bad(file, `"chat_template" has no template named "default" (it has ${named.map((t) => `"${t.name}"`).join(', ') || 'none'})`);
    return def.template;
  }
  throw bad(file, `"chat_template" must be a string or a list of {"name", "template"}, got ${typeof value}`);
}

/** Finds the chat template of a model folder; undefined when it has none. */
export function readChatTemplate(dir: string): ChatTemplateSource | undefined {
  const configFile = join(dir, TOKENIZER_CONFIG);
  const config = readJsonObject(configFile);
  const specialTokens: Record<string, string> = {};
  const map = readJsonObject(join(dir, SPECIAL_TOKENS_MAP));
  for (const key of SPECIAL_KEYS) {
    const token = tokenString(config?.[key]) ?? tokenString(map?.[key]);
    if (token !== undefined) specialTokens[key] = token;
  }
  const jinjaFile = join(dir, CHAT_TEMPLATE_FILE);
  if (existsSync(jinjaFile)) {
    // Newer Hub repos keep the template in its own file; transformers prefers it.
    let template: string;
    try {
      template = readFileSync(jinjaFile, 'utf8');
    } catch (err) {
      throw bad(jinjaFile, `cannot read it (${firstLine(err)})`);
    }
    return { template, file: jinjaFile, specialTokens };
  }
  const template = templateOfConfig(config?.chat_template, configFile);
  return template === undefined ? undefined : { template, file: configFile, specialTokens };
}

/** readChatTemplate, but a malformed template is returned as its error (for chat alone to report). */
export function readChatTemplateOrError(dir: string): ChatTemplateSource | EngineError | undefined {
  try {
    return readChatTemplate(dir);
  } catch (err) {
    if (err instanceof EngineError && err.code === 'BAD_CHAT_TEMPLATE') return err;
    throw err;
  }
}

const ROLES: readonly string[] = ['system', 'user', 'assistant'] satisfies ChatMessage['role'][];

/** Throws BAD_ARGUMENT unless `messages` is a non-empty list of {role, content: string}. */
export function checkMessages(messages: readonly ChatMessage[]): void {
  if (!Array.isArray(messages) || messages.length === 0) throw new EngineError('BAD_ARGUMENT', 'a chat needs at least one message');
  for (const m of messages) {
    if (!ROLES.includes(m?.role) || typeof m?.content !== 'string') {
      throw new EngineError('BAD_ARGUMENT', `a chat message must be {"role": system|user|assistant, "content": a string}, got ${JSON.stringify(m)}`);
    }
  }
}

/** A compiled chat template. */
export class ChatTemplate {
  private readonly compiled: Template;

  constructor(readonly source: ChatTemplateSource) {
    try {
      this.compiled = new Template(source.template);
    } catch (err) {
      throw bad(source.file, `the chat template does not parse: ${firstLine(err)}`);
    }
  }

  /** The template of a model folder, compiled; undefined when it has none. */
  static fromModelDir(dir: string): ChatTemplate | undefined {
    const source = readChatTemplate(dir);
    return source && new ChatTemplate(source);
  }

  get file(): string {
    return this.source.file;
  }

  /** Renders `messages` to the prompt text (special tokens written out). */
  render(messages: readonly ChatMessage[], opts: RenderOptions = {}): string {
    const vars: Record<string, unknown> = {
      ...this.source.specialTokens,
      ...opts.variables,
      messages: messages.map((m) => ({ role: m.role, content: m.content })),
      add_generation_prompt: opts.addGenerationPrompt ?? true,
    };
    let text: unknown;
    try {
      // The render runs under vm's watchdog, which stops any JavaScript it started (jinja's own
      // code included) once the timeout has passed: the only way to stop a synchronous loop.
      text = runInNewContext('render()', { render: () => this.compiled.render(vars) }, { timeout: RENDER_TIMEOUT_MS });
    } catch (err) {
      if ((err as { code?: string })?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
        throw bad(this.source.file, `the chat template did not finish within ${RENDER_TIMEOUT_MS / 1000} s (a loop that runs too long?)`);
      }
      // raise_exception(...) in the template lands here with the template's own message.
      throw bad(this.source.file, `the chat template failed: ${firstLine(err)}`);
    }
    if (typeof text !== 'string') throw bad(this.source.file, 'the chat template rendered no text');
    if (text.length > MAX_RENDERED_CHARS) throw bad(this.source.file, `the chat template rendered ${text.length} characters, more than the ${MAX_RENDERED_CHARS} allowed`);
    return text;
  }
}
