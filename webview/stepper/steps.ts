// The learner's steps, as plain data: which step comes where (embedding, then 12 steps per layer,
// then the output), and for one step the formula, the shapes and the values to show — all taken
// from the engine's capture (LayerCapture) and read-out, never recomputed. No DOM here: the
// renderer draws what this returns, and the unit tests check it against the engine.
import { formatText, type StepperStrings, type StepperTextKey } from '../../src/shared/explanations';
import type { LayerCapture, Readout, StepperModelFacts } from '../../src/shared/stepperProtocol';
import type { Token } from '../../src/shared/token';

export const EMBED_STEPS = ['tokens', 'tokenEmbedding', 'positionEmbedding', 'input'] as const;
export const LAYER_STEPS = [
  'ln1',
  'qkv',
  'scores',
  'scale',
  'mask',
  'softmax',
  'weightedSum',
  'projection',
  'residual1',
  'ln2',
  'ffn',
  'residual2',
] as const;
export const OUTPUT_STEPS = ['finalLn', 'softmaxOut'] as const;

export type StepKind = (typeof EMBED_STEPS)[number] | (typeof LAYER_STEPS)[number] | (typeof OUTPUT_STEPS)[number];
export type Stage = 'embedding' | 'layer' | 'output';

/** Where a step sits; `layer` is the layer whose capture it shows (−1: none needed). */
export interface StepRef {
  index: number;
  kind: StepKind;
  stage: Stage;
  layer: number;
}

/** Masked key columns shown after the query in the mask / softmax tables (to show the −∞ / 0). */
export const MASKED_COLUMNS_SHOWN = 3;

export function stepCount(nLayer: number): number {
  return EMBED_STEPS.length + nLayer * LAYER_STEPS.length + OUTPUT_STEPS.length;
}

/** The step at a flat index (clamped into range). */
export function stepAt(index: number, nLayer: number): StepRef {
  const i = Math.max(0, Math.min(stepCount(nLayer) - 1, Math.floor(index)));
  if (i < EMBED_STEPS.length) return { index: i, kind: EMBED_STEPS[i], stage: 'embedding', layer: 0 };
  const j = i - EMBED_STEPS.length;
  if (j < nLayer * LAYER_STEPS.length) {
    return { index: i, kind: LAYER_STEPS[j % LAYER_STEPS.length], stage: 'layer', layer: Math.floor(j / LAYER_STEPS.length) };
  }
  return { index: i, kind: OUTPUT_STEPS[j - nLayer * LAYER_STEPS.length], stage: 'output', layer: nLayer - 1 };
}

/** Flat index of the first step of a layer. */
export function layerStart(layer: number): number {
  return EMBED_STEPS.length + layer * LAYER_STEPS.length;
}

/**
 * PageUp / PageDown: the same step one layer up or down; from the embedding, layer 0's first step;
 * from the output, the last layer's first step. Stays inside 0..stepCount−1.
 */
export function moveLayer(index: number, delta: number, nLayer: number): number {
  const s = stepAt(index, nLayer);
  if (s.stage === 'layer') {
    const layer = s.layer + delta;
    if (layer < 0) return 0;
    if (layer >= nLayer) return layerStart(nLayer - 1) + LAYER_STEPS.length; // the output
    return layerStart(layer) + LAYER_STEPS.indexOf(s.kind as (typeof LAYER_STEPS)[number]);
  }
  if (s.stage === 'embedding') return delta > 0 ? layerStart(0) : 0;
  return delta < 0 ? layerStart(nLayer - 1) : s.index;
}

/** What a step needs from the host before it can be shown. */
export function stepNeeds(ref: StepRef): { capture?: number; readout?: boolean } {
  if (ref.kind === 'tokens') return {};
  if (ref.kind === 'softmaxOut') return { readout: true };
  if (ref.kind === 'finalLn') return { capture: ref.layer, readout: true };
  return { capture: ref.layer };
}

// ---------------------------------------------------------------- views

export interface VectorBlock {
  kind: 'vector';
  label: string;
  shape: string;
  values: ArrayLike<number>;
}

/** Several vectors of the same width, one per row (k and v per key token, outputs per head). */
export interface StripsBlock {
  kind: 'strips';
  label: string;
  shape: string;
  rows: { label: string; token?: number; values: ArrayLike<number> }[];
}

