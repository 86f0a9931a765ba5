// Seeded mutations of the files a model folder holds: safetensors headers, config.json,
// tokenizer.json (and GPT-2's vocab.json / merges.txt), model.safetensors.index.json. Each mutator
// edits the folder in place and returns a one-line description of what it did (for failure reports).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Rng } from '../../src/train/rng';

type Json = Record<string, unknown>;
export type Mutator = (dir: string, rng: Rng, arena: { outside: string; sentinel: string }) => string;

export const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)];

/** Values that go where a number, a string or a list is expected: wrong types, huge, negative, odd. */
const ODD_VALUES: readonly unknown[] = [
  0, -1, -0, 1, 1.5, 2 ** 31, 2 ** 31 - 1, 2 ** 32, 2 ** 53, 2 ** 64, 1e9, 1e12, 1e308, -1e308,
  '12', '', 'NaN', null, true, false, [], [1, 2], {}, { a: 1 }, 'x'.repeat(10_000),
];

function readJson(file: string): Json {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
}

// ---- safetensors ----

interface Header {
  json: Json;
  data: Buffer;
}

function readHeader(file: string): Header {
  const buf = fs.readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  return { json: JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Json, data: buf.subarray(8 + n) };
}

function writeRaw(file: string, headerText: string | Buffer, data: Buffer, length?: bigint): void {
  const json = typeof headerText === 'string' ? Buffer.from(headerText, 'utf8') : headerText;
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(length ?? BigInt(json.length));
  fs.writeFileSync(file, Buffer.concat([len, json, data]));
}

function tensorNames(h: Json): string[] {
  return Object.keys(h).filter((k) => k !== '__metadata__');
}

/** One of the folder's safetensors files. */
function weightFile(dir: string, rng: Rng): string {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.safetensors')).sort();
  return path.join(dir, pick(rng, files));
}

const LENGTHS = [2n ** 64n - 1n, 2n ** 64n - 8n, 2n ** 63n, 2n ** 53n + 1n, 100_000_001n, 100_000_000n, 0n, 1n, 7n];
const DTYPES: readonly unknown[] = ['F32 ', 'f32', 'Q4_K', '', 'F64', 'I8', 'BOOL', 'U64', 'F8_E4M3', 123, null, ['F32'], 'BF16', 'F16', 'F32'];

