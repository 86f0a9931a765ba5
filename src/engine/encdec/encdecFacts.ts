// What `info`, `check`, the picker and the Hub cache say about an encoder–decoder folder without
// running it: the parameters its config.json implies, whether its weights fit (one thread, 16-bit
// weights kept 16-bit as loadEncDec keeps them), and the folder checked whole (config, safetensors
// headers, the shared embedding's shape, the tokenizer giving sample texts back).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { openWeights } from '../checkpoint';
import { EngineError } from '../errors';
import { WASM_MEMORY_BYTES } from '../memoryPlan';
import type { EncDecConfig } from './encdecConfig';
import { loadEncDecTokenizer } from './encdecTokenizer';
import { readEncDecConfig } from './loadEncDec';

/** Parameters of the checkpoint `c` describes (a tied head counted once; Marian's sinusoids are computed, not counted). */
export function encDecParamCount(c: EncDecConfig): number {
  const { dModel: d, ffnDim: f, vocabSize: V } = c;
  const inner = c.nHead * c.headDim;
  const head = c.tied ? 0 : V * d;
  if (c.family === 'marian') {
    const attn = 4 * (d * d + d); // q, k, v, out with biases
    const ffn = d * f + f + f * d + d;
    const enc = attn + ffn + 2 * 2 * d; // two LayerNorms
    const dec = 2 * attn + ffn + 3 * 2 * d;
    return V * d + V + head + c.encoderLayers * enc + c.decoderLayers * dec; // + final_logits_bias [1, V]
  }
  const attn = 4 * d * inner; // q, k, v, o without biases
  const ffn = (c.gated ? 2 : 1) * d * f + f * d;
  const enc = attn + ffn + 2 * d;
  const dec = 2 * attn + ffn + 3 * d;
  const bias = 2 * (c.buckets ?? 0) * c.nHead; // relative_attention_bias in the first layer of each stack
  return V * d + head + c.encoderLayers * enc + c.decoderLayers * dec + bias + 2 * d; // + the two final_layer_norms
}

/** Bytes per stored value: the safetensors file(s) total over the parameter count, 2 or 4. */
function storedBytes(dir: string, params: number): number {
  try {
    const { opened } = openWeights(dir);
    let bytes = 0;
    for (const f of opened) {
      for (const e of [...f.entries.values(), ...f.otherEntries.values()]) bytes += e.end - e.begin;
      f.close();
    }
    return bytes / params < 3 ? 2 : 4;
  } catch {
    return 4;
  }
}

const gb = (bytes: number): string => `${(bytes / 1e9).toFixed(1)} GB`;

/**
 * Refuses (EngineError MODEL_TOO_LARGE) an encoder–decoder model whose weights would not fit one
 * thread's WebAssembly memory (4 GiB) or the memory free; returns the bytes its weights take.
 */
export function checkEncDecFits(c: EncDecConfig, bytesPerValue: number, o: { name?: string; file?: string; freeBytes?: number } = {}): number {
  const params = encDecParamCount(c);
  const weightBytes = params * bytesPerValue;
  const what = `${o.name ?? c.name ?? 'the model'} (${Math.round(params / 1e6)}M parameters) needs about ${gb(weightBytes)} for its weights`;
  if (weightBytes > WASM_MEMORY_BYTES) throw new EngineError('MODEL_TOO_LARGE', `${what}: more than the 4 GiB a WebAssembly thread can hold (encoder–decoder models run on one thread)`, o.file);
  const free = o.freeBytes ?? os.freemem();
  if (weightBytes > free) throw new EngineError('MODEL_TOO_LARGE', `${what}: more than the ${gb(free)} of memory free on this machine`, o.file);
  return weightBytes;
}

