// Reading config.json's fields: every check names the file and the key (shared by the families'
// config parsers, config.ts and llamaConfig.ts).
import { EngineError } from './errors';

export type Json = Record<string, unknown>;

/** A value as JSON for a message, cut short (a hostile file may put megabytes where a number goes). */
export function shown(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}

export function bad(file: string, problem: string): EngineError {
  return new EngineError('BAD_CONFIG', `${file}: ${problem}`, file);
}

/** The first of `keys` that is present (not undefined/null), with the key it came from. */
export function pick(obj: Json, keys: string[]): { key: string; value: unknown } | undefined {
  for (const key of keys) {
    if (obj[key] !== undefined && obj[key] !== null) return { key, value: obj[key] };
  }
  return undefined;
}

/**
 * The largest size a config.json may give (2³¹ − 1): tensor shapes and typed-array lengths are
 * int32 in tfjs, and a larger value is a broken or hostile file, refused before anything is sized by it.
 */
export const MAX_SIZE = 0x7fffffff;

export function positiveInt(obj: Json, keys: string[], file: string, fallback?: number): number {
  const found = pick(obj, keys);
  if (!found) {
    if (fallback !== undefined) return fallback;
    throw bad(file, `missing "${keys[0]}"${keys.length > 1 ? ` (or ${keys.slice(1).map((k) => `"${k}"`).join(', ')})` : ''}`);
  }
  const v = found.value;
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw bad(file, `"${found.key}" must be a positive integer, got ${shown(v)}`);
  }
  if (v > MAX_SIZE) throw bad(file, `"${found.key}" is ${v}, more than any model has (at most ${MAX_SIZE})`);
  return v;
}

/** A finite number in (min, max) (exclusive), or `fallback` when absent. */
export function numberIn(obj: Json, key: string, file: string, fallback: number, min: number, max: number, what = 'a number'): number {
  const v = obj[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= min || v >= max) {
    throw bad(file, `"${key}" must be ${what}, got ${shown(v)}`);
  }
  return v;
}

export function bool(obj: Json, key: string, file: string, fallback: boolean): boolean {
  const v = obj[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean') throw bad(file, `"${key}" must be true or false, got ${shown(v)}`);
  return v;
}

export function optionalTokenId(obj: Json, key: string, file: string): number | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  // Some configs hold a list of ids (several end tokens); keep the first.
  const id = Array.isArray(v) ? v[0] : v;
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
    throw bad(file, `"${key}" must be a non-negative integer, got ${shown(v)}`);
  }
  return id;
}

/** bos_token_id / eos_token_id, each checked against the vocabulary; a list of end tokens kept whole. */
export function specialIds(obj: Json, file: string, vocabSize: number): { bosTokenId?: number; eosTokenId?: number; eosTokenIds?: number[] } {
  const out: { bosTokenId?: number; eosTokenId?: number; eosTokenIds?: number[] } = {};
  for (const [key, field] of [['bos_token_id', 'bosTokenId'], ['eos_token_id', 'eosTokenId']] as const) {
    const id = optionalTokenId(obj, key, file);
    if (id === undefined) continue;
    if (id >= vocabSize) throw bad(file, `"${key}" ${id} is outside the vocabulary (vocab_size ${vocabSize})`);
    out[field] = id;
  }
  const list = obj.eos_token_id;
  if (Array.isArray(list) && list.length > 1) {
    out.eosTokenIds = list.map((v, i) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= vocabSize) {
        throw bad(file, `"eos_token_id"[${i}] must be a token id below vocab_size ${vocabSize}, got ${shown(v)}`);
      }
      return v;
    });
  }
  return out;
}

/** `_name_or_path` (or `name`) when it is a non-empty string. */
export function modelName(obj: Json): string | undefined {
  const name = pick(obj, ['_name_or_path', 'name']);
  return name && typeof name.value === 'string' && name.value !== '' ? name.value : undefined;
}
