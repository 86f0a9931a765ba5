// `tsx src/train/corpus/trainTokenizer.ts --corpus corpus-build --vocab 4096 [--out DIR]`:
// trains a byte-level BPE on train.txt, writes it (default <corpus>/tokenizer/), then measures
// tokens per byte on val.txt with the engine's tokenizer loaded from the written files.

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ByteLevelBPETokenizer } from '../../engine/tokenizer';
import { trainByteLevelBPE } from '../bpeTrainer';
import { END_OF_TEXT } from '../clean';
import { saveTokenizer } from '../tokenizerFiles';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

const corpus = resolve(option('corpus', 'corpus-build'));
const vocabSize = Number(option('vocab', '4096'));
const out = resolve(option('out', join(corpus, 'tokenizer')));
const separator = `\n${END_OF_TEXT}\n`;

const t0 = Date.now();
const docs = readFileSync(join(corpus, 'train.txt'), 'utf8').split(separator).filter((d) => d.length > 0);
const { vocab, merges } = trainByteLevelBPE(docs, {
  vocabSize,
  specialTokens: [END_OF_TEXT],
  onProgress: (n) => n % 1000 === 0 && console.log(`[tokenizer] ${n} merges, ${((Date.now() - t0) / 1000).toFixed(1)} s`),
});
const trainSeconds = (Date.now() - t0) / 1000;
saveTokenizer(out, vocab, merges, { specialTokens: [END_OF_TEXT] });
console.log(`[tokenizer] vocab ${Object.keys(vocab).length}, ${merges.length} merges in ${trainSeconds.toFixed(1)} s → ${out}`);

const tok = ByteLevelBPETokenizer.fromModelDir(out);
for (const split of ['train', 'val']) {
  const text = readFileSync(join(corpus, `${split}.txt`), 'utf8');
  const t1 = Date.now();
  const ids = tok.encodeIds(text);
  const bytes = Buffer.byteLength(text);
  console.log(
    `[tokenizer] ${split}: ${ids.length} tokens / ${bytes} bytes = ${(ids.length / bytes).toFixed(3)} tokens per byte ` +
      `(${(bytes / ids.length).toFixed(2)} bytes per token), encoded in ${((Date.now() - t1) / 1000).toFixed(1)} s`,
  );
}
