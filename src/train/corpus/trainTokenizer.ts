// `tsx src/train/corpus/trainTokenizer.ts --corpus corpus-build --vocab 8192 [--out DIR]`:
// trains a byte-level BPE on train.txt, writes it (default <corpus>/tokenizer/), then measures
// tokens per byte on val.txt with the engine's tokenizer loaded from the written files.
// `--vocab 4096,8192,12288` trains once, at the largest size, and writes every size as a prefix of
// it (truncateBPE) to <out>/<size>/; `npm run tokenizer:eval -- <out>/*` then compares them.

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ByteLevelBPETokenizer } from '../../engine/tokenizer';
import { trainByteLevelBPE, truncateBPE } from '../bpeTrainer';
import { END_OF_TEXT } from '../clean';
import { saveTokenizer } from '../tokenizerFiles';

/** The last `--name value` wins, so `npm run tokenizer:train -- --vocab 4096` overrides the script's. */
function option(name: string, fallback: string): string {
  const i = process.argv.lastIndexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

const corpus = resolve(option('corpus', 'corpus-build'));
const sizes = option('vocab', '8192').split(',').map(Number);
if (sizes.some((n) => !Number.isInteger(n) || n < 257)) throw new Error(`--vocab wants sizes above 256, got ${option('vocab', '')}`);
const out = resolve(option('out', join(corpus, 'tokenizer')));
const separator = `\n${END_OF_TEXT}\n`;

const t0 = Date.now();
const c0 = process.cpuUsage();
/** Wall and CPU seconds so far: the machine is shared, so CPU time is the figure that compares. */
const clock = (): string => {
  const u = process.cpuUsage(c0);
  return `${((Date.now() - t0) / 1000).toFixed(1)} s (CPU ${((u.user + u.system) / 1e6).toFixed(1)} s)`;
};
const docs = readFileSync(join(corpus, 'train.txt'), 'utf8').split(separator).filter((d) => d.length > 0);
const full = trainByteLevelBPE(docs, {
  vocabSize: Math.max(...sizes),
  specialTokens: [END_OF_TEXT],
  onProgress: (n) => n % 1000 === 0 && console.log(`[tokenizer] ${n} merges, ${clock()}`),
});
console.log(`[tokenizer] ${full.merges.length} merges in ${clock()}`);

for (const size of sizes) {
  const dir = sizes.length > 1 ? join(out, String(size)) : out;
  const { vocab, merges } = truncateBPE(full, size, [END_OF_TEXT]);
  saveTokenizer(dir, vocab, merges, { specialTokens: [END_OF_TEXT] });
  const tok = ByteLevelBPETokenizer.fromModelDir(dir);
  const text = readFileSync(join(corpus, 'val.txt'), 'utf8');
  const ids = tok.encodeIds(text);
  const bytes = Buffer.byteLength(text);
  console.log(
    `[tokenizer] vocab ${tok.vocabSize} → ${dir}; val: ${ids.length} tokens / ${bytes} bytes = ` +
      `${(bytes / ids.length).toFixed(2)} bytes per token`,
  );
}