/** Score / weight rows: one row per head, one column per key token. */
export interface TableBlock {
  kind: 'table';
  /** Stable name for tests and styling: 'scores', 'scaled', 'masked', 'weights'. */
  name: string;
  label: string;
  shape: string;
  columns: { token: number; text: string; masked: boolean }[];
  rows: { head: number; label: string; values: number[]; sum?: number }[];
}

export interface TokensBlock {
  kind: 'tokens';
  rows: { index: number; text: string; id: number }[];
}

export interface ReadoutBlock {
  kind: 'readout';
  rows: { id: number; text: string; logit: number; prob: number }[];
  showProbs: boolean;
}

export type Block = VectorBlock | StripsBlock | TableBlock | TokensBlock | ReadoutBlock;

export interface StepView {
  ref: StepRef;
  title: string;
  explanation: string;
  formula: string;
  shape: string;
  blocks: Block[];
  /** Tokens the step is about: the query, and the context tokens it looks at. */
  highlight: { query: number; context: number[] };
  /** A sentence under the values, e.g. the predicted token. */
  note?: string;
}

export interface StepInput {
  model: Pick<StepperModelFacts, 'nLayer' | 'nHead' | 'nEmbd' | 'nInner' | 'vocabSize' | 'activation'>;
  tokens: Token[];
  /** The query position. */
  position: number;
  /** The head whose q, k, v are drawn (every head is in the tables). */
  head: number;
  capture?: LayerCapture;
  tokenEmbedding?: ArrayLike<number>;
  positionEmbedding?: ArrayLike<number>;
  /** ln_f of the last block's output at the query position [d]. */
  finalLn?: ArrayLike<number>;
  readout?: Readout;
  strings: StepperStrings;
}

/** A token's text with its spaces and line breaks made visible. */
export function visibleToken(text: string): string {
  return text.replace(/ /g, '␣').replace(/\n/g, '↵').replace(/\t/g, '⇥').replace(/\r/g, '');
}

const TITLE: Record<StepKind, StepperTextKey> = {
  tokens: 'titleTokens',
  tokenEmbedding: 'titleTokenEmbedding',
  positionEmbedding: 'titlePositionEmbedding',
  input: 'titleInput',
  ln1: 'titleLn1',
  qkv: 'titleQkv',
  scores: 'titleScores',
  scale: 'titleScale',
  mask: 'titleMask',
  softmax: 'titleSoftmax',
  weightedSum: 'titleWeightedSum',
  projection: 'titleProjection',
  residual1: 'titleResidual1',
  ln2: 'titleLn2',
  ffn: 'titleFfn',
  residual2: 'titleResidual2',
  finalLn: 'titleFinalLn',
  softmaxOut: 'titleSoftmaxOut',
};

const EXPLAIN: Record<StepKind, StepperTextKey> = {
  tokens: 'explainTokens',
  tokenEmbedding: 'explainTokenEmbedding',
  positionEmbedding: 'explainPositionEmbedding',
  input: 'explainInput',
  ln1: 'explainLn1',
  qkv: 'explainQkv',
  scores: 'explainScores',
  scale: 'explainScale',
  mask: 'explainMask',
  softmax: 'explainSoftmax',
  weightedSum: 'explainWeightedSum',
  projection: 'explainProjection',
  residual1: 'explainResidual1',
  ln2: 'explainLn2',
  ffn: 'explainFfn',
  residual2: 'explainResidual2',
  finalLn: 'explainFinalLn',
  softmaxOut: 'explainSoftmaxOut',
};

class MissingData extends Error {}

function need<T>(x: T | undefined, what: string): T {
  if (x === undefined) throw new MissingData(what);
  return x;
}

/** Builds the view of one step, or undefined while its capture / read-out has not arrived. */
export function buildStep(ref: StepRef, input: StepInput): StepView | undefined {
  try {
    return build(ref, input);
  } catch (err) {
    if (err instanceof MissingData) return undefined;
    throw err;
  }
}

