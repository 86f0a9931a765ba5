// Validating a safetensors header as the format's reference reader (huggingface/safetensors,
// `SafeTensors::read_metadata` and `Metadata::validate` in safetensors/src/tensor.rs) does, so that a
// file from the internet is refused before any size it claims is believed:
//  - the header is UTF-8 JSON holding one object; `__metadata__` maps strings to strings;
//  - each tensor has a dtype the format knows, a shape of non-negative integers and
//    data_offsets [begin, end] with begin ≤ end;
//  - its byte length end − begin equals shape product × dtype size, computed without overflow
//    (BigInt: a shape such as [2⁵², 2⁵²] must not round to something that happens to match);
//  - sorted by offset, the tensors tile the data section from byte 0 with no gap and no overlap,
//    and the last one ends exactly where the file ends.
// We also refuse a key given twice in any object of the header. JSON.parse keeps the last of
// duplicate keys silently, so a header could show one reader a tensor and another reader a
// different one (Rust's serde keeps the last too for the tensor map); a scan of the text finds them.
import { EngineError } from './errors';

/** The format's dtypes and their sizes in bytes (tensor.rs `Dtype::size`). */
export const DTYPE_SIZES: Readonly<Record<string, number>> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1,
  I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4,
  F64: 8, I64: 8, U64: 8,
};

/** One tensor as the header describes it (offsets into the data section, end exclusive). */
export interface HeaderEntry {
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

export interface ParsedHeader {
  /** Tensors in header order. */
  tensors: Map<string, HeaderEntry>;
  metadata?: Record<string, string>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNonNegInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The first key that appears twice in one object of the JSON text `text` (already known to be
 * valid JSON), or undefined. One pass over the text: a stack of the keys seen in each open object.
 */
export function firstDuplicateKey(text: string): string | undefined {
  const stack: (Set<string> | null)[] = []; // per open container: its keys (null for an array)
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      while (text.charCodeAt(j) !== 0x22) j += text.charCodeAt(j) === 0x5c /* \ */ ? 2 : 1;
      if (expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        const keys = stack[stack.length - 1] as Set<string>;
        if (keys.has(key)) return key;
        keys.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b /* { */) {
      stack.push(new Set());
      expectKey = true;
    } else if (c === 0x5b /* [ */) {
      stack.push(null);
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      expectKey = stack[stack.length - 1] instanceof Set;
    }
  }
  return undefined;
}

/**
 * Parses and validates the header bytes of `file`, whose data section holds `dataBytes` bytes.
 * Throws EngineError (BAD_SAFETENSORS, or UNKNOWN_DTYPE for a dtype the format does not have).
 */
export function parseSafetensorsHeader(bytes: Uint8Array, dataBytes: number, file: string): ParsedHeader {
  const fail = (problem: string) => new EngineError('BAD_SAFETENSORS', `${file}: ${problem}`, file);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw fail('header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    throw fail(`header is not valid JSON (${(err as Error).message.split('\n')[0]})`);
  }
  if (!isObject(header)) throw fail('header is not a JSON object');
  const dup = firstDuplicateKey(text);
  if (dup !== undefined) throw fail(`header gives the key "${dup}" twice`);

  const tensors = new Map<string, HeaderEntry>();
  let metadata: Record<string, string> | undefined;
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = parseMetadata(raw, fail);
      continue;
    }
    if (!isObject(raw)) throw fail(`entry "${name}" is not an object`);
    const { dtype, shape, data_offsets: offs } = raw;
    if (typeof dtype !== 'string') throw fail(`tensor "${name}" has no dtype`);
    if (!Array.isArray(shape) || !shape.every(isNonNegInt)) throw fail(`tensor "${name}" has no valid shape (a list of non-negative integers)`);
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every(isNonNegInt) || offs[0] > offs[1]) {
      throw fail(`tensor "${name}" has no valid data_offsets ([begin, end] with begin ≤ end)`);
    }
    const size = Object.hasOwn(DTYPE_SIZES, dtype) ? DTYPE_SIZES[dtype] : undefined;
    if (size === undefined) {
      throw new EngineError('UNKNOWN_DTYPE', `${file}: tensor "${name}" has dtype ${dtype}, which is not a safetensors dtype`, file);
    }
    const [begin, end] = offs as number[];
    const needs = (shape as number[]).reduce((a, b) => a * BigInt(b), 1n) * BigInt(size);
    if (BigInt(end - begin) !== needs) {
      throw fail(`tensor "${name}" spans ${end - begin} bytes but ${dtype} [${shape.join(', ')}] needs ${needs}`);
    }
    if (end > dataBytes) throw fail(`tensor "${name}" ends at byte ${end}, past the data section (${dataBytes} bytes)`);
    tensors.set(name, { dtype, shape: (shape as number[]).slice(), begin, end });
  }

  const sorted = [...tensors].sort(([, a], [, b]) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let prev = '';
  for (const [name, t] of sorted) {
    if (t.begin < at) throw fail(`tensors "${prev}" and "${name}" overlap (bytes ${t.begin}..${at})`);
    if (t.begin > at) throw fail(`bytes ${at}..${t.begin} of the data section belong to no tensor (a gap before "${name}")`);
    at = t.end;
    prev = name;
  }
  if (at !== dataBytes) throw fail(`the tensors end at byte ${at} of the data section, but the file has ${dataBytes - at} more bytes after them`);
  return metadata ? { tensors, metadata } : { tensors };
}

function parseMetadata(raw: unknown, fail: (p: string) => EngineError): Record<string, string> {
  if (!isObject(raw)) throw fail('__metadata__ is not an object');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') throw fail(`__metadata__ value for "${k}" is not a string`);
    out[k] = v;
  }
  return out;
}
