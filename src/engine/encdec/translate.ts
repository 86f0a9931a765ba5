// Generation with an encoder–decoder model: the source encoded once, then greedy or beam search over
// the decoder's KV cache, as transformers' generate() does it. Greedy: the argmax of the last row's
// logits, the config's banned tokens (Marian's pad) excluded. Beam search: BeamSearchScorer with
// length_penalty 1 and early_stopping false: candidates are the top 2·B of beam score +
// log_softmax (banned tokens set to −∞ after the softmax); an EOS among the first B candidates
// closes a hypothesis scored (sum of log-probabilities) / (tokens generated, the EOS included); the
// search ends when B hypotheses are kept and the best candidate's sum / length cannot beat the worst,
// or after maxNewTokens (the running beams then join the hypotheses). Ids exclude the start token.
import type { DecoderCache } from './decoderCache';
import type { EncDecModel, Encoded } from './encdecModel';

export interface TranslateOptions {
  maxNewTokens: number;
  /** Beam width; 1 (the default) is greedy. */
  beam?: number;
}

/** What a caller hears and says while a translation runs (the worker's progress and cancel). */
export interface TranslateHooks {
  /** After each step: the step's index and the ids so far (beam search: the best running beam's). */
  onStep?: (step: number, ids: readonly number[]) => void;
  /** Read between two steps; true stops the search with what it has. */
  isCancelled?: () => boolean;
}

function banned<A extends Float32Array | Float64Array>(model: EncDecModel, logits: A): A {
  for (const id of model.config.banned) logits[id] = -Infinity;
  return logits;
}

/** Greedy decoding: the generated ids (the EOS included when reached). */
export function greedy(model: EncDecModel, enc: Encoded, maxNewTokens: number, hooks: TranslateHooks = {}): number[] {
  const { decoderStartTokenId: start, eosTokenId: eos } = model.config;
  const cache = model.startDecoder(enc);
  const ids: number[] = [];
  let next = start;
  for (let step = 0; step < maxNewTokens && !hooks.isCancelled?.(); step++) {
    const logits = banned(model, model.decode([next], cache, true).logits); // [V]
    let best = 0;
    for (let v = 1; v < logits.length; v++) if (logits[v] > logits[best]) best = v;
    ids.push(best);
    hooks.onStep?.(step, ids);
    if (best === eos) break;
    next = best;
  }
  return ids;
}

/** log_softmax of a row in float64. */
function logSoftmax(logits: Float32Array): Float64Array {
  let max = -Infinity;
  for (const x of logits) if (x > max) max = x;
  let sum = 0;
  for (const x of logits) sum += Math.exp(x - max);
  const lse = max + Math.log(sum);
  const out = new Float64Array(logits.length);
  for (let i = 0; i < logits.length; i++) out[i] = logits[i] - lse;
  return out;
}

interface Beam {
  ids: number[]; // generated so far, no start token
  score: number; // sum of log-probabilities
  cache: DecoderCache;
}

/** The kept finished hypotheses (BeamHypotheses): at most `width`, the worst dropped first. */
class Hypotheses {
  readonly list: { score: number; ids: number[] }[] = [];
  worst = Infinity;
  constructor(private readonly width: number) {}

  add(ids: number[], sum: number, generated: number): void {
    const score = sum / generated;
    if (this.list.length < this.width || score > this.worst) {
      this.list.push({ score, ids });
      if (this.list.length > this.width) {
        this.list.sort((a, b) => a.score - b.score);
        this.list.shift();
        this.worst = this.list[0].score;
      } else {
        this.worst = Math.min(score, this.worst);
      }
    }
  }
}

/** Beam search of width B (see the file comment): the best hypothesis's ids. */
export function beamSearch(model: EncDecModel, enc: Encoded, maxNewTokens: number, B: number, hooks: TranslateHooks = {}): number[] {
  const { decoderStartTokenId: start, eosTokenId: eos } = model.config;
  const first = model.startDecoder(enc);
  let beams: (Beam & { next: number })[] = [{ ids: [], score: 0, cache: first, next: start }];
  const hyps = new Hypotheses(B);
  let done = false;
  for (let step = 0; step < maxNewTokens && !done && !hooks.isCancelled?.(); step++) {
    // every beam's candidates; the other B − 1 starting beams of transformers score −1e9 and never win
    const cand: { score: number; beam: number; token: number }[] = [];
    const scores = beams.map((b) => banned(model, logSoftmax(model.decode([b.next], b.cache, true).logits)));
    beams.forEach((b, bi) => scores[bi].forEach((lp, token) => cand.push({ score: b.score + lp, beam: bi, token })));
    cand.sort((a, b) => b.score - a.score || a.beam - b.beam || a.token - b.token);
    const top = cand.slice(0, 2 * B);
    const generated = step + 1;
    const next: typeof beams = [];
    const used = new Set<number>();
    for (let rank = 0; rank < top.length && next.length < B; rank++) {
      const c = top[rank];
      const parent = beams[c.beam];
      if (c.token === eos) {
        if (rank < B) hyps.add([...parent.ids, eos], c.score, generated);
        continue;
      }
      // a parent's cache goes to its first child, copies to the others
      const cache = used.has(c.beam) ? parent.cache.clone() : parent.cache;
      used.add(c.beam);
      next.push({ ids: [...parent.ids, c.token], score: c.score, cache, next: c.token });
    }
    beams = next;
    if (beams.length > 0) hooks.onStep?.(step, beams[0].ids);
    done = hyps.list.length >= B && hyps.worst >= top[0].score / generated;
  }
  if (!done) for (const b of beams) hyps.add(b.ids, b.score, b.ids.length);
  let best = hyps.list[0];
  for (const h of hyps.list) if (h.score > best.score) best = h;
  return best.ids;
}

/** Encodes `sourceIds` once and translates: greedy, or beam search when `beam` > 1. */
export function translateIds(model: EncDecModel, sourceIds: number[], opts: TranslateOptions, hooks: TranslateHooks = {}): number[] {
  const enc = model.encode(sourceIds);
  const B = opts.beam ?? 1;
  return B > 1 ? beamSearch(model, enc, opts.maxNewTokens, B, hooks) : greedy(model, enc, opts.maxNewTokens, hooks);
}