function build(ref: StepRef, inp: StepInput): StepView {
  const s = inp.strings;
  const { nHead: H, nEmbd: d, nInner, vocabSize: V, activation } = inp.model;
  const p = inp.position;
  const T = inp.tokens.length;
  const hd = d / H;
  const h = Math.max(0, Math.min(H - 1, inp.head));
  const onlyQuery = { query: p, context: [] as number[] };
  const upTo = (n: number): number[] => Array.from({ length: n }, (_, j) => j);
  const withContext = { query: p, context: upTo(p + 1).filter((j) => j !== p) };
  const view = (formula: string, shape: string, blocks: Block[], highlight = onlyQuery, note?: string): StepView => ({
    ref,
    title: s[TITLE[ref.kind]],
    explanation: s[EXPLAIN[ref.kind]],
    formula,
    shape,
    blocks,
    highlight,
    ...(note !== undefined ? { note } : {}),
  });
  const vec = (label: string, values: ArrayLike<number>): VectorBlock => ({
    kind: 'vector',
    label,
    shape: `[${values.length}]`,
    values,
  });
  const tokText = (j: number): string => visibleToken(inp.tokens[j]?.text ?? '');
  const cap = (): LayerCapture => need(inp.capture, 'capture');
  const headSlice = (a: Float32Array, width: number, head: number): Float32Array => a.subarray(head * width, (head + 1) * width);
  /** A per-head [H × T] score row as a table over keys 0..p (+ masked ones when asked). */
  const table = (name: string, label: string, a: Float32Array, masked: boolean, withSum: boolean): TableBlock => {
    const n = masked ? Math.min(T, p + 1 + MASKED_COLUMNS_SHOWN) : p + 1;
    const columns = upTo(n).map((j) => ({ token: j, text: tokText(j), masked: j > p }));
    const rows = upTo(H).map((head) => {
      const values = Array.from(a.subarray(head * T, head * T + n));
      const row: TableBlock['rows'][number] = { head, label: formatText(s.headRow, head), values };
      if (withSum) row.sum = Array.from(a.subarray(head * T, (head + 1) * T)).reduce((x, y) => x + y, 0);
      return row;
    });
    return { kind: 'table', name, label, shape: `[${H} × ${T}]`, columns, rows };
  };

  switch (ref.kind) {
    case 'tokens':
      return view(
        '"text" → tokens → ids',
        `T = ${T}`,
        [{ kind: 'tokens', rows: inp.tokens.map((t, i) => ({ index: i, text: visibleToken(t.text), id: t.id })) }],
        { query: p, context: upTo(T).filter((j) => j !== p) },
      );
    case 'tokenEmbedding':
      return view(`e_tok = wte[${inp.tokens[p]?.id}]`, `wte: [${V} × ${d}] → [${d}]`, [
        vec(s.tokenEmbedding, need(inp.tokenEmbedding, 'tokenEmbedding')),
      ]);
    case 'positionEmbedding':
      return view(`e_pos = wpe[${p}]`, `wpe: [context × ${d}] → [${d}]`, [
        vec(s.positionEmbedding, need(inp.positionEmbedding, 'positionEmbedding')),
      ]);
    case 'input':
      return view(`x₀ = wte[${inp.tokens[p]?.id}] + wpe[${p}]`, `[${d}] + [${d}] → [${d}]`, [
        vec(s.tokenEmbedding, need(inp.tokenEmbedding, 'tokenEmbedding')),
        vec(s.positionEmbedding, need(inp.positionEmbedding, 'positionEmbedding')),
        vec(s.residualStream, cap().residualIn),
      ]);
    case 'ln1': {
      const c = cap();
      return view('LN(x) = (x − μ) / √(σ² + ε) · γ + β', `[${d}] → [${d}]`, [
        vec(s.inputVector, c.residualIn),
        vec(s.outputVector, c.ln1.subarray(p * d, (p + 1) * d)),
      ]);
    }
    case 'qkv': {
      const c = cap();
      const perKey = (a: Float32Array): StripsBlock['rows'] =>
        upTo(p + 1).map((j) => ({ label: `${j} ${tokText(j)}`, token: j, values: a.subarray((h * (p + 1) + j) * hd, (h * (p + 1) + j + 1) * hd) }));
      return view(
        '[q | k | v] = LN(x) · W_attn + b_attn,  split into heads',
        `[${d}] · [${d} × ${3 * d}] → 3 × [${H} × ${hd}]`,
        [
          { ...vec(`${s.queryVector} · ${formatText(s.headRow, h)}`, headSlice(c.q, hd, h)) },
          { kind: 'strips', label: `${s.keyVectors} · ${formatText(s.headRow, h)}`, shape: `[${p + 1} × ${hd}]`, rows: perKey(c.k) },
          { kind: 'strips', label: `${s.valueVectors} · ${formatText(s.headRow, h)}`, shape: `[${p + 1} × ${hd}]`, rows: perKey(c.v) },
        ],
        withContext,
      );
    }
    case 'scores':
      return view('s_j = q · k_j', `[${H} × ${hd}] · [${H} × ${hd} × ${p + 1}] → [${H} × ${p + 1}]`, [
        table('scores', s.titleScores, cap().rawScores, false, false),
      ], withContext);
    case 'scale':
      return view(`s_j / √d_k = s_j / √${hd} = s_j / ${Math.sqrt(hd).toPrecision(6)}`, `[${H} × ${p + 1}]`, [
        table('scaled', s.titleScale, cap().scaledScores, false, false),
      ], withContext);
    case 'mask':
      return view('s_j + (j ≤ i ? 0 : −∞)', `[${H} × ${T}]`, [table('masked', s.titleMask, cap().maskedScores, true, false)], withContext);
    case 'softmax':
      return view('w_j = exp(s_j) / Σ_i exp(s_i),   Σ_j w_j = 1', `[${H} × ${T}]`, [
        table('weights', s.titleSoftmax, cap().weights, true, true),
      ], withContext);
    case 'weightedSum': {
      const c = cap();
      return view('o = Σ_j w_j · v_j', `[${H} × ${p + 1}] · [${H} × ${p + 1} × ${hd}] → [${H} × ${hd}]`, [
        {
          kind: 'strips',
          label: s.titleWeightedSum,
          shape: `[${H} × ${hd}]`,
          rows: upTo(H).map((head) => ({ label: formatText(s.headOutput, head), values: headSlice(c.headOutputs, hd, head) })),
        },
      ], withContext);
    }
    case 'projection': {
      const c = cap();
      return view('a = concat(o_1, …, o_H) · W_O + b_O', `[${H} × ${hd}] → [${d}] · [${d} × ${d}] → [${d}]`, [
        vec(s.concatenated, c.concat),
        vec(s.attentionOutput, c.attnOut),
      ]);
    }
    case 'residual1': {
      const c = cap();
      return view("x' = x + a", `[${d}] + [${d}] → [${d}]`, [
        vec(s.residualStream, c.residualIn),
        vec(s.attentionOutput, c.attnOut),
        vec(s.outputVector, c.residualMid),
      ]);
    }
    case 'ln2': {
      const c = cap();
      return view("LN(x') = (x' − μ) / √(σ² + ε) · γ + β", `[${d}] → [${d}]`, [
        vec(s.inputVector, c.residualMid),
        vec(s.outputVector, c.ln2),
      ]);
    }
    case 'ffn': {
      const c = cap();
      return view(`f = ${activation}(LN(x') · W_fc + b_fc) · W_proj + b_proj`, `[${d}] → [${nInner}] → [${d}]`, [
        vec(s.hiddenBefore, c.ffnPre),
        vec(formatText(s.hiddenAfter, activation), c.ffnAct),
        vec(s.ffnOutput, c.ffnOut),
      ]);
    }
    case 'residual2': {
      const c = cap();
      return view("x_out = x' + f", `[${d}] + [${d}] → [${d}]`, [
        vec(s.residualStream, c.residualMid),
        vec(s.ffnOutput, c.ffnOut),
        vec(s.outputVector, c.residualOut),
      ]);
    }
    case 'finalLn': {
      const c = cap();
      const r = need(inp.readout, 'readout');
      return view('logits = LN_f(x_L) · wteᵀ', `[${d}] → LN_f → [${d}] · [${d} × ${V}] → [${V}]`, [
        vec(`${s.residualStream} x_L`, c.residualOut),
        vec(`${s.outputVector} LN_f(x_L)`, need(inp.finalLn, 'finalLn')),
        { kind: 'readout', rows: readoutRows(r), showProbs: false },
      ]);
    }
    case 'softmaxOut': {
      const r = need(inp.readout, 'readout');
      const best = readoutRows(r)[0];
      const note = best ? formatText(s.predicted, `“${best.text}”`, best.prob.toFixed(4)) : undefined;
      return view(`P(next = i) = exp(logit_i) / Σ_j exp(logit_j)   (log Σ = ${r.logSumExp.toFixed(4)})`, `[${V}] → [${V}]`, [
        { kind: 'readout', rows: readoutRows(r), showProbs: true },
      ], onlyQuery, note);
    }
  }
}

function readoutRows(r: Readout): ReadoutBlock['rows'] {
  return r.ids.map((id, i) => ({ id, text: visibleToken(r.texts[i] ?? ''), logit: r.logits[i], prob: r.probs[i] }));
}
