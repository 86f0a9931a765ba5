// A model folder checked whole, as the CLI's `check` reports it: config.json, every safetensors
// header (bounds, dtypes, shards), every weight's name and shape against what the family expects
// from the config, the tokenizer (it loads, its ids fit the embedding, it gives a sample text back,
// Chinese and emoji included) and the chat template (it parses). Each problem is one line naming its file;
// unlike loading, which stops at the first, the check goes on to list them all. It reads headers
// and tokenizer files only, never the tensors' data (a 7B model is checked in a moment).
import * as fs from 'fs';
import * as path from 'path';
import { ChatTemplate } from './chatTemplate';
import { checkEncDecFolder } from './encdec/encdecFacts';
import { isEncDecFolder } from './encdec/loadEncDec';
import { checkClaims, openWeights, readConfig, type Located } from './checkpoint';
import { checkpointNames } from './families/checkpointNames';
import { familyOf } from './families';
import { loadTokenizer } from './loadTokenizer';
import { checkFits, storedBytesPerValue } from './memoryPlan';
import type { GPTConfig, Tokenizer } from './types';

/** Texts the tokenizer must give back as they were: ASCII, Chinese (with full-width punctuation), emoji and code. */
export const ROUND_TRIP_SAMPLES = [
  'Hello, world! The quick brown fox jumps over the lazy dog.',
  '你好，世界。注意力机制让模型看见上下文。',
  'Emoji 🙂👍🏽 and accents: café, naïve.',
  'def f(x):\n\treturn x  # two  spaces\n',
];

export interface CheckReport {
  /** One line each, naming the file; empty when the folder is clean. */
  problems: string[];
  /** What is worth knowing but not wrong with the folder (e.g. it is too big for this machine). */
  notes: string[];
}

const SUPPORTED = new Set(['F32', 'F16', 'BF16']);
const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Checks the model folder `dir`; never throws for anything wrong with its files. */
export function checkModelFolder(dir: string): CheckReport {
  const report: CheckReport = { problems: [], notes: [] };
  const problem = (msg: string): void => void report.problems.push(msg.replace(/\s*\n\s*/g, ' '));
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    problem(`${dir}: model folder not found`);
    return report;
  }
  if (isEncDecFolder(dir)) return checkEncDecFolder(dir); // MarianMTModel, T5ForConditionalGeneration
  let config: GPTConfig | undefined;
  try {
    const read = readConfig(dir);
    config = read.config;
    const params = familyOf(config).countParams(config);
    try {
      checkFits(config, 1, storedBytesPerValue(dir, read.raw, params), { file: read.file });
    } catch (err) {
      report.notes.push(`on one thread: ${messageOf(err)}`);
    }
  } catch (err) {
    problem(messageOf(err));
  }
  checkWeights(dir, config, problem);
  checkTokenizer(dir, config, problem);
  try {
    ChatTemplate.fromModelDir(dir); // it parses (rendering waits for a chat)
  } catch (err) {
    problem(messageOf(err));
  }
  return report;
}

/** Headers of every safetensors file, then (with a config) every weight's name, dtype and shape. */
function checkWeights(dir: string, config: GPTConfig | undefined, problem: (msg: string) => void): void {
  let weights: ReturnType<typeof openWeights>;
  try {
    weights = openWeights(dir);
  } catch (err) {
    problem(messageOf(err));
    return;
  }
  const { opened, located, indexFile } = weights;
  try {
    if (!config) return;
    const configFile = path.join(dir, 'config.json');
    try {
      checkClaims(config, configFile, located);
    } catch (err) {
      problem(messageOf(err));
      return;
    }
    compareWithConfig(config, located, indexFile ?? opened[0].path, problem);
  } finally {
    for (const f of opened) f.close();
  }
}

