// Tokenizing very long texts: `npm run fuzz:text -- [--mb 10]`. For each fixture tokenizer and each
// shape of text (mixed prose/Chinese/emoji/code, one run of spaces, digits, lone surrogates, NULs),
// prints the time for 1/4 of the size, half of it and all of it, so that the growth can be read
// (linear time doubles with the size). Timing is reported, never asserted (see the README's fuzz notes).
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import { loadTokenizer } from '../../src/engine/loadTokenizer';
import { FIXTURES } from './harness';

const { values } = parseArgs({ options: { mb: { type: 'string', default: '10' } } });
const mb = Number(values.mb);
const SHAPES: Record<string, string> = {
  mixed: 'The quick brown fox, 你好世界！ 🙂 x = f(y) + 42;\n\t',
  spaces: ' ',
  digits: '7',
  surrogates: 'a\ud800b\udc00',
  nul: 'a\u0000',
};
process.stdout.write(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
for (const [name, dir] of [['tiny-qwen2 (HfTokenizer)', FIXTURES.qwen2], ['bundled (GPT-2 ByteLevelBPETokenizer)', FIXTURES.bundled]] as const) {
  const tok = loadTokenizer(dir);
  for (const [shape, unit] of Object.entries(SHAPES)) {
    const times: string[] = [];
    for (const part of [0.25, 0.5, 1]) {
      const chars = Math.floor(part * mb * 2 ** 20);
      const text = unit.repeat(Math.ceil(chars / unit.length)).slice(0, chars);
      const t0 = process.hrtime.bigint();
      const n = tok.encodeIds(text).length;
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      times.push(`${(part * mb).toFixed(1)} MB ${ms.toFixed(0)} ms (${n} tokens)`);
    }
    process.stdout.write(`${name}, ${shape}: ${times.join(', ')}\n`);
  }
}
