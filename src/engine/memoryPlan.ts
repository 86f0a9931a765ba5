// Will a model fit? Estimated from config.json and the checkpoint's dtype alone, before any weight
// is read, so that a model too big is refused at once with a message that says how big it is and
// what fits, instead of failing (or swapping) minutes into its load. Each thread packs its shard of
// the weight matrices into its own WebAssembly memory (gemm/gemm.ts), which wasm32 caps at 4 GiB:
// the panels at the dtype they are held in, plus the scratch of the largest product (the LM head
// over a whole text). The machine must hold, besides, the embedding each thread keeps, the KV
// caches and each thread's runtime. A forward's attention maps and logits (forwardBytes) depend on
// the text: they are reported, not held against the model (Qwen2.5-0.5B's at 2048 tokens are 6.8 GB).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EngineError } from './errors';
import { familyOf } from './families';
import { LLAMA_FAMILY } from './llamaConfig';
import { planShards } from './parallel/shards';
import type { GPTConfig } from './types';

/** What a WebAssembly (wasm32) memory holds at most: 65536 pages of 64 KiB. */
export const WASM_MEMORY_BYTES = 4 * 2 ** 30;
/** The text length the estimate keeps room for (or the model's context, when shorter). */
export const PLAN_TOKENS = 2048;
/** Node, TensorFlow.js and its wasm backend, per thread (measured: ~150 MB before any weight). */
const RUNTIME_BYTES = 200 * 2 ** 20;
/** The most threads the advice considers. */
const MAX_THREADS = 16;

const GB = 1e9;
const PANEL = 16; // the GEMM's panel width: columns are padded to it
const padded = (n: number): number => Math.ceil(n / PANEL) * PANEL;

export interface MemoryEstimate {
  threads: number;
  /** Bytes per weight value in memory (2 for BF16 / F16 kept 16-bit, 4 for float32). */
  bytesPerValue: number;
  params: number;
  /** The whole model's weights in memory, bytes. */
  weightBytes: number;
  /** Each thread's WebAssembly memory: its packed panels and the scratch of the LM head over `tokens` rows. */
  wasmBytes: number[];
  /** The model loaded: the threads' wasm memories, their embeddings and runtimes, KV caches for `tokens`. */
  totalBytes: number;
  /** What a forward with every attention over `tokens` adds: the maps [L, H, T, T] and the logits [T, V]. */
  forwardBytes: number;
  tokens: number;
}

/** Bytes per value the checkpoint stores: config.json's torch_dtype (or dtype), else the files' sizes, else 4. */
export function storedBytesPerValue(dir: string, raw: Record<string, unknown>, params: number): number {
  const dtype = raw.torch_dtype ?? raw.dtype;
  if (dtype === 'bfloat16' || dtype === 'float16') return 2;
  if (dtype === 'float32') return 4;
  let bytes: number | undefined;
  try {
    const index = path.join(dir, 'model.safetensors.index.json');
    const single = path.join(dir, 'model.safetensors');
    if (fs.existsSync(single)) bytes = fs.statSync(single).size;
    else if (fs.existsSync(index)) bytes = Number((JSON.parse(fs.readFileSync(index, 'utf8')) as { metadata?: { total_size?: unknown } }).metadata?.total_size);
  } catch {
    bytes = undefined; // a broken index is reported by the load itself
  }
  return bytes && Number.isFinite(bytes) && bytes / params < 3 ? 2 : 4;
}