/** Every weight the family expects from `config` against what the files hold: each difference a line. */
function compareWithConfig(config: GPTConfig, located: Map<string, Located>, where: string, problem: (msg: string) => void): void {
  const names = checkpointNames(config);
  const expected = names.shapes(config);
  const tied = config.tieWordEmbeddings !== false;
  const seen = new Map<string, Located>();
  for (const loc of located.values()) {
    const name = names.rename(loc.rawName);
    if (name === undefined) continue;
    const file = loc.file.path;
    const want = name === 'lm_head.weight' && tied ? expected.get(names.embedding) : expected.get(name);
    if (!want) {
      problem(`${file}: tensor "${loc.rawName}" is not a weight of a ${names.label} model of this config.json`);
      continue;
    }
    const prev = seen.get(name);
    if (prev) problem(`${file}: weight "${name}" is present twice (as "${prev.rawName}" and "${loc.rawName}")`);
    seen.set(name, loc);
    if (!SUPPORTED.has(loc.entry.dtype)) problem(`${file}: tensor "${loc.rawName}" has dtype ${loc.entry.dtype}, which is not supported (F32, F16 or BF16)`);
    if (!sameShape(loc.entry.shape, want)) {
      problem(`${file}: weight "${loc.rawName}" has shape [${loc.entry.shape.join(', ')}], expected [${want.join(', ')}] from config.json`);
    }
  }
  const missing = [...expected.keys()].filter((n) => !seen.has(n));
  for (const n of missing.slice(0, 20)) problem(`${where}: weight "${n}" [${expected.get(n)!.join(', ')}] is missing`);
  if (missing.length > 20) problem(`${where}: and ${missing.length - 20} more weights are missing`);
}

/** Whether the tokenizer.json's normalizer loses information (lower-casing, accents, NFKC), so that text cannot come back verbatim. */
function lossyNormalizer(dir: string, config: GPTConfig | undefined): boolean {
  if (config?.modelType === 'openai-gpt') return true; // GPT-1: lower-cased, accents stripped
  const file = path.join(dir, 'tokenizer.json');
  if (!fs.existsSync(file)) return false;
  try {
    const normalizer = (JSON.parse(fs.readFileSync(file, 'utf8')) as { normalizer?: unknown }).normalizer;
    return /Lowercase|StripAccents|NFK|BertNormalizer|"lowercase":true/.test(JSON.stringify(normalizer ?? null));
  } catch {
    return false; // loading the tokenizer reports it
  }
}

function tokenizerFile(dir: string): string {
  return path.join(dir, fs.existsSync(path.join(dir, 'tokenizer.json')) ? 'tokenizer.json' : 'vocab.json');
}

/** The text `ids` stand for, as Hugging Face's decode(skip_special_tokens) gives it where the tokenizer can. */
function decodeText(tok: Tokenizer, ids: number[]): string {
  const withDecoder = tok as Tokenizer & { decodeText?: (ids: readonly number[], o: { skipSpecialTokens: boolean }) => string };
  return withDecoder.decodeText ? withDecoder.decodeText(ids, { skipSpecialTokens: true }) : tok.decode(ids);
}

function checkTokenizer(dir: string, config: GPTConfig | undefined, problem: (msg: string) => void): void {
  let tok: Tokenizer;
  try {
    tok = loadTokenizer(dir);
  } catch (err) {
    problem(messageOf(err));
    return;
  }
  const file = tokenizerFile(dir);
  if (config && tok.vocabSize > config.vocabSize) {
    problem(`${file}: the tokenizer has ${tok.vocabSize} tokens but config.json's vocab_size (the embedding's rows) is ${config.vocabSize}`);
  }
  const lossy = lossyNormalizer(dir, config);
  for (const text of ROUND_TRIP_SAMPLES) {
    try {
      const ids = tok.encodeIds(text, { addSpecialTokens: false });
      const back = decodeText(tok, ids);
      // A lossy tokenizer (GPT-1 lower-cases) must at least give its own output back unchanged.
      const again = lossy ? decodeText(tok, tok.encodeIds(back, { addSpecialTokens: false })) : back;
      const want = lossy ? back : text;
      if (again !== want) problem(`${file}: the tokenizer does not give ${JSON.stringify(text)} back: it decodes to ${JSON.stringify(again)}`);
      const outside = config ? ids.find((id) => id >= config.vocabSize) : undefined;
      if (outside !== undefined) problem(`${file}: ${JSON.stringify(text)} gives id ${outside}, outside config.json's vocab_size ${config!.vocabSize}`);
    } catch (err) {
      problem(`${file}: tokenizing ${JSON.stringify(text)} failed: ${messageOf(err)}`);
    }
  }
}
