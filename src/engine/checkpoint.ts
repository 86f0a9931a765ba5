// A Hugging Face model folder (GPT-2, GPT-1, the Llama family) → { config, weights }, and a GPT-2
// or Llama one back. Layout: config.json + model.safetensors, or + model.safetensors.index.json with shards.
// Each family's names and shapes are in families/checkpointNames.ts: GPT-2's may carry a
// `transformer.` prefix (GPT2LMHeadModel) or not (GPT2Model), buffers (causal masks, RoPE's
// inv_freq) are skipped, and with a tied head a present `lm_head.weight` must equal the embedding.
import * as fs from 'fs';
import * as path from 'path';
import { configToJson, parseConfig } from './config';
import { checkpointNames } from './families/checkpointNames';
import { EngineError } from './errors';
import { familyOf } from './families';
import type { WeightsDtype } from './modelInfo';
import { decodeUtf8 } from './tokenizerFiles';
import { SafetensorsFile, unsupportedDtype, writeSafetensors, type OtherEntry, type SafetensorsDtype, type SafetensorsEntry } from './safetensors';
import { isWeight16, storedWeight, widenWeight } from './modelWeights';
import type { AnyWeightArray, AnyWeightMap, GPTConfig, WeightMap } from './types';

const SINGLE = 'model.safetensors';
const INDEX = 'model.safetensors.index.json';
const SHOW = 3;

/** Every weight a model of `config` has, with its shape, in the checkpoint's order (our names). */
export function expectedWeightShapes(config: GPTConfig): Map<string, number[]> {
  return checkpointNames(config).shapes(config);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function listSome(names: string[]): string {
  const shown = names.slice(0, SHOW).map((n) => `"${n}"`).join(', ');
  return names.length > SHOW ? `${shown} and ${names.length - SHOW} more` : shown;
}

function readJson(file: string, what: string): unknown {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new EngineError('FILE_NOT_FOUND', `${file}: ${what} not found`, file);
    throw new EngineError('FILE_NOT_FOUND', `${file}: cannot read ${what} (${code ?? String(err)})`, file);
  }
  const text = decodeUtf8(bytes, file, 'BAD_JSON');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new EngineError('BAD_JSON', `${file}: not valid JSON (${(err as Error).message.split('\n')[0]})`, file);
  }
}

/**
 * A name the index may give a shard: a file directly in the model folder. A name holding `/` or `\\`
 * (a path on some platform), `.` / `..`, or a NUL is refused: it could make us read outside the
 * folder (`../../.ssh/id_rsa`, `/etc/passwd`, `C:\\…`). A plain name that is a symlink is followed,
 * as a Hugging Face snapshot folder is made of links into its cache's blobs/.
 */
export function isPlainFileName(name: unknown): name is string {
  return typeof name === 'string' && name !== '' && name !== '.' && name !== '..' && !/[/\\\0]/.test(name) && !path.isAbsolute(name) && !path.win32.isAbsolute(name);
}

/** Where each raw tensor name lives. */
export interface Located {
  file: SafetensorsFile;
  rawName: string;
  entry: SafetensorsEntry | OtherEntry;
}

function allEntries(f: SafetensorsFile): [string, SafetensorsEntry | OtherEntry][] {
  return [...f.entries, ...f.otherEntries];
}

