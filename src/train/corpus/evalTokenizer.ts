// `npm run tokenizer:eval -- [--corpus corpus-build] [DIR …]`: how well each tokenizer (default
// <corpus>/tokenizer) compresses the held-out text, per language, from corpus-build/val.zh.txt and
// val.en.txt (written by `npm run corpus`):
//   Chinese: tokens per character (all characters of the documents, ASCII included), tokens per
//            Han character within runs of Han characters, and the share of Han characters that no
//            token boundary cuts (the character is one token, or inside a longer one);
//   English (prose and code, the documents of the old val.txt): bytes per token.

import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ByteLevelBPETokenizer } from '../../engine/tokenizer';
import { preTokenize } from '../../engine/pretokenize';
import { END_OF_TEXT } from '../clean';

export interface ChineseFigures {
  chars: number;
  tokens: number;
  hanChars: number;
  hanTokens: number;
  /** Han characters whose bytes no token boundary cuts. */
  hanWhole: number;
}

const HAN_RUN = /^ ?\p{Script=Han}+$/u;

/** Counts tokens and characters of `docs` (documents without the end-of-text separator). */
export function chineseFigures(tok: ByteLevelBPETokenizer, docs: readonly string[]): ChineseFigures {
  const f: ChineseFigures = { chars: 0, tokens: 0, hanChars: 0, hanTokens: 0, hanWhole: 0 };
  for (const doc of docs) {
    f.chars += [...doc].length;
    for (const piece of preTokenize(doc)) {
      const ids = tok.encodeIds(piece.text);
      f.tokens += ids.length;
      if (!HAN_RUN.test(piece.text)) continue;
      const chars = [...piece.text.trimStart()];
      f.hanChars += chars.length;
      f.hanTokens += ids.length;
      // Token boundaries, in bytes from the start of the piece.
      const cuts = new Set<number>();
      let at = 0;
      for (const id of ids) cuts.add((at += tok.tokenBytes(id).length));
      let pos = piece.text.length - chars.join('').length; // the leading space, if any
      for (const ch of chars) {
        const n = Buffer.byteLength(ch);
        let whole = true;
        for (let k = 1; k < n; k++) if (cuts.has(pos + k)) whole = false;
        if (whole) f.hanWhole++;
        pos += n;
      }
    }
  }
  return f;
}

/** Bytes per token over `docs`. */
export function bytesPerToken(tok: ByteLevelBPETokenizer, docs: readonly string[]): { bytes: number; tokens: number } {
  let bytes = 0;
  let tokens = 0;
  for (const doc of docs) {
    bytes += Buffer.byteLength(doc);
    tokens += tok.encodeIds(doc).length;
  }
  return { bytes, tokens };
}

/** The documents of a corpus file (separated by `\n<|endoftext|>\n`). */
export function readDocs(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split(`\n${END_OF_TEXT}\n`)
    .filter((d) => d.length > 0);
}

function main(): void {
  let corpus = resolve('corpus-build');
  const dirs: string[] = [];
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--corpus') corpus = resolve(argv[++i] ?? '');
    else dirs.push(argv[i]);
  }
  if (dirs.length === 0) dirs.push(join(corpus, 'tokenizer'));
  for (const f of ['val.zh.txt', 'val.en.txt']) {
    if (!existsSync(join(corpus, f))) throw new Error(`${join(corpus, f)} is missing: run \`npm run corpus\` first`);
  }
  const zh = readDocs(join(corpus, 'val.zh.txt'));
  const en = readDocs(join(corpus, 'val.en.txt'));
  console.log(`held-out: val.zh.txt ${zh.length} documents, val.en.txt ${en.length} documents`);
  console.log('tokenizer | vocab | zh tokens/char | zh tokens/Han char (Han runs) | Han chars not cut | en bytes/token');
  for (const dir of dirs) {
    const tok = ByteLevelBPETokenizer.fromModelDir(resolve(dir));
    const c = chineseFigures(tok, zh);
    const e = bytesPerToken(tok, en);
    console.log(
      `${dir} | ${tok.vocabSize} | ${(c.tokens / c.chars).toFixed(3)} | ${(c.hanTokens / c.hanChars).toFixed(3)} | ` +
        `${((100 * c.hanWhole) / c.hanChars).toFixed(1)}% | ${(e.bytes / e.tokens).toFixed(3)}`,
    );
  }
}

if (require.main === module) main();
