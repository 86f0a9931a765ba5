// The completion settings as plain data: their ranges (mirrored in package.json's
// `contributes.configuration`), their normalisation from whatever the user wrote, and their
// translation into the engine's SamplingOptions. Also the text form of stop sequences used by the
// "Complete with Options…" quick input. Pure: no vscode, no tfjs.
import type { SamplingOptions } from './engineData';

export interface CompletionOptions {
  /** Tokens generated at most. */
  maxNewTokens: number;
  /** 0 = greedy. */
  temperature: number;
  /** 0 = no top-k filter. */
  topK: number;
  /** 1 = no nucleus filter. */
  topP: number;
  /** undefined = a fresh random seed every run. */
  seed: number | undefined;
  /** Generation stops before the first of these; they are never inserted. */
  stopSequences: string[];
}

interface Range {
  min: number;
  max: number;
  integer: boolean;
}

/** The ranges of the numeric settings; package.json's minimum/maximum say the same. */
export const COMPLETION_RANGES = {
  maxNewTokens: { min: 1, max: 1024, integer: true },
  temperature: { min: 0, max: 2, integer: false },
  topK: { min: 0, max: 1000, integer: true },
  topP: { min: 0.01, max: 1, integer: false },
  seed: { min: 0, max: 0xffffffff, integer: true },
} satisfies Record<string, Range>;

export type NumericOption = keyof typeof COMPLETION_RANGES;

export const DEFAULT_COMPLETION_OPTIONS: CompletionOptions = {
  maxNewTokens: 48,
  temperature: 0.8,
  topK: 40,
  topP: 0.95,
  seed: undefined,
  stopSequences: [],
};

/** At most this many stop sequences are used (each at most MAX_STOP_LENGTH characters). */
export const MAX_STOP_SEQUENCES = 16;
export const MAX_STOP_LENGTH = 64;

/** Why a value is out of range, or undefined when it is fine. */
export function checkNumber(name: NumericOption, value: number): string | undefined {
  const r: Range = COMPLETION_RANGES[name];
  if (!Number.isFinite(value)) return `${name} must be a number`;
  if (r.integer && !Number.isInteger(value)) return `${name} must be a whole number`;
  if (value < r.min || value > r.max) return `${name} must be from ${r.min} to ${r.max}`;
  return undefined;
}

/**
 * Normalises raw settings (possibly edited by hand in settings.json): every field out of range or
 * of the wrong type falls back to its default, and a line per such field is returned in `problems`
 * so that the caller can log it rather than fail silently.
 */
export function normalizeCompletionOptions(raw: Partial<Record<keyof CompletionOptions, unknown>>): {
  options: CompletionOptions;
  problems: string[];
} {
  const problems: string[] = [];
  const num = (name: Exclude<NumericOption, 'seed'>): number => {
    const v = raw[name];
    const fallback = DEFAULT_COMPLETION_OPTIONS[name];
    if (v === undefined || v === null) return fallback;
    const why = typeof v === 'number' ? checkNumber(name, v) : `${name} must be a number`;
    if (why) {
      problems.push(`${why} (got ${JSON.stringify(v)}); using ${fallback}`);
      return fallback;
    }
    return v as number;
  };
  let seed: number | undefined;
  const s = raw.seed;
  if (s !== undefined && s !== null && s !== '') {
    const why = typeof s === 'number' ? checkNumber('seed', s) : 'seed must be a whole number or empty';
    if (why) problems.push(`${why} (got ${JSON.stringify(s)}); using a random seed`);
    else seed = s as number;
  }
  let stopSequences: string[] = [];
  const stops = raw.stopSequences;
  if (stops !== undefined && stops !== null) {
    if (!Array.isArray(stops) || stops.some((x) => typeof x !== 'string')) {
      problems.push(`stopSequences must be a list of strings (got ${JSON.stringify(stops)}); using none`);
    } else {
      stopSequences = cleanStops(stops as string[], problems);
    }
  }
  return {
    options: {
      maxNewTokens: num('maxNewTokens'),
      temperature: num('temperature'),
      topK: num('topK'),
      topP: num('topP'),
      seed,
      stopSequences,
    },
    problems,
  };
}

function cleanStops(stops: string[], problems: string[]): string[] {
  const out: string[] = [];
  for (const s of stops) {
    if (s.length === 0) continue;
    if (s.length > MAX_STOP_LENGTH) {
      problems.push(`a stop sequence longer than ${MAX_STOP_LENGTH} characters was ignored`);
      continue;
    }
    if (!out.includes(s)) out.push(s);
  }
  if (out.length > MAX_STOP_SEQUENCES) {
    problems.push(`only the first ${MAX_STOP_SEQUENCES} stop sequences are used`);
    out.length = MAX_STOP_SEQUENCES;
  }
  return out;
}

/** The engine's options for these settings (topK 0 and topP 1 mean "no filter"). */
export function toSamplingOptions(o: CompletionOptions): SamplingOptions {
  const s: SamplingOptions = { maxNewTokens: o.maxNewTokens, temperature: o.temperature };
  if (o.temperature > 0) {
    if (o.topK > 0) s.topK = o.topK;
    if (o.topP < 1) s.topP = o.topP;
  }
  if (o.seed !== undefined) s.seed = o.seed;
  if (o.stopSequences.length > 0) s.stopStrings = [...o.stopSequences];
  return s;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', s: ' ', ',': ',', '\\': '\\' };

/**
 * Parses the quick input's form of stop sequences: comma-separated, spaces around an entry
 * trimmed, with `\n`, `\t`, `\r`, `\s` (a space), `\,` and `\\` escapes (so "\n\n, THE END" is a
 * blank line or "THE END"). Empty entries and repeats are dropped. Throws a RangeError naming an
 * unknown escape.
 */
export function parseStopSequences(input: string): string[] {
  const out: string[] = [];
  let cur = '';
  let trailingSpaces = 0; // unescaped spaces at the end of `cur`, trimmed when the entry ends
  const push = (): void => {
    const s = cur.slice(0, cur.length - trailingSpaces);
    if (s.length > 0 && !out.includes(s)) out.push(s);
    cur = '';
    trailingSpaces = 0;
  };
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c === '\\') {
      const next = input[i + 1];
      const e = next === undefined ? undefined : ESCAPES[next];
      if (e === undefined) throw new RangeError(`unknown escape "\\${next ?? ''}" (use \\n, \\t, \\r, \\s, \\, or \\\\)`);
      cur += e;
      trailingSpaces = 0;
      i++;
    } else if (c === ',') {
      push();
    } else if (c === ' ') {
      if (cur.length > 0) {
        cur += c;
        trailingSpaces++;
      }
    } else {
      cur += c;
      trailingSpaces = 0;
    }
  }
  push();
  return out;
}

/** The inverse of parseStopSequences: escapes each entry and joins them with ", ". */
export function formatStopSequences(stops: readonly string[]): string {
  return stops
    .map((s) =>
      s
        .replace(/\\/g, '\\\\')
        .replace(/\n/g, '\\n')
        .replace(/\t/g, '\\t')
        .replace(/\r/g, '\\r')
        .replace(/,/g, '\\,')
        .replace(/^ +| +$/g, (m) => '\\s'.repeat(m.length)),
    )
    .join(', ');
}
