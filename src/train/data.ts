// Token streams and batches. A stream is cut into non-overlapping windows of T+1 tokens (stride T:
// inputs = window[0..T), targets = window[1..T]). Each epoch visits every window once in an order
// shuffled by a seed derived from (seed, epoch), so the position in the data is just the cursor
// { epoch, index }: a checkpoint stores it and a resumed run continues with the very same batches.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TokenBatch } from './trainable';
import type { Tokenizer } from '../engine/types';
import { Rng, mixSeed } from './rng';

export interface DataCursor {
  epoch: number;
  /** Windows already taken from this epoch's order. */
  index: number;
}

export class TokenWindows {
  readonly count: number;

  constructor(readonly tokens: Int32Array, readonly T: number) {
    this.count = Math.max(0, Math.floor((tokens.length - 1) / T));
    if (this.count === 0) throw new Error(`a stream of ${tokens.length} tokens holds no window of ${T + 1} tokens`);
  }

  /**
   * Copies window `w` into row `row` of `inputs`/`targets` ([B*T] each). A `repeat` window holds
   * the first half of window `w` twice in a row (the copy curriculum, see ShuffledBatches).
   */
  copyInto(w: number, row: number, inputs: Int32Array, targets: Int32Array, repeat = false): void {
    const start = w * this.T;
    if (!repeat) {
      inputs.set(this.tokens.subarray(start, start + this.T), row * this.T);
      targets.set(this.tokens.subarray(start + 1, start + 1 + this.T), row * this.T);
      return;
    }
    const half = Math.ceil((this.T + 1) / 2);
    for (let i = 0; i < this.T; i++) {
      inputs[row * this.T + i] = this.tokens[start + (i % half)];
      targets[row * this.T + i] = this.tokens[start + ((i + 1) % half)];
    }
  }

  /** B windows as a batch, by index; `repeat[r]` marks rows built by the copy curriculum. */
  batch(windowIds: ArrayLike<number>, repeat?: ArrayLike<boolean>): TokenBatch {
    const B = windowIds.length;
    const inputs = new Int32Array(B * this.T);
    const targets = new Int32Array(B * this.T);
    for (let r = 0; r < B; r++) this.copyInto(windowIds[r], r, inputs, targets, repeat?.[r] ?? false);
    return { B, T: this.T, inputs, targets };
  }
}

/**
 * Seeded, epoch-shuffled batches of B windows; `cursor` says where the next batch starts.
 * `repeatFraction` of the windows (chosen by a hash of seed, epoch and index, so a resumed run sees
 * the same ones) are a copy curriculum: half a window of real text, then the same text again. Real
 * text rarely repeats within 256 tokens, and predicting the second copy is what rewards a model
 * for growing induction heads (attend to the token after the previous occurrence, copy it).
 */
export class ShuffledBatches {
  private order: Uint32Array;
  private orderEpoch: number;
  cursor: DataCursor;

  constructor(
    private readonly windows: TokenWindows,
    private readonly B: number,
    private readonly seed: number,
    cursor: DataCursor = { epoch: 0, index: 0 },
    private readonly repeatFraction = 0,
  ) {
    this.cursor = { ...cursor };
    this.orderEpoch = cursor.epoch;
    this.order = this.epochOrder(cursor.epoch);
  }

  private epochOrder(epoch: number): Uint32Array {
    return new Rng(mixSeed(this.seed, epoch + 1)).permutation(this.windows.count);
  }

  next(): TokenBatch {
    const ids: number[] = [];
    const repeat: boolean[] = [];
    while (ids.length < this.B) {
      if (this.cursor.index >= this.order.length) this.cursor = { epoch: this.cursor.epoch + 1, index: 0 };
      if (this.orderEpoch !== this.cursor.epoch) {
        this.order = this.epochOrder(this.cursor.epoch);
        this.orderEpoch = this.cursor.epoch;
      }
      const u = mixSeed(mixSeed(this.seed ^ 0x5eed, this.cursor.epoch), this.cursor.index) / 2 ** 32;
      repeat.push(u < this.repeatFraction);
      ids.push(this.order[this.cursor.index++]);
    }
    return this.windows.batch(ids, repeat);
  }
}

/** The synthetic copy task (TrainConfig.copyTask). */
export interface CopyTaskOptions {
  /** Rows per step, added to every optimizer step as one more micro-batch. */
  rows: number;
  /** Row length (≤ the context: short rows make attending to the right key easier to learn). */
  length: number;
  /** Each row repeats a random span of P tokens, P uniform in [periodMin, periodMax]. */
  periodMin: number;
  periodMax: number;
  /** Token ids are drawn from [idsFrom, idsTo) (e.g. past the 256 byte tokens; excluding specials). */
  idsFrom: number;
  idsTo: number;
}