/** Opens the safetensors file(s) of `dir`; returns the open files and the raw name → location. */
export function openWeights(dir: string): { opened: SafetensorsFile[]; located: Map<string, Located>; indexFile?: string } {
  const single = path.join(dir, SINGLE);
  const index = path.join(dir, INDEX);
  if (fs.existsSync(single)) {
    const f = SafetensorsFile.open(single);
    const located = new Map<string, Located>();
    for (const [rawName, entry] of allEntries(f)) located.set(rawName, { file: f, rawName, entry });
    return { opened: [f], located };
  }
  if (!fs.existsSync(index)) {
    const hasBin = fs.existsSync(path.join(dir, 'pytorch_model.bin'));
    throw new EngineError(
      'FILE_NOT_FOUND',
      `${single}: no ${SINGLE} (nor ${INDEX}) in the model folder${hasBin ? '; only pytorch_model.bin is there, convert it to safetensors first' : ''}`,
      single,
    );
  }
  const json = readJson(index, 'the shard index');
  const weightMap = (json as { weight_map?: unknown } | null)?.weight_map;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) {
    throw new EngineError('BAD_WEIGHTS', `${index}: has no "weight_map" object`, index);
  }
  const shards = new Map<string, string[]>(); // shard file → names the index puts there
  for (const [name, shard] of Object.entries(weightMap as Record<string, unknown>)) {
    if (!isPlainFileName(shard)) {
      throw new EngineError('BAD_WEIGHTS', `${index}: "${name}" maps to ${JSON.stringify(shard)}, not a file name in the model folder`, index);
    }
    const list = shards.get(shard) ?? [];
    list.push(name);
    shards.set(shard, list);
  }
  const opened: SafetensorsFile[] = [];
  try {
    const located = new Map<string, Located>();
    for (const [shard, names] of shards) {
      const shardPath = path.join(dir, shard);
      if (!fs.existsSync(shardPath)) {
        throw new EngineError('FILE_NOT_FOUND', `${shardPath}: shard listed in ${INDEX} is missing`, shardPath);
      }
      const f = SafetensorsFile.open(shardPath);
      opened.push(f);
      for (const name of names) {
        const entry = f.entries.get(name) ?? f.otherEntries.get(name);
        if (!entry) throw new EngineError('BAD_WEIGHTS', `${shardPath}: has no tensor "${name}", which ${INDEX} places there`, shardPath);
        located.set(name, { file: f, rawName: name, entry });
      }
    }
    return { opened, located, indexFile: index };
  } catch (err) {
    for (const f of opened) f.close();
    throw err;
  }
}

const LAYERS_KEY: Record<GPTConfig['modelType'], string> = { gpt2: 'n_layer', 'openai-gpt': 'n_layer', llama: 'num_hidden_layers', mistral: 'num_hidden_layers', qwen2: 'num_hidden_layers', qwen3: 'num_hidden_layers' };

/**
 * Refuses a config.json whose sizes the weight files cannot hold, before anything is sized by it:
 * listing the names of 10⁹ layers, or a shape map of them, would exhaust memory long before the
 * missing weights were noticed. Each layer has several tensors, and every parameter takes at least
 * 2 bytes (F16 / BF16, the smallest dtype we load); the files' headers are already checked.
 */
export function checkClaims(config: GPTConfig, configFile: string, located: Map<string, Located>): void {
  let bytes = 0;
  for (const loc of located.values()) bytes += loc.entry.end - loc.entry.begin;
  if (config.nLayer > located.size) {
    throw new EngineError(
      'BAD_CONFIG',
      `${configFile}: "${LAYERS_KEY[config.modelType]}" is ${config.nLayer}, but the weight files hold only ${located.size} tensors (each layer has several)`,
      configFile,
    );
  }
  const params = familyOf(config).countParams(config);
  if (params * 2 > bytes) {
    throw new EngineError(
      'BAD_CONFIG',
      `${configFile}: describes a model of ${params.toExponential(3)} parameters (vocab_size ${config.vocabSize}, hidden size ${config.nEmbd}, ` +
        `${config.nLayer} layers, intermediate size ${config.nInner}), at least ${params * 2} bytes, but the weight files hold only ${bytes} bytes`,
      configFile,
    );
  }
}

/** The one dtype of `dtypes` (the weights' as stored), or 'mixed'. */
export function weightsDtype(dtypes: Iterable<SafetensorsDtype>): WeightsDtype {
  const seen = new Set(dtypes);
  return seen.size === 1 ? [...seen][0] : 'mixed';
}

export interface LoadOptions {
  onProgress?: (fraction: number) => void;
  /**
   * Keep F16 and BF16 tensors as their 16-bit values (WeightArray16) instead of widening them to
   * float32: half the memory, and no float32 copy of the model is ever made (the GEMM packs them
   * as stored). The families that read weights through WeightReader take such a map.
   */
  keep16?: boolean;
}

