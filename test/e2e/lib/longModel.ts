// A model that reads long texts, for the panel at long T (the e2e suite and bench:paint --long): the
// bundled model's tokenizer and GPT-2's shape, small (2 layers × 2 heads, d 64), with 4,096 learned
// positions and random weights; the bundled model itself reads only 256 tokens. std 0.1 makes
// attention sharper than GPT-2's 0.02 would, so the maps have structure to see.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gpt2Config, writeRandomCheckpoint } from '../../../bench/randomCheckpoint';
import { PROSE, writeTokenizer } from '../../../bench/benchText';
import { ByteLevelBPETokenizer } from '../../../src/engine/tokenizer';

export const LONG_CONTEXT = 4096;

/** Writes the model into `dir` (made if missing) and returns `dir`. */
export function writeLongModel(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const config = gpt2Config({ vocabSize: 4096, nPositions: LONG_CONTEXT, nEmbd: 64, nLayer: 2, nHead: 2, name: 'random-long' });
  writeRandomCheckpoint(dir, config, { seed: 5, std: 0.1 });
  writeTokenizer(dir, 'bundled');
  return dir;
}

/**
 * A text of exactly n tokens of `dir`'s tokenizer: prose repeated, one sentence a line (as a file
 * has lines: the editor lays out and decorates a line at a time), cut at a token boundary.
 */
export function textOfTokens(dir: string, n: number): string {
  const tok = ByteLevelBPETokenizer.fromModelDir(dir);
  const long = PROSE.replace(/\. /g, '.\n').repeat(Math.ceil((n * 8) / PROSE.length) + 1);
  const spans = tok.encode(long);
  if (spans.length < n) throw new Error(`the prose gives only ${spans.length} tokens`);
  return long.slice(0, spans[n - 1].end);
}

/** The file name a text of n tokens is written under in `workspace`. */
export function writeLongText(workspace: string, modelDir: string, n: number): string {
  const name = `long-${n}.txt`;
  fs.writeFileSync(path.join(workspace, name), textOfTokens(modelDir, n));
  return name;
}