/**
 * The copy task's batch for an optimizer step: every row is a span of random tokens repeated with
 * period P, and only the repeats carry loss (the first P targets cannot be known). Nothing in
 * natural text teaches copying this directly: the only way to lower this loss is a previous-token
 * head feeding an induction head. Seeded by (seed, step), so a resumed run draws the same rows.
 */
export function copyTaskBatch(o: CopyTaskOptions, seed: number, step: number): TokenBatch {
  const rng = new Rng(mixSeed(seed ^ 0xc0b1, step));
  const { rows: B, length: T } = o;
  const inputs = new Int32Array(B * T);
  const targets = new Int32Array(B * T);
  const weights = new Float32Array(B * T);
  for (let r = 0; r < B; r++) {
    const P = o.periodMin + rng.int(o.periodMax - o.periodMin + 1);
    const span = Array.from({ length: P }, () => o.idsFrom + rng.int(o.idsTo - o.idsFrom));
    for (let i = 0; i < T; i++) {
      inputs[r * T + i] = span[i % P];
      targets[r * T + i] = span[(i + 1) % P];
      weights[r * T + i] = i + 1 >= P ? 1 : 0;
    }
  }
  return { B, T, inputs, targets, weights };
}

/** `count` fixed batches of B windows spread evenly over the stream (the validation set). */
export function fixedBatches(windows: TokenWindows, B: number, count: number): TokenBatch[] {
  const total = Math.min(windows.count, B * count);
  const ids: number[] = [];
  for (let i = 0; i < total; i++) ids.push(Math.floor((i * windows.count) / total));
  const out: TokenBatch[] = [];
  for (let i = 0; i < ids.length; i += B) out.push(windows.batch(ids.slice(i, i + B)));
  return out;
}

/**
 * The token ids of a text file, cached as raw Int32 beside `cacheDir` (keyed by the file's path,
 * size and mtime and the tokenizer's vocabulary size) so a resumed run does not re-tokenize.
 */
export function tokenizeFile(file: string, tokenizer: Tokenizer, cacheDir: string, log: (s: string) => void = () => {}): Int32Array {
  const st = fs.statSync(file);
  const key = JSON.stringify({ file: path.resolve(file), size: st.size, mtimeMs: st.mtimeMs, vocab: tokenizer.vocabSize });
  const base = path.join(cacheDir, path.basename(file).replace(/[^A-Za-z0-9_.-]/g, '_'));
  if (fs.existsSync(`${base}.tokens.json`) && fs.existsSync(`${base}.tokens.bin`)) {
    if (fs.readFileSync(`${base}.tokens.json`, 'utf8') === key) {
      const buf = fs.readFileSync(`${base}.tokens.bin`);
      return new Int32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    }
  }
  const t0 = Date.now();
  const ids = Int32Array.from(tokenizer.encodeIds(fs.readFileSync(file, 'utf8')));
  log(`tokenized ${file}: ${ids.length} tokens in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  fs.mkdirSync(cacheDir, { recursive: true });
  fs.writeFileSync(`${base}.tokens.bin`, Buffer.from(ids.buffer, ids.byteOffset, ids.byteLength));
  fs.writeFileSync(`${base}.tokens.json`, key);
  return ids;
}

/** One sequence with a loss weight per target position (weights[j] scales the loss of predicting ids[j+1]). */
export interface WeightedSequence {
  ids: number[];
  weights: number[]; // length ids.length − 1
}

/** Right-pads sequences to a common length (pad positions weigh 0; causal attention never sees them). */
export function sequenceBatch(seqs: WeightedSequence[], padId: number): TokenBatch {
  const T = Math.max(...seqs.map((s) => s.ids.length - 1));
  const B = seqs.length;
  const inputs = new Int32Array(B * T).fill(padId);
  const targets = new Int32Array(B * T).fill(padId);
  const weights = new Float32Array(B * T);
  seqs.forEach((s, r) => {
    for (let j = 0; j < s.ids.length - 1; j++) {
      inputs[r * T + j] = s.ids[j];
      targets[r * T + j] = s.ids[j + 1];
      weights[r * T + j] = s.weights[j];
    }
  });
  return { B, T, inputs, targets, weights };
}