export const SAFETENSORS_MUTATORS: Record<string, Mutator> = {
  lengthField(dir, rng) {
    const file = weightFile(dir, rng);
    const buf = fs.readFileSync(file);
    const len = rng.next() < 0.5 ? pick(rng, LENGTHS) : BigInt(buf.length - 8 + rng.int(17) - 8);
    buf.writeBigUInt64LE(len, 0);
    fs.writeFileSync(file, buf);
    return `${path.basename(file)}: header length field ${len}`;
  },
  offsets(dir, rng) {
    const file = weightFile(dir, rng);
    const { json, data } = readHeader(file);
    const names = tensorNames(json);
    const name = pick(rng, names);
    const e = json[name] as Json;
    const [b, en] = e.data_offsets as number[];
    const other = json[pick(rng, names)] as Json;
    const choices: unknown[] = [
      [en, b], [-8, en], [b, -1], [b + 4, en + 4], [b - 4, en - 4], (other.data_offsets as number[]).slice(),
      [b, 2 ** 53], [2 ** 60, 2 ** 60 + (en - b)], [b + 0.5, en + 0.5], ['0', String(en)], [b], [b, en, en], null, 'x',
    ];
    e.data_offsets = pick(rng, choices);
    writeRaw(file, JSON.stringify(json), data);
    return `${path.basename(file)}: "${name}".data_offsets = ${JSON.stringify(e.data_offsets)}`;
  },
  shape(dir, rng) {
    const file = weightFile(dir, rng);
    const { json, data } = readHeader(file);
    const name = pick(rng, tensorNames(json));
    const e = json[name] as Json;
    const shape = (e.shape as number[]).slice();
    const choices: unknown[] = [
      [2 ** 32, 2 ** 32, 2 ** 32], [2 ** 53 - 1, 2], [2 ** 62, 4], [-shape[0], ...shape.slice(1)], [shape[0] + 0.5], [],
      ['2'], [[2]], [...shape, 0], [...shape, 1], shape.slice().reverse(), [0], null, {},
    ];
    e.shape = pick(rng, choices);
    writeRaw(file, JSON.stringify(json), data);
    return `${path.basename(file)}: "${name}".shape = ${JSON.stringify(e.shape)}`;
  },
  dtype(dir, rng) {
    const file = weightFile(dir, rng);
    const { json, data } = readHeader(file);
    const name = pick(rng, tensorNames(json));
    (json[name] as Json).dtype = pick(rng, DTYPES);
    writeRaw(file, JSON.stringify(json), data);
    return `${path.basename(file)}: "${name}".dtype = ${JSON.stringify((json[name] as Json).dtype)}`;
  },
  duplicateName(dir, rng) {
    const file = weightFile(dir, rng);
    const { json, data } = readHeader(file);
    const name = pick(rng, tensorNames(json));
    // JSON.stringify cannot write a key twice: splice the entry's text in again by hand.
    const text = JSON.stringify(json);
    const entry = `${JSON.stringify(name)}:${JSON.stringify(json[name])}`;
    writeRaw(file, `{${entry},${text.slice(1)}`, data);
    return `${path.basename(file)}: "${name}" given twice`;
  },
  truncate(dir, rng) {
    const file = weightFile(dir, rng);
    const size = fs.statSync(file).size;
    const keep = pick(rng, [0, 3, 8, 9, rng.int(size), size - 1, size - rng.int(64)]);
    fs.truncateSync(file, Math.max(0, keep));
    return `${path.basename(file)}: truncated to ${keep} of ${size} bytes`;
  },
  extraBytes(dir, rng) {
    const file = weightFile(dir, rng);
    fs.appendFileSync(file, Buffer.alloc(1 + rng.int(64), 7));
    return `${path.basename(file)}: bytes appended`;
  },
  hugeTensor(dir, rng) {
    const file = weightFile(dir, rng);
    const { json, data } = readHeader(file);
    const end = data.length;
    // 100 GB claimed by a tensor that the file does not hold
    json['model.huge'] = { dtype: 'F32', shape: [25_000_000_000], data_offsets: [end, end + 100_000_000_000] };
    writeRaw(file, JSON.stringify(json), data);
    return `${path.basename(file)}: a 100 GB tensor added to the header`;
  },
  flipHeaderByte(dir, rng) {
    const file = weightFile(dir, rng);
    const buf = fs.readFileSync(file);
    const n = Number(buf.readBigUInt64LE(0));
    const at = 8 + rng.int(n);
    buf[at] = pick(rng, [0x00, 0x22, 0x7b, 0x7d, 0x2c, 0x5c, 0xff, 0xc3, 0x30 + rng.int(10), rng.int(256)]);
    fs.writeFileSync(file, buf);
    return `${path.basename(file)}: header byte ${at - 8} set to 0x${buf[at].toString(16)}`;
  },
  metadata(dir, rng) {
    const file = weightFile(dir, rng);
    const { json, data } = readHeader(file);
    json.__metadata__ = pick(rng, [{ format: 1 }, [], 'pt', null, { format: 'pt', nested: { a: 'b' } }, { format: 'pt' }]);
    writeRaw(file, JSON.stringify(json), data);
    return `${path.basename(file)}: __metadata__ = ${JSON.stringify(json.__metadata__)}`;
  },
  dropOrRename(dir, rng) {
    const file = weightFile(dir, rng);
    const { json, data } = readHeader(file);
    const name = pick(rng, tensorNames(json));
    const renamed = rng.next() < 0.5;
    if (renamed) json[`${name}.renamed`] = json[name];
    delete json[name];
    writeRaw(file, JSON.stringify(json), data);
    return `${path.basename(file)}: "${name}" ${renamed ? 'renamed' : 'dropped (its bytes left as a gap)'}`;
  },
};

// ---- config.json ----

