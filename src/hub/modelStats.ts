// What the picker and `cache` say about a model folder without loading its weights: architecture,
// whether this engine runs it (the engine's own config parser decides), parameter count and dtype
// from the safetensors headers, and bytes on disk.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readConfig } from '../engine/checkpoint';
import { parseConfig } from '../engine/config';
import { EngineError } from '../engine/errors';
import { familyOf } from '../engine/families';
import { encDecFamilyOf, parseEncDecConfig } from '../engine/encdec/encdecConfig';
import { encDecMemoryFit } from '../engine/encdec/encdecFacts';
import { isEncDecFolder } from '../engine/encdec/loadEncDec';
import { checkFits, storedBytesPerValue } from '../engine/memoryPlan';
import { chooseThreads } from '../engine/session';
import { SafetensorsFile } from '../engine/safetensors';
import { shardsOfIndex, SINGLE_WEIGHTS, WEIGHTS_INDEX } from './modelFiles';

export interface ModelStats {
  /** architectures[0] from config.json, else its model_type, else null. */
  architecture: string | null;
  supported: boolean;
  /** Why not, when unsupported (the engine's message). */
  reason?: string;
  /** Sum over the safetensors tensors' shapes; null when the weights are missing or unreadable. */
  params: number | null;
  /** The dtype holding most bytes (F32, BF16, F16, …), or null. */
  dtype: string | null;
  /** Bytes of every file in the folder, each blob once (symlinks followed). */
  bytes: number;
}

function readJsonOr(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function architectureOf(config: unknown): string | null {
  const c = config as { architectures?: unknown; model_type?: unknown } | undefined;
  if (Array.isArray(c?.architectures) && typeof c.architectures[0] === 'string') return c.architectures[0];
  return typeof c?.model_type === 'string' ? c.model_type : null;
}

/** The weight files of a folder that are present: model.safetensors, else the index's shards. */
function weightFiles(dir: string): string[] {
  const single = path.join(dir, SINGLE_WEIGHTS);
  if (fs.existsSync(single)) return [single];
  const index = path.join(dir, WEIGHTS_INDEX);
  const json = readJsonOr(index);
  if (json === undefined) return [];
  try {
    return shardsOfIndex(json, index).map((s) => path.join(dir, s));
  } catch {
    return [];
  }
}

function headerStats(files: string[]): { params: number | null; dtype: string | null } {
  if (files.length === 0) return { params: null, dtype: null };
  let params = 0;
  const bytesByDtype = new Map<string, number>();
  for (const file of files) {
    let f: SafetensorsFile;
    try {
      f = SafetensorsFile.open(file);
    } catch {
      return { params: null, dtype: null };
    }
    try {
      for (const e of [...f.entries.values(), ...f.otherEntries.values()]) {
        params += e.shape.reduce((a, b) => a * b, 1);
        bytesByDtype.set(e.dtype, (bytesByDtype.get(e.dtype) ?? 0) + (e.end - e.begin));
      }
    } finally {
      f.close();
    }
  }
  const dtype = [...bytesByDtype].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
  return { params, dtype };
}

/** Bytes of the files under `dir`, following symlinks and counting each target once. */
export function bytesOnDisk(dir: string): number {
  const seen = new Set<string>();
  let total = 0;
  const walk = (d: string): void => {
    for (const name of fs.readdirSync(d)) {
      const p = path.join(d, name);
      let st: fs.Stats;
      let real: string;
      try {
        st = fs.statSync(p);
        real = fs.realpathSync(p);
      } catch {
        continue; // a dangling link
      }
      if (st.isDirectory()) walk(p);
      else if (!seen.has(real)) {
        seen.add(real);
        total += st.size;
      }
    }
  };
  walk(dir);
  return total;
}

/** architecture, supported and reason for a folder's config.json (the engine's parser decides). */
export function modelSupport(dir: string): Pick<ModelStats, 'architecture' | 'supported' | 'reason'> {
  const configFile = path.join(dir, 'config.json');
  const config = readJsonOr(configFile);
  if (config === undefined) return { architecture: null, supported: false, reason: `${configFile}: missing or not valid JSON` };
  try {
    if (encDecFamilyOf(config)) parseEncDecConfig(config, configFile); // MarianMTModel, T5ForConditionalGeneration
    else parseConfig(config, configFile);
    return { architecture: architectureOf(config), supported: true };
  } catch (err) {
    return { architecture: architectureOf(config), supported: false, reason: (err as Error).message };
  }
}

/**
 * Whether the engine could hold the model of a folder's config.json in memory on the threads it
 * would choose here, judged as loading judges it (memoryPlan's checkFits), from the config alone:
 * a pull asks before the weights come. `weightBytes`: the weight files' size from the Hub, for a
 * config that names no dtype. When it does not fit, `note` is the message loading would give.
 */
export function memoryFit(dir: string, weightBytes: number, freeBytes?: number): { fits: boolean; note?: string } {
  if (isEncDecFolder(dir)) return encDecMemoryFit(dir, weightBytes, freeBytes);
  const { config, raw, file } = readConfig(dir);
  const params = familyOf(config).countParams(config);
  const stored = raw.torch_dtype !== undefined || raw.dtype !== undefined ? storedBytesPerValue(dir, raw, params) : weightBytes / params < 3 ? 2 : 4;
  try {
    checkFits(config, chooseThreads(undefined, params, config.nHead), stored, { name: config.name ?? path.basename(dir), file, ...(freeBytes !== undefined ? { freeBytes } : {}) });
    return { fits: true };
  } catch (err) {
    if (err instanceof EngineError && err.code === 'MODEL_TOO_LARGE') return { fits: false, note: err.message };
    throw err;
  }
}

export function modelStats(dir: string): ModelStats {
  const { params, dtype } = headerStats(weightFiles(dir));
  return { ...modelSupport(dir), params, dtype, bytes: bytesOnDisk(dir) };
}
