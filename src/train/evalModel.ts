// Evaluates a model folder on held-out text, for its model card: validation loss next to a bigram
// baseline on the very same target positions, and the head statistics (previous-token heads on the
// validation text, induction heads on repeated random token sequences, first-token sinks, entropy)
// computed by src/analysis/headStats.ts from the engine's own attention — the same functions the
// panel uses. Run: `node dist/train.js eval --model DIR --train FILE --val FILE [--card]`.
import * as fs from 'node:fs';
import { loadCheckpoint } from '../engine/checkpoint';
import { GPTModel } from '../engine/model';
import { ByteLevelBPETokenizer } from '../engine/tokenizer';
import { logSoftmax } from '../engine/sampler';
import type { HeadSummary } from '../analysis/headStats';
import {
  attentionEntropy,
  firstTokenSinkScore,
  inductionScore,
  makeRepeatedRandomTokens,
  previousTokenScore,
} from '../analysis/headStats';

/** One head's statistics: the same record the panel's head statistics use. */
export type HeadEval = HeadSummary;

export interface ModelEval {
  windows: number;
  T: number;
  targets: number;
  /** Model cross-entropy on the validation windows, nats/token. */
  valLoss: number;
  /** Interpolated bigram (counted on the training split) on the same targets, nats/token. */
  bigramLoss: number;
  bigramLambda: number;
  /** Validation tokens per UTF-8 byte, to turn bits/token into bits/byte. */
  tokensPerByte: number;
  inductionSeeds: number;
  heads: HeadEval[];
}

export interface EvalOptions {
  modelDir: string;
  train: string;
  val: string;
  /** Validation windows of nPositions tokens (default 24). */
  windows?: number;
  /** Repeated-random-token sequences for the induction score (default 8). */
  inductionSeeds?: number;
  log?: (s: string) => void;
}

/** Bigram counts over the training ids: pair counts in a Map keyed a·V+b, unigram counts. */
function bigramCounts(ids: ArrayLike<number>, V: number): { pair: Map<number, number>; first: Float64Array; uni: Float64Array } {
  const pair = new Map<number, number>();
  const first = new Float64Array(V);
  const uni = new Float64Array(V);
  for (let i = 0; i < ids.length; i++) {
    uni[ids[i]]++;
    if (i === 0) continue;
    const k = ids[i - 1] * V + ids[i];
    pair.set(k, (pair.get(k) ?? 0) + 1);
    first[ids[i - 1]]++;
  }
  return { pair, first, uni };
}