const CONFIG_KEYS = [
  'vocab_size', 'hidden_size', 'n_embd', 'num_hidden_layers', 'n_layer', 'num_attention_heads', 'n_head',
  'num_key_value_heads', 'intermediate_size', 'n_inner', 'head_dim', 'max_position_embeddings', 'n_positions',
  'rms_norm_eps', 'layer_norm_epsilon', 'rope_theta', 'rope_scaling', 'tie_word_embeddings', 'bos_token_id',
  'eos_token_id', 'sliding_window', 'use_sliding_window', 'max_window_layers', 'hidden_act', 'activation_function',
  'partial_rotary_factor', 'model_type', 'architectures', 'torch_dtype',
];

export const CONFIG_MUTATORS: Record<string, Mutator> = {
  field(dir, rng) {
    const file = path.join(dir, 'config.json');
    const c = readJson(file);
    const key = pick(rng, CONFIG_KEYS);
    const value = pick(rng, ODD_VALUES);
    c[key] = value;
    fs.writeFileSync(file, JSON.stringify(c));
    return `config.json: "${key}" = ${JSON.stringify(value)?.slice(0, 40)}`;
  },
  remove(dir, rng) {
    const file = path.join(dir, 'config.json');
    const c = readJson(file);
    const key = pick(rng, Object.keys(c));
    delete c[key];
    fs.writeFileSync(file, JSON.stringify(c));
    return `config.json: "${key}" removed`;
  },
  whole(dir, rng) {
    const file = path.join(dir, 'config.json');
    const text = pick(rng, ['', '[]', 'null', '"gpt2"', '{', '{"model_type":"llama"}', '\ufeff{}', `[${'1,'.repeat(100_000)}1]`]);
    if (rng.next() < 0.2) fs.writeFileSync(file, Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])); // invalid UTF-8
    else fs.writeFileSync(file, text);
    return `config.json: replaced by ${JSON.stringify(text.slice(0, 30))}`;
  },
  scale(dir, rng) {
    const file = path.join(dir, 'config.json');
    const c = readJson(file);
    const key = pick(rng, ['num_hidden_layers', 'n_layer', 'vocab_size', 'hidden_size', 'n_embd', 'intermediate_size']);
    if (typeof c[key] !== 'number') return 'config.json: unchanged';
    c[key] = pick(rng, [1e9, 1e12, 2 ** 31 - 1, (c[key] as number) * 1000, (c[key] as number) + 1, 0]);
    fs.writeFileSync(file, JSON.stringify(c));
    return `config.json: "${key}" = ${c[key]}`;
  },
};

// ---- model.safetensors.index.json ----

export const INDEX_MUTATORS: Record<string, Mutator> = {
  shardName(dir, rng, arena) {
    const file = path.join(dir, 'model.safetensors.index.json');
    const idx = readJson(file);
    const map = idx.weight_map as Record<string, unknown>;
    const name = pick(rng, Object.keys(map));
    const rel = path.relative(dir, arena.sentinel);
    map[name] = pick(rng, [rel, arena.sentinel, '..', '.', '', `sub/${rel}`, rel.replace(/\//g, '\\'), 'C:\\secret.safetensors', 'a\u0000b', 42, null, ['x']]);
    fs.writeFileSync(file, JSON.stringify(idx));
    return `index: "${name}" → ${JSON.stringify(map[name])}`;
  },
  symlinkShard(dir, rng, arena) {
    // A plain name that is a link out of the folder is followed (a Hugging Face snapshot is links into blobs/).
    const file = path.join(dir, 'model.safetensors.index.json');
    const idx = readJson(file);
    const map = idx.weight_map as Record<string, unknown>;
    const name = pick(rng, Object.keys(map));
    fs.symlinkSync(arena.sentinel, path.join(dir, 'link.safetensors'));
    map[name] = 'link.safetensors';
    fs.writeFileSync(file, JSON.stringify(idx));
    return `index: "${name}" → link.safetensors, a symlink to ${arena.sentinel}`;
  },
  weightMap(dir, rng) {
    const file = path.join(dir, 'model.safetensors.index.json');
    const idx = readJson(file);
    idx.weight_map = pick(rng, [null, [], 'model.safetensors', {}, { a: 'b.safetensors' }]);
    if (rng.next() < 0.3) idx.metadata = { total_size: pick(rng, ODD_VALUES) };
    fs.writeFileSync(file, JSON.stringify(idx));
    return `index: weight_map = ${JSON.stringify(idx.weight_map)}`;
  },
};