/** config.json of the model folder `dir`, parsed (and as written: `raw`); reads nothing else. */
export function readConfig(dir: string): { config: GPTConfig; raw: Record<string, unknown>; file: string } {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new EngineError('FILE_NOT_FOUND', `${dir}: model folder not found`, dir);
  }
  const file = path.join(dir, 'config.json');
  const raw = readJson(file, 'config.json');
  return { config: parseConfig(raw, file), raw: raw as Record<string, unknown>, file };
}

/**
 * Loads and validates a checkpoint folder. Every failure is an EngineError naming the file.
 * `dtype`: the weights' dtype as the checkpoint stores them (buffers and a tied lm_head aside).
 */
export function loadCheckpoint(dir: string, opts?: LoadOptions & { keep16?: false }): { config: GPTConfig; weights: WeightMap; files: string[]; dtype: WeightsDtype };
export function loadCheckpoint(dir: string, opts: LoadOptions): { config: GPTConfig; weights: AnyWeightMap; files: string[]; dtype: WeightsDtype };
export function loadCheckpoint(dir: string, opts: LoadOptions = {}): { config: GPTConfig; weights: AnyWeightMap; files: string[]; dtype: WeightsDtype } {
  const { config, file: configFile } = readConfig(dir);
  const names = checkpointNames(config);
  const tied = config.tieWordEmbeddings !== false;

  const { opened, located, indexFile } = openWeights(dir);
  try {
    checkClaims(config, configFile, located);
    const expected = names.shapes(config);
    const byName = new Map<string, Located>();
    let lmHead: Located | undefined;
    const unexpected: string[] = [];
    for (const loc of located.values()) {
      const name = names.rename(loc.rawName);
      if (name === undefined) continue;
      if (name === 'lm_head.weight' && tied) {
        lmHead = loc;
        continue;
      }
      if (!expected.has(name)) {
        unexpected.push(loc.rawName);
        continue;
      }
      const prev = byName.get(name);
      if (prev) {
        throw new EngineError('BAD_WEIGHTS', `${loc.file.path}: weight "${name}" is present twice (as "${prev.rawName}" and "${loc.rawName}")`, loc.file.path);
      }
      byName.set(name, loc);
    }
    const where = opened.length === 1 ? opened[0].path : (indexFile ?? opened[0].path);
    const missing = [...expected.keys()].filter((n) => !byName.has(n));
    if (missing.length) {
      throw new EngineError('BAD_WEIGHTS', `${where}: missing ${missing.length} weight(s): ${listSome(missing)}`, where);
    }
    if (unexpected.length) {
      throw new EngineError('BAD_WEIGHTS', `${where}: ${unexpected.length} unexpected weight(s) for a ${names.label} model: ${listSome(unexpected)}`, where);
    }
    for (const loc of [...byName.values(), ...(lmHead ? [lmHead] : [])]) {
      if (loc.file.otherEntries.has(loc.rawName)) throw unsupportedDtype(loc.file.path, loc.rawName, loc.entry.dtype);
    }
    const wte = byName.get(names.embedding)!;
    if (wte.entry.shape.length === 2 && wte.entry.shape[0] !== config.vocabSize) {
      throw new EngineError(
        'BAD_WEIGHTS',
        `${wte.file.path}: vocabulary/embedding size mismatch: config.json says vocab_size ${config.vocabSize} but ${names.embedding} has ${wte.entry.shape[0]} rows`,
        wte.file.path,
      );
    }
    for (const [name, shape] of expected) {
      const loc = byName.get(name)!;
      if (!sameShape(loc.entry.shape, shape)) {
        throw new EngineError(
          'BAD_WEIGHTS',
          `${loc.file.path}: weight "${loc.rawName}" has shape [${loc.entry.shape.join(', ')}], expected [${shape.join(', ')}] from config.json`,
          loc.file.path,
        );
      }
    }
    if (lmHead && !sameShape(lmHead.entry.shape, expected.get(names.embedding)!)) {
      throw new EngineError(
        'BAD_WEIGHTS',
        `${lmHead.file.path}: lm_head.weight has shape [${lmHead.entry.shape.join(', ')}], but config.json ties the head to ${names.embedding} [${expected.get(names.embedding)!.join(', ')}]`,
        lmHead.file.path,
      );
    }

    const weights: AnyWeightMap = new Map();
    const total = [...byName.values()].reduce((s, l) => s + (l.entry.end - l.entry.begin), 0) || 1;
    let done = 0;
    for (const [name] of expected) {
      const loc = byName.get(name)!;
      const shape = loc.entry.shape.slice();
      weights.set(name, opts.keep16 ? storedWeight(shape, loc.file.readStored(loc.rawName)) : { shape, data: loc.file.read(loc.rawName) });
      done += loc.entry.end - loc.entry.begin;
      opts.onProgress?.(done / total);
    }
    if (lmHead) checkTied(lmHead, weights.get(names.embedding)!, names.embedding);

    const files = [configFile, ...(indexFile ? [indexFile] : []), ...opened.map((f) => f.path)];
    const dtype = weightsDtype([...byName.values()].map((l) => l.entry.dtype as SafetensorsDtype));
    return { config, weights, files, dtype };
  } finally {
    for (const f of opened) f.close();
  }
}

