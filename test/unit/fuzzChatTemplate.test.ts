// Hostile chat templates (tokenizer_config.json's chat_template comes from the internet): loops that
// would run for ever, recursion, huge output, and seeded mutations of the four real templates. Each
// case ends in a rendered string or a BAD_CHAT_TEMPLATE error naming the file, within the render
// timeout plus a margin; never a hang or a crash of the engine worker that renders it.
import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ChatTemplate, MAX_RENDERED_CHARS, RENDER_TIMEOUT_MS } from '../../src/engine/chatTemplate';
import { EngineError } from '../../src/engine/errors';
import { mulberry32 } from '../../src/shared/mulberry32';
import type { ChatMessage } from '../../src/shared/chat';
import { CHAT_TEMPLATES } from './chatModel';

const FILE = '/models/hostile/tokenizer_config.json';
const MESSAGES: ChatMessage[] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'What is 2+2? 二加二是多少？' },
];

/** Compiles and renders `template`; returns the text or the EngineError, and how long it took. */
function attempt(template: string): { out: string | EngineError; ms: number } {
  const t0 = performance.now();
  let out: string | EngineError;
  try {
    out = new ChatTemplate({ template, file: FILE, specialTokens: { bos_token: '<s>', eos_token: '</s>' } }).render(MESSAGES);
  } catch (err) {
    if (!(err instanceof EngineError)) throw new Error(`not an EngineError: ${String(err)}\n--- template ---\n${template.slice(0, 400)}`);
    out = err;
  }
  return { out, ms: performance.now() - t0 };
}

function assertRefused(template: string, pattern: RegExp): void {
  const { out, ms } = attempt(template);
  assert.ok(out instanceof EngineError, `refused: ${typeof out === 'string' ? out.slice(0, 80) : ''}`);
  assert.equal(out.code, 'BAD_CHAT_TEMPLATE');
  assert.equal(out.file, FILE);
  assert.equal(out.message.split('\n').length, 1, 'one line');
  assert.match(out.message, pattern);
  assert.ok(ms < RENDER_TIMEOUT_MS + 3000, `${ms.toFixed(0)} ms`);
}

describe('fuzz: chat templates', function () {
  this.timeout(120_000);

  it('10¹⁰ turns of two nested loops stop at the render timeout, named as such', () => {
    assertRefused('{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}x', new RegExp(`did not finish within ${RENDER_TIMEOUT_MS / 1000} s`));
  });

  it('a loop over range(10⁹) stops at the timeout without holding a billion numbers', () => {
    const before = process.memoryUsage().rss;
    assertRefused('{% for a in range(1000000000) %}{% endfor %}', /did not finish/);
    // range() builds its array until the watchdog stops it: 0.7 GB in 1 s here, against 8 GB for 10⁹ numbers.
    const grown = process.memoryUsage().rss - before;
    assert.ok(grown < 1536 * 2 ** 20, `${(grown / 2 ** 20).toFixed(0)} MB more, under 1.5 GB`);
  });

  it('unbounded recursion through a macro is refused, not a crash', () => {
    assertRefused('{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}', /the chat template failed|did not finish/);
  });

  it('output beyond the limit is refused', () => {
    const n = Math.ceil(MAX_RENDERED_CHARS / 1000) + 10;
    assertRefused(`{% for a in range(${n}) %}${'x'.repeat(1000)}{% endfor %}`, /more than the \d+ allowed|did not finish/);
  });

  it('unknown filters, undefined calls and type errors are refused with the template\'s message', () => {
    assertRefused('{{ messages | nosuchfilter }}', /the chat template failed/);
    assertRefused('{{ nosuchfunction() }}', /the chat template failed/);
    assertRefused("{{ 'a' - 1 }}", /the chat template failed/);
  });

  it('300 seeded mutations of the real templates each render or give one clear error', () => {
    const templates = readdirSync(CHAT_TEMPLATES)
      .filter((f) => f.endsWith('.jinja'))
      .map((f) => readFileSync(join(CHAT_TEMPLATES, f), 'utf8'));
    assert.equal(templates.length, 4);
    const rand = mulberry32(20261208);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
    const snippets = ['{%', '%}', '{{', '}}', '{% for x in range(99999) %}', '{% endfor %}', '{% if', '{% endif %}', '(', ')', '[', "'", '|', 'messages', 'loop.index', '-', '\u0000', '二'];
    const outcomes = new Map<string, number>();
    let slowest = 0;
    for (let i = 0; i < 300; i++) {
      let t = pick(templates);
      for (let k = 1 + Math.floor(rand() * 3); k > 0; k--) {
        const at = Math.floor(rand() * (t.length + 1));
        const r = rand();
        if (r < 0.4) t = t.slice(0, at) + pick(snippets) + t.slice(at);
        else if (r < 0.7) t = t.slice(0, at) + t.slice(at + 1 + Math.floor(rand() * 8));
        else t = t.slice(0, at) + t.slice(at, at + 40) + t.slice(at);
      }
      const { out, ms } = attempt(t);
      slowest = Math.max(slowest, ms);
      const kind = typeof out === 'string' ? 'rendered' : out.code;
      outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1);
      if (typeof out !== 'string') assert.equal(out.file, FILE, `case ${i}: ${out.message}`);
      assert.ok(ms < RENDER_TIMEOUT_MS + 3000, `case ${i}: ${ms.toFixed(0)} ms`);
    }
    assert.deepEqual([...outcomes.keys()].sort(), ['BAD_CHAT_TEMPLATE', 'rendered'], `outcomes: ${[...outcomes].join(' ')}`);
    assert.ok(slowest < RENDER_TIMEOUT_MS + 3000, `slowest ${slowest.toFixed(0)} ms`);
  });
});
