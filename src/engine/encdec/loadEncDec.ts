// An encoder–decoder model folder (config.json + model.safetensors or shards) → a MarianMTModel or
// T5ForConditionalGeneration. F16 / BF16 weights stay 16-bit (the GEMM packs them as stored). The
// shared embedding is read under whichever of its tied names the file kept.
import * as fs from 'fs';
import * as path from 'path';
import { openWeights } from '../checkpoint';
import { EngineError } from '../errors';
import { storedWeight } from '../modelWeights';
import { unsupportedDtype } from '../safetensors';
import type { AnyWeightMap } from '../types';
import { encDecFamilyOf, parseEncDecConfig, type EncDecConfig } from './encdecConfig';
import type { EncDecModel } from './encdecModel';
import { Marian } from './marian';
import { T5 } from './t5';

/** The shared embedding's name, then the names a checkpoint may keep it under instead. */
const SHARED: Record<EncDecConfig['family'], string[]> = {
  marian: ['model.shared.weight', 'model.encoder.embed_tokens.weight', 'model.decoder.embed_tokens.weight'],
  t5: ['shared.weight', 'encoder.embed_tokens.weight', 'decoder.embed_tokens.weight'],
};

function readJsonFile(file: string): unknown {
  if (!fs.existsSync(file)) throw new EngineError('FILE_NOT_FOUND', `${file}: not found`, file);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new EngineError('BAD_JSON', `${file}: not valid JSON (${(err as Error).message})`, file);
  }
}

/** config.json of `dir` when it describes an encoder–decoder model, else undefined. */
export function readEncDecConfig(dir: string): EncDecConfig | undefined {
  const file = path.join(dir, 'config.json');
  const raw = readJsonFile(file);
  return encDecFamilyOf(raw) ? parseEncDecConfig(raw, file) : undefined;
}

/** Whether the model folder `dir` holds an encoder–decoder model (reads config.json only). */
export function isEncDecFolder(dir: string): boolean {
  const file = path.join(dir, 'config.json');
  if (!fs.existsSync(file)) return false;
  try {
    return encDecFamilyOf(JSON.parse(fs.readFileSync(file, 'utf8'))) !== undefined;
  } catch {
    return false;
  }
}

/**
 * The tensors of the folder's safetensors file(s) the family reads, 16-bit ones as stored: not the
 * copies of the shared embedding under its other tied names (or as a tied lm_head), nor Marian's
 * stored sinusoids (computed instead).
 */
function readWeights(dir: string, config: EncDecConfig): AnyWeightMap {
  const { opened, located } = openWeights(dir);
  const [shared, ...aliases] = SHARED[config.family];
  const firstAlias = aliases.find((a) => located.has(a));
  const skip = (name: string): boolean =>
    name.endsWith('embed_positions.weight') || (config.tied && name === 'lm_head.weight') || (aliases.includes(name) && (located.has(shared) || name !== firstAlias));
  try {
    const weights: AnyWeightMap = new Map();
    for (const [name, loc] of located) {
      if (skip(name)) continue;
      if (loc.file.otherEntries.has(loc.rawName)) throw unsupportedDtype(loc.file.path, loc.rawName, loc.entry.dtype);
      weights.set(name, storedWeight(loc.entry.shape.slice(), loc.file.readStored(loc.rawName)));
    }
    return weights;
  } finally {
    for (const f of opened) f.close();
  }
}

/** Loads the encoder–decoder model in `dir`. */
export function loadEncDec(dir: string): EncDecModel {
  const config = readEncDecConfig(dir);
  if (!config) throw new EngineError('BAD_CONFIG', `${path.join(dir, 'config.json')}: not a MarianMTModel or T5ForConditionalGeneration model`, path.join(dir, 'config.json'));
  const weights = readWeights(dir, config);
  const [name, ...aliases] = SHARED[config.family];
  const alias = aliases.find((a) => weights.has(a));
  if (!weights.has(name) && alias) {
    weights.set(name, weights.get(alias)!);
    weights.delete(alias);
  }
  try {
    return config.family === 'marian' ? Marian.load(config, weights) : T5.load(config, weights);
  } catch (err) {
    if (err instanceof EngineError && err.code === 'BAD_WEIGHTS' && !err.message.includes(dir)) {
      throw new EngineError('BAD_WEIGHTS', `${dir}: ${err.message}`, dir);
    }
    throw err;
  }
}
