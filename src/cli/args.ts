// Argument helpers for the CLI: node:util parseArgs with one-line errors, and typed value checks.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EngineSession } from '../engine/session';
import { resolveModelArg } from '../hub/resolveModel';

/** A CLI failure: one line for stderr and the exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses `argv` strictly (unknown flags and positionals are errors). */
export function parseFlags<O extends Options>(command: string, argv: string[], options: O) {
  return parseStrict(command, argv, options, false).values;
}

/** As parseFlags, with positional arguments allowed (`pull REPO_ID`). */
export function parseFlagsWithPositionals<O extends Options>(command: string, argv: string[], options: O) {
  return parseStrict(command, argv, options, true);
}

function parseStrict<O extends Options>(command: string, argv: string[], options: O, allowPositionals: boolean) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (err) {
    const e = err as { code?: string; message?: string };
    const quoted = /'([^']+)'/.exec(e.message ?? '')?.[1];
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      throw new CliError(`${command}: unknown option ${quoted ?? ''} (see --help)`.replace(/ +\(/, ' ('));
    }
    if (e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      throw new CliError(`${command}: unexpected argument ${quoted ?? ''} (see --help)`.replace(/ +\(/, ' ('));
    }
    const first = (e.message ?? String(err)).split('\n')[0];
    throw new CliError(`${command}: ${first}`);
  }
}

export function required(command: string, flag: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new CliError(`${command}: missing required option --${flag} (see --help)`);
  return value;
}

function numberOf(command: string, flag: string, raw: string): number {
  const v = raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isFinite(v)) throw new CliError(`${command}: --${flag} must be a number, got "${raw}"`);
  return v;
}

/** An integer flag in [min, max]; undefined when absent. */
export function intFlag(command: string, flag: string, raw: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (raw === undefined) return undefined;
  const v = numberOf(command, flag, raw);
  if (!Number.isInteger(v) || v < min || v > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new CliError(`${command}: --${flag} must be an integer ${range}, got "${raw}"`);
  }
  return v;
}

/** A number flag with min < value ≤ max (or min ≤ value when `minInclusive`); undefined when absent. */
export function numFlag(
  command: string,
  flag: string,
  raw: string | undefined,
  range: { min: number; max: number; minInclusive: boolean },
): number | undefined {
  if (raw === undefined) return undefined;
  const v = numberOf(command, flag, raw);
  const lowOk = range.minInclusive ? v >= range.min : v > range.min;
  if (!lowOk || v > range.max) {
    const low = range.minInclusive ? `≥ ${range.min}` : `> ${range.min}`;
    const high = range.max === Infinity ? '' : ` and ≤ ${range.max}`;
    throw new CliError(`${command}: --${flag} must be ${low}${high}, got "${raw}"`);
  }
  return v;
}

/** Reads a UTF-8 text file, failing with one line that names it. */
export function readTextFile(file: string): string {
  if (!existsSync(file)) throw new CliError(`${file}: file not found`);
  if (statSync(file).isDirectory()) throw new CliError(`${file}: is a folder, expected a text file`);
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`${file}: cannot read it (${(err as Error).message.split('\n')[0]})`);
  }
}

/** --backend wasm|cpu */
export function backendFlag(command: string, raw: string | undefined): 'wasm' | 'cpu' | undefined {
  if (raw === undefined || raw === 'wasm' || raw === 'cpu') return raw;
  throw new CliError(`${command}: --backend must be "wasm" or "cpu", got "${raw}"`);
}

/**
 * Loads a model folder, or a repo id `org/name[@rev]` from the Hugging Face cache (offline); its
 * errors (EngineError naming the file, HubError naming what the cache lacks) reach main() as they are.
 */
export async function openSession(model: string, backend: 'wasm' | 'cpu' | undefined, maxMemoryMB?: number): Promise<EngineSession> {
  return EngineSession.load(resolveModelArg(model), { ...(backend ? { backend } : {}), ...(maxMemoryMB !== undefined ? { maxMemoryMB } : {}) });
}