/** The memory `config` needs on `threads` threads with weights of `storedBytes` per value in the checkpoint. */
export function estimateMemory(config: GPTConfig, threads: number, storedBytes: number, tokens = Math.min(config.nPositions, PLAN_TOKENS)): MemoryEstimate {
  const family = familyOf(config);
  const b = family.bytesInMemory(storedBytes);
  const params = family.countParams(config);
  const { nEmbd: d, nLayer: L, headDim: hd, vocabSize: V, nHead: H } = config;
  const llama = (LLAMA_FAMILY as readonly string[]).includes(config.modelType); // gate | up: two inputs of the MLP
  const wasmBytes: number[] = [];
  let total = 0;
  for (const s of planShards(config, threads)) {
    const hl = s.heads[1] - s.heads[0];
    const kvl = s.kvHeads[1] - s.kvHeads[0];
    const f = s.inner[1] - s.inner[0];
    const v = s.vocab[1] - s.vocab[0];
    // q | k | v, o, the MLP's in (gate | up for the Llama family) and out, per layer; the head
    const mlpIn = llama ? 2 * f : f;
    const layer = d * padded((hl + 2 * kvl) * hd) + hl * hd * padded(d) + d * padded(mlpIn) + f * padded(d);
    const panels = (L * layer + d * padded(v)) * b;
    const scratch = tokens * (d + padded(v)) * 4 + d * PANEL * 4; // the head over every row: its input and output, a widened panel
    wasmBytes.push(panels + scratch);
    const kvCache = 2 * L * kvl * tokens * hd * 4;
    total += panels + scratch + V * d * b + kvCache + RUNTIME_BYTES; // + this thread's copy of the embedding
  }
  const forwardBytes = L * H * tokens * tokens * 4 + tokens * V * 4; // attentions [L, H, T, T] and logits [T, V]
  return { threads, bytesPerValue: b, params, weightBytes: params * b, wasmBytes, totalBytes: total, forwardBytes, tokens };
}

const gb = (bytes: number): string => `${(bytes / GB).toFixed(1)} GB`;
const billions = (n: number): string => (n >= 1e9 ? `${(n / 1e9).toFixed(1)}B` : `${Math.round(n / 1e6)}M`);
const dtypeName = (b: number, stored: number): string => (b === 2 ? 'BF16/F16' : stored === 2 ? 'float32 (widened from 16-bit)' : 'float32');

/** The largest model of `config`'s proportions (its parameters scaled) whose threads' memories fit, in parameters. */
function largestFitting(e: MemoryEstimate): number {
  const worst = Math.max(...e.wasmBytes);
  const perThreadWeights = e.weightBytes / e.threads; // about
  const fixed = Math.max(0, worst - perThreadWeights); // scratch: grows slower than the weights
  return (Math.max(0, WASM_MEMORY_BYTES - fixed) * e.threads) / e.bytesPerValue;
}

/** Who is asking: the model's name, its config.json (named by the error), the memory free. */
export interface FitOptions {
  name?: string;
  file?: string;
  freeBytes?: number;
}

/**
 * Refuses `config` on `threads` threads (EngineError MODEL_TOO_LARGE) when a thread's WebAssembly
 * memory would pass 4 GiB or the whole would pass the machine's free memory. Reads no weights.
 */
export function checkFits(config: GPTConfig, threads: number, storedBytes: number, o: FitOptions = {}): MemoryEstimate {
  const name = o.name ?? config.name ?? 'the model';
  const freeBytes = o.freeBytes ?? os.freemem();
  const e = estimateMemory(config, threads, storedBytes);
  const worst = Math.max(...e.wasmBytes);
  const dtype = dtypeName(e.bytesPerValue, storedBytes);
  const what = `${name} (${billions(e.params)} parameters) needs about ${gb(e.weightBytes)} for its weights in ${dtype}`;
  if (worst > WASM_MEMORY_BYTES) {
    const more = Array.from({ length: Math.min(config.nHead, MAX_THREADS) - threads }, (_, i) => threads + 1 + i).find(
      (n) => Math.max(...estimateMemory(config, n, storedBytes).wasmBytes) <= WASM_MEMORY_BYTES,
    );
    const split = threads > 1 ? `, split over ${threads} threads ${gb(worst)} each` : `, ${gb(worst)} on one thread`;
    throw new EngineError(
      'MODEL_TOO_LARGE',
      `${what}${split} (with room for a ${e.tokens}-token text): more than the 4 GiB a WebAssembly thread can hold; ` +
        `models up to about ${billions(largestFitting(e))} parameters in ${dtype} fit on ${threads} thread${threads > 1 ? 's' : ''}` +
        (more ? `, or this one split over ${more} threads` : ''),
      o.file,
    );
  }
  if (e.totalBytes > freeBytes) {
    throw new EngineError(
      'MODEL_TOO_LARGE',
      `${what}, about ${gb(e.totalBytes)} in all on ${threads} thread${threads > 1 ? 's' : ''}: more than the ${gb(freeBytes)} of memory free on this machine`,
      o.file,
    );
  }
  return e;
}
