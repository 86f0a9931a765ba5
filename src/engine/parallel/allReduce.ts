// The one collective tensor parallelism needs: every rank contributes a partial [n] vector and every
// rank gets the elementwise sum, through a SharedArrayBuffer and Atomics (no message, no event loop:
// it is called synchronously in the middle of a layer). Each rank adds the slots in rank order, so
// all ranks get bit-identical sums and their replicated residual streams never drift apart.
//
// Layout: a header of Int32 counters, then two generations of one slot per rank. Call k writes
// generation k % 2; a rank can only reach call k + 2 after every rank has arrived at call k + 1,
// i.e. after every rank has finished reading call k, so one barrier per call is enough.
import { EngineError } from '../errors';

const HEADER_INTS = 16;
const ARRIVED = 0; // how many arrivals in total (calls × ranks)
const FAILED = 1; // set when a rank gives up: the others stop waiting
/** Busy-wait this many polls before sleeping on Atomics.wait (the other rank is usually close). */
const SPIN_POLLS = 20_000;

/** Shared memory for `nRanks` ranks summing vectors of up to `maxFloats` values. */
export function createReduceBuffer(nRanks: number, maxFloats: number): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER_INTS * 4 + 2 * nRanks * maxFloats * 4);
}

export class AllReduce {
  private readonly header: Int32Array;
  private readonly slots: Float32Array[][]; // [generation][rank]
  private calls = 0;
  /** Time spent waiting for the other ranks, in ms (for benchmarks). */
  waitedMs = 0;

  constructor(
    sab: SharedArrayBuffer,
    readonly rank: number,
    readonly nRanks: number,
    readonly maxFloats: number,
    /** Longest wait for the other ranks before giving up (they may be finishing earlier work). */
    private readonly timeoutMs = 60_000,
  ) {
    if (sab.byteLength < HEADER_INTS * 4 + 2 * nRanks * maxFloats * 4) {
      throw new EngineError('INTERNAL', 'the all-reduce buffer is too small');
    }
    this.header = new Int32Array(sab, 0, HEADER_INTS);
    this.slots = [0, 1].map((g) =>
      Array.from({ length: nRanks }, (_, r) => new Float32Array(sab, HEADER_INTS * 4 + (g * nRanks + r) * maxFloats * 4, maxFloats)),
    );
  }

  /**
   * Elementwise sum of `local` over all ranks (a new array). Blocks until every rank has called.
   * A vector longer than the buffer is summed in buffer-sized pieces (every rank cuts the same way).
   */
  sum(local: Float32Array): Float32Array {
    if (local.length <= this.maxFloats) return this.sumPiece(local);
    const out = new Float32Array(local.length);
    for (let at = 0; at < local.length; at += this.maxFloats) out.set(this.sumPiece(local.subarray(at, at + this.maxFloats)), at);
    return out;
  }

  private sumPiece(local: Float32Array): Float32Array {
    const n = local.length;
    if (n > this.maxFloats) {
      throw new EngineError('INTERNAL', `all-reduce of ${n} values exceeds its buffer of ${this.maxFloats}`);
    }
    const gen = this.slots[this.calls & 1];
    gen[this.rank].set(local);
    this.calls++;
    Atomics.add(this.header, ARRIVED, 1);
    Atomics.notify(this.header, ARRIVED);
    const t0 = performance.now();
    this.waitFor(this.calls * this.nRanks);
    this.waitedMs += performance.now() - t0;
    const out = gen[0].slice(0, n);
    for (let r = 1; r < this.nRanks; r++) {
      const s = gen[r];
      for (let i = 0; i < n; i++) out[i] += s[i];
    }
    return out;
  }

  /** Makes every rank's current and future waits fail (a rank hit an error and will not arrive). */
  fail(): void {
    Atomics.store(this.header, FAILED, 1);
    Atomics.notify(this.header, ARRIVED);
  }

  get failed(): boolean {
    return Atomics.load(this.header, FAILED) !== 0;
  }

  /**
   * Until `target` contributions have arrived. A sum every rank contributed to is complete even if
   * a rank failed right after giving its part (that failure stops the next sum), so arrival is
   * checked before failure.
   */
  private waitFor(target: number): void {
    const h = this.header;
    for (let i = 0; i < SPIN_POLLS; i++) {
      if (Atomics.load(h, ARRIVED) >= target) return;
    }
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const seen = Atomics.load(h, ARRIVED);
      if (seen >= target) return;
      this.checkFailed();
      const left = deadline - Date.now();
      if (left <= 0) {
        this.fail();
        throw new EngineError('WORKER_DIED', `the engine's other thread did not answer within ${Math.round(this.timeoutMs / 1000)} s`);
      }
      Atomics.wait(h, ARRIVED, seen, Math.min(left, 1000));
    }
  }

  private checkFailed(): void {
    if (this.failed) throw new EngineError('WORKER_DIED', "the engine's other thread stopped");
  }
}
