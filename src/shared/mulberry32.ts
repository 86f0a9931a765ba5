// mulberry32 (Tommy Ettinger's 32-bit generator): the one seeded PRNG of the project, used by the
// sampler, the trainer, the head-stats induction test and the tests' random cases. Written here
// rather than taken from a library because its whole state is one 32-bit integer (a training
// checkpoint stores it, and a resumed run draws exactly the numbers an uninterrupted run would
// have) and every stream it makes is pinned by tests and fixtures; it is small, fast and good
// enough for sampling and shuffling, not for anything cryptographic.

export class Mulberry32 {
  private s: number;

  /** The state starts at `seed` taken as an unsigned 32-bit integer. */
  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  /** The whole state, an unsigned 32-bit integer: setting it back resumes the stream there. */
  get state(): number {
    return this.s;
  }

  set state(v: number) {
    this.s = v >>> 0;
  }

  /** Uniform in [0, 1), a multiple of 2^-32. */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

/** `new Mulberry32(seed)` as a plain function: each call returns the next uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  const rng = new Mulberry32(seed);
  return () => rng.next();
}