/** memoryFit for an encoder–decoder folder: `weightBytes` (from the Hub) when the files are not there yet. */
export function encDecMemoryFit(dir: string, weightBytes: number, freeBytes?: number): { fits: boolean; note?: string } {
  const c = readEncDecConfig(dir)!;
  const params = encDecParamCount(c);
  const stored = fs.existsSync(path.join(dir, 'model.safetensors')) || fs.existsSync(path.join(dir, 'model.safetensors.index.json')) ? storedBytes(dir, params) : weightBytes / params < 3 ? 2 : 4;
  try {
    checkEncDecFits(c, stored, { name: c.name ?? path.basename(dir), file: path.join(dir, 'config.json'), ...(freeBytes !== undefined ? { freeBytes } : {}) });
    return { fits: true };
  } catch (err) {
    if (err instanceof EngineError && err.code === 'MODEL_TOO_LARGE') return { fits: false, note: err.message };
    throw err;
  }
}

const SUPPORTED = new Set(['F32', 'F16', 'BF16']);
/** The shared embedding under any of the names a checkpoint keeps it. */
const EMBEDDING = ['model.shared.weight', 'shared.weight', 'model.encoder.embed_tokens.weight', 'encoder.embed_tokens.weight'];
/** Source texts the tokenizer must encode, its pieces giving the text back (Marian and T5 normalise NFKC, so plain text). */
const SAMPLES = ['Hello, world! The quick brown fox jumps over the lazy dog.', 'café, naïve: accents.'];

/**
 * Checks an encoder–decoder folder: each problem one line naming its file; notes for a model too
 * big here. Every weight's name is checked by loading (Marian.load / T5.load), not here.
 */
export function checkEncDecFolder(dir: string): { problems: string[]; notes: string[] } {
  const problems: string[] = [];
  const notes: string[] = [];
  const message = (err: unknown): string => (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ');
  let c: EncDecConfig;
  try {
    c = readEncDecConfig(dir)!;
  } catch (err) {
    return { problems: [message(err)], notes };
  }
  const params = encDecParamCount(c);
  try {
    const { opened, located } = openWeights(dir);
    try {
      let held = 0;
      for (const loc of located.values()) {
        if (!SUPPORTED.has(loc.entry.dtype)) problems.push(`${loc.file.path}: tensor "${loc.rawName}" has dtype ${loc.entry.dtype}, which is not supported (F32, F16 or BF16)`);
        held += loc.entry.shape.reduce((a, b) => a * b, 1);
      }
      const emb = EMBEDDING.map((n) => located.get(n)).find((l) => l !== undefined);
      if (!emb) problems.push(`${opened[0].path}: no shared embedding (${EMBEDDING.join(', ')})`);
      else if (emb.entry.shape.join() !== [c.vocabSize, c.dModel].join()) {
        problems.push(`${emb.file.path}: "${emb.rawName}" has shape [${emb.entry.shape.join(', ')}], expected [${c.vocabSize}, ${c.dModel}] from config.json`);
      }
      if (held < params * 0.9) problems.push(`${opened[0].path}: holds ${held} values, config.json implies ${params}: weights are missing`);
    } finally {
      for (const f of opened) f.close();
    }
    checkEncDecFits(c, storedBytes(dir, params), { file: path.join(dir, 'config.json') });
  } catch (err) {
    if (err instanceof EngineError && err.code === 'MODEL_TOO_LARGE') notes.push(`on one thread: ${message(err)}`);
    else problems.push(message(err));
  }
  try {
    const tok = loadEncDecTokenizer(dir, c);
    for (const text of SAMPLES) {
      const { ids } = tok.encode(text);
      const outside = ids.find((id) => id >= c.vocabSize);
      if (outside !== undefined) problems.push(`${dir}: ${JSON.stringify(text)} gives id ${outside}, outside config.json's vocab_size ${c.vocabSize}`);
      if (ids[ids.length - 1] !== c.eosTokenId) problems.push(`${dir}: the tokenizer does not end ${JSON.stringify(text)} with eos_token_id ${c.eosTokenId}`);
    }
  } catch (err) {
    problems.push(message(err));
  }
  return { problems, notes };
}