/**
 * With a tied head, a present lm_head.weight must equal the embedding `name`: we use the embedding.
 * 16-bit values of the same dtype are compared as stored (equal bit patterns), others as float32.
 */
function checkTied(lmHead: Located, wte: AnyWeightArray, name: string): void {
  const sameHalf = isWeight16(wte) && lmHead.entry.dtype === (wte.dtype === 'bf16' ? 'BF16' : 'F16');
  const head = sameHalf ? lmHead.file.readStored(lmHead.rawName).data : lmHead.file.read(lmHead.rawName);
  const emb = sameHalf ? wte.data : widenWeight(wte);
  for (let i = 0; i < head.length; i++) {
    if (head[i] !== emb[i] && !(Number.isNaN(head[i]) && Number.isNaN(emb[i]))) {
      throw new EngineError(
        'BAD_WEIGHTS',
        `${lmHead.file.path}: lm_head.weight differs from ${name}, though config.json ties them (tie_word_embeddings)`,
        lmHead.file.path,
      );
    }
  }
}

/**
 * Writes `weights` as a Hugging Face folder: config.json and model.safetensors with the names
 * GPT2LMHeadModel saves (`transformer.` prefix, no lm_head: it is tied), or LlamaForCausalLM's
 * (`model.…` as they are; lm_head only when untied).
 */
export function saveCheckpoint(dir: string, config: GPTConfig, weights: WeightMap, opts: { dtype?: SafetensorsDtype } = {}): void {
  const expected = expectedWeightShapes(config);
  const target = path.join(dir, SINGLE);
  for (const [name, shape] of expected) {
    const w = weights.get(name);
    if (!w) throw new EngineError('BAD_WEIGHTS', `${target}: cannot save, weight "${name}" is missing`, target);
    if (!sameShape(w.shape, shape) || w.data.length !== shape.reduce((a, b) => a * b, 1)) {
      throw new EngineError('BAD_WEIGHTS', `${target}: cannot save, weight "${name}" has shape [${w.shape.join(', ')}], expected [${shape.join(', ')}]`, target);
    }
  }
  const extra = [...weights.keys()].filter((n) => !expected.has(n));
  if (extra.length) throw new EngineError('BAD_WEIGHTS', `${target}: cannot save unexpected weight(s) ${listSome(extra)}`, target);

  fs.mkdirSync(dir, { recursive: true });
  const tensors: [string, { shape: number[]; data: Float32Array }][] = [...expected.keys()].map((name) => {
    const w = weights.get(name)!;
    return [config.modelType === 'gpt2' ? `transformer.${name}` : name, { shape: w.shape, data: w.data }];
  });
  // Write beside the target, then rename: a crash never leaves a half-written model.safetensors.
  const tmp = `${target}.tmp-${process.pid}`;
  try {
    writeSafetensors(tmp, tensors, { dtype: opts.dtype ?? 'F32', metadata: { format: 'pt' } });
    fs.renameSync(tmp, target);
  } finally {
    if (fs.existsSync(tmp)) fs.rmSync(tmp);
  }
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(configToJson(config), null, 2) + '\n');
}