export async function evaluateModel(o: EvalOptions): Promise<ModelEval> {
  const log = o.log ?? (() => {});
  const { config, weights } = loadCheckpoint(o.modelDir);
  const tokenizer = ByteLevelBPETokenizer.fromModelDir(o.modelDir);
  const model = GPTModel.create(config, weights);
  try {
    const V = config.vocabSize;
    const T = config.nPositions;
    const H = config.nHead;
    const valText = fs.readFileSync(o.val, 'utf8');
    const valIds = tokenizer.encodeIds(valText);
    const tokensPerByte = valIds.length / Buffer.byteLength(valText, 'utf8');
    const nWin = Math.min(o.windows ?? 24, Math.floor((valIds.length - 1) / T));
    if (nWin < 1) throw new Error(`${o.val}: too short for one window of ${T} tokens`);

    // Model loss and attention statistics on evenly spaced validation windows (each starts at ≥ 1,
    // so the bigram baseline has the token before the window's first target too).
    let nll = 0;
    let targets = 0;
    const positions: { prev: number; next: number }[] = [];
    const acc = { prev: [] as number[], sink: [] as number[], ent: [] as number[] };
    for (let w = 0; w < nWin; w++) {
      const start = 1 + Math.floor((w * (valIds.length - T - 2)) / nWin);
      const ids = valIds.slice(start, start + T);
      const next = valIds.slice(start + 1, start + T + 1);
      const r = await model.forward(ids, { attentions: true });
      for (let t = 0; t < T; t++) {
        const lp = logSoftmax(r.logits.subarray(t * V, (t + 1) * V));
        const l = -lp[next[t]];
        nll += l;
        positions.push({ prev: ids[t], next: next[t] });
        targets++;
      }
      r.attentions!.forEach((att, layer) => {
        const off = layer * H;
        const p = previousTokenScore(att, H, T);
        const s = firstTokenSinkScore(att, H, T);
        const e = attentionEntropy(att, H, T);
        p.forEach((x, h) => (acc.prev[off + h] = (acc.prev[off + h] ?? 0) + x / nWin));
        s.forEach((x, h) => (acc.sink[off + h] = (acc.sink[off + h] ?? 0) + x / nWin));
        e.forEach((x, h) => (acc.ent[off + h] = (acc.ent[off + h] ?? 0) + x / nWin));
      });
    }
    log(`model: ${(nll / targets).toFixed(4)} nats/token on ${targets} validation targets`);

    // Induction heads: n random ids, then the same n again (T = 2n), averaged over seeds.
    const seeds = o.inductionSeeds ?? 8;
    const n = Math.floor(T / 2);
    const induction: number[] = [];
    const avoid = [tokenizer.eosTokenId, tokenizer.bosTokenId].filter((x): x is number => x !== undefined);
    for (let s = 0; s < seeds; s++) {
      const ids = makeRepeatedRandomTokens(n, V, 1000 + s, avoid);
      const r = await model.forward(ids, { attentions: true });
      r.attentions!.forEach((att, layer) => {
        inductionScore(att, H, 2 * n, ids).forEach((x, h) => (induction[layer * H + h] = (induction[layer * H + h] ?? 0) + x / seeds));
      });
    }
    const heads: HeadEval[] = [];
    for (let layer = 0; layer < config.nLayer; layer++) {
      for (let h = 0; h < H; h++) {
        const i = layer * H + h;
        heads.push({ layer, head: h, prevToken: acc.prev[i], induction: induction[i], sink: acc.sink[i], entropy: acc.ent[i] });
      }
    }

    // Bigram baseline on the same targets, counted on the training split; the interpolation weight
    // with the unigram is picked on these very targets, which can only flatter the baseline.
    const trainIds = tokenizer.encodeIds(fs.readFileSync(o.train, 'utf8'));
    const { pair, first, uni } = bigramCounts(trainIds, V);
    const uniTotal = trainIds.length + V; // add-one unigram
    let best = { lambda: 0, loss: Infinity };
    for (const lambda of [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98]) {
      let l = 0;
      for (const { prev, next } of positions) {
        const pu = (uni[next] + 1) / uniTotal;
        const pb = first[prev] > 0 ? (pair.get(prev * V + next) ?? 0) / first[prev] : 0;
        l -= Math.log(lambda * pb + (1 - lambda) * pu);
      }
      l /= positions.length;
      if (l < best.loss) best = { lambda, loss: l };
    }
    log(`bigram: ${best.loss.toFixed(4)} nats/token (λ = ${best.lambda})`);
    return {
      windows: nWin,
      T,
      targets,
      valLoss: nll / targets,
      bigramLoss: best.loss,
      bigramLambda: best.lambda,
      tokensPerByte,
      inductionSeeds: seeds,
      heads,
    };
  } finally {
    model.dispose();
  }
}

const LN2 = Math.log(2);
const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '—');

/** The card's "Evaluation" section in Markdown. */
export function renderEvalSection(e: ModelEval, cmd: string): string {
  const bpb = (nats: number) => ((nats / LN2) * e.tokensPerByte).toFixed(3);
  const top = (k: keyof HeadEval) => [...e.heads].sort((a, b) => (b[k] as number) - (a[k] as number))[0];
  const bp = top('prevToken');
  const bi = top('induction');
  const lines = [
    '## Evaluation',
    '',
    `Measured on the held-out validation split by \`${cmd}\`.`,
    '',
    '| | nats/token | bits/byte |',
    '|---|---|---|',
    `| This model (${e.windows} windows × ${e.T} tokens) | ${e.valLoss.toFixed(4)} | ${bpb(e.valLoss)} |`,
    `| Bigram baseline (training-split counts, λ = ${e.bigramLambda}) | ${e.bigramLoss.toFixed(4)} | ${bpb(e.bigramLoss)} |`,
    '',
    `Strongest previous-token head: layer ${bp.layer} head ${bp.head}, score ${f3(bp.prevToken)}. ` +
      `Strongest induction head: layer ${bi.layer} head ${bi.head}, score ${f3(bi.induction)} ` +
      `(on ${e.inductionSeeds} sequences of ${Math.floor(e.T / 2)} random tokens repeated twice).`,
    '',
    '| layer | head | previous-token | induction | first-token sink | entropy (bits) |',
    '|---|---|---|---|---|---|',
    ...e.heads.map((h) => `| ${h.layer} | ${h.head} | ${f3(h.prevToken)} | ${f3(h.induction)} | ${f3(h.sink)} | ${f3(h.entropy)} |`),
    '',
  ];
  return lines.join('\n');
}

/** Replaces (or appends) the "## Evaluation" section of a model card. */
export function withEvalSection(card: string, section: string): string {
  const start = card.indexOf('\n## Evaluation');
  if (start < 0) return `${card.trimEnd()}\n\n${section}`;
  const rest = card.indexOf('\n## ', start + 1);
  return card.slice(0, start + 1) + section + (rest >= 0 ? card.slice(rest + 1) : '');
}
