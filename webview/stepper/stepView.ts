// What a step shows, as plain data (blocks of values, a formula, a shape, the text), and the
// helpers every step's builder shares: they cut the engine's capture into the pieces a step draws,
// never recomputing the model. No DOM here: the renderer draws it, the unit tests check it.
import { formatText, type StepperStrings, type StepperTextKey } from '../../src/shared/explanations';
import type { LayerCapture, Readout, StepperModelFacts } from '../../src/shared/stepperProtocol';
import type { Token } from '../../src/shared/token';
import type { StepKind, StepRef } from './stepPlan';
import { shownPrediction, shownToken } from './tokenText';

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
  /** `detail`: the tooltip lines of a token that holds part of a character (its bytes). */
  rows: { id: number; text: string; detail: string[]; logit: number; prob: number }[];
  showProbs: boolean;
}

/** A small table of figures with its own header (RoPE's dimension pairs, the key/value groups). */
export interface GridBlock {
  kind: 'grid';
  /** Stable name for tests and styling: 'rope', 'kvGroups'. */
  name: string;
  label: string;
  shape: string;
  header: string[];
  rows: { cells: (number | string)[]; selected?: boolean }[];
}

export type Block = VectorBlock | StripsBlock | TableBlock | TokensBlock | ReadoutBlock | GridBlock;

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

/** The model settings a step reads (StepperModelFacts without the Model tab's extras). */
export type StepModel = Omit<StepperModelFacts, 'name' | 'card' | 'bundled' | 'numParams' | 'contextLength'>;

export interface StepInput {
  model: StepModel;
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
  /** Final RMSNorm: √(mean(x_L²) + ε) and its weight [d]. */
  finalNormRms?: number;
  finalNormWeight?: ArrayLike<number>;
  /** Rotary families: the engine's inv_freq [rotaryDim / 2] (after rope_scaling). */
  invFreq?: ArrayLike<number>;
  readout?: Readout;
  strings: StepperStrings;
}

/** Thrown while a step's capture or read-out has not arrived (buildStep answers undefined). */
export class MissingData extends Error {}

export function need<T>(x: T | undefined, what: string): T {
  if (x === undefined) throw new MissingData(what);
  return x;
}

/** Masked key columns shown after the query in the mask / softmax tables (to show the −∞ / 0). */
export const MASKED_COLUMNS_SHOWN = 3;

/** Each step's title and explanation (keys of STEPPER_TEXT). */
const TEXT: Record<StepKind, [StepperTextKey, StepperTextKey]> = {
  tokens: ['titleTokens', 'explainTokens'],
  tokenEmbedding: ['titleTokenEmbedding', 'explainTokenEmbedding'],
  positionEmbedding: ['titlePositionEmbedding', 'explainPositionEmbedding'],
  input: ['titleInput', 'explainInput'],
  embedInput: ['titleEmbedInput', 'explainEmbedInput'],
  ln1: ['titleLn1', 'explainLn1'],
  rmsNorm1: ['titleRmsNorm1', 'explainRmsNorm1'],
  qkv: ['titleQkv', 'explainQkv'],
  qkNorm: ['titleQkNorm', 'explainQkNorm'],
  rope: ['titleRope', 'explainRope'],
  kvGroup: ['titleKvGroup', 'explainKvGroup'],
  scores: ['titleScores', 'explainScores'],
  scale: ['titleScale', 'explainScale'],
  mask: ['titleMask', 'explainMask'],
  softmax: ['titleSoftmax', 'explainSoftmax'],
  weightedSum: ['titleWeightedSum', 'explainWeightedSum'],
  projection: ['titleProjection', 'explainProjection'],
  residual1: ['titleResidual1', 'explainResidual1'],
  postLn1: ['titlePostLn1', 'explainPostLn1'],
  ln2: ['titleLn2', 'explainLn2'],
  rmsNorm2: ['titleRmsNorm2', 'explainRmsNorm2'],
  ffn: ['titleFfn', 'explainFfn'],
  swiglu: ['titleSwiglu', 'explainSwiglu'],
  residual2: ['titleResidual2', 'explainResidual2'],
  postLn2: ['titlePostLn2', 'explainPostLn2'],
  finalLn: ['titleFinalLn', 'explainFinalLn'],
  finalRmsNorm: ['titleFinalRmsNorm', 'explainFinalRmsNorm'],
  headOnly: ['titleHeadOnly', 'explainHeadOnly'],
  softmaxOut: ['titleSoftmaxOut', 'explainSoftmaxOut'],
};

/** The helpers one step's builder uses, bound to its input. */
export function stepContext(ref: StepRef, inp: StepInput) {
  const s = inp.strings;
  const m = inp.model;
  const H = m.nHead;
  const hd = m.headDim;
  const p = inp.position;
  const T = inp.tokens.length;
  const h = Math.max(0, Math.min(H - 1, inp.head));
  const upTo = (n: number): number[] => Array.from({ length: n }, (_, j) => j);
  const onlyQuery = { query: p, context: [] as number[] };
  const withContext = { query: p, context: upTo(p + 1).filter((j) => j !== p) };
  const tokText = (j: number): string => shownToken(inp.tokens, j);
  const view = (formula: string, shape: string, blocks: Block[], highlight = onlyQuery, note?: string): StepView => ({
    ref,
    title: s[TEXT[ref.kind][0]],
    explanation: s[TEXT[ref.kind][1]],
    formula,
    shape,
    blocks,
    highlight,
    ...(note !== undefined ? { note } : {}),
  });
  const vec = (label: string, values: ArrayLike<number>): VectorBlock => ({ kind: 'vector', label, shape: `[${values.length}]`, values });
  const cap = (): LayerCapture => need(inp.capture, 'capture');
  const headSlice = (a: Float32Array, width: number, head: number): Float32Array => a.subarray(head * width, (head + 1) * width);
  const headLabel = (label: string): string => `${label} · ${formatText(s.headRow, h)}`;
  /** Per-key rows of a per-query-head [H × (p+1) × hd] capture, for the selected head. */
  const perKey = (a: Float32Array): StripsBlock['rows'] =>
    upTo(p + 1).map((j) => ({ label: `${j} ${tokText(j)}`, token: j, values: a.subarray((h * (p + 1) + j) * hd, (h * (p + 1) + j + 1) * hd) }));
  const keyStrips = (label: string, a: Float32Array): StripsBlock => ({ kind: 'strips', label: headLabel(label), shape: `[${p + 1} × ${hd}]`, rows: perKey(a) });
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
  return { s, m, H, hd, d: m.nEmbd, p, T, h, upTo, onlyQuery, withContext, tokText, view, vec, cap, headSlice, headLabel, perKey, keyStrips, table };
}

export type StepContext = ReturnType<typeof stepContext>;

/** The read-out's top tokens as a block (with their probabilities, or the logits alone), labelled after the run's `tokens`. */
export function readoutBlock(r: Readout, showProbs: boolean, tokens: readonly Token[], s: StepperStrings): ReadoutBlock {
  const rows = r.ids.map((id, i) => ({ id, ...shownPrediction(tokens, r.position, r.texts[i] ?? '', r.bytes?.[i], s), logit: r.logits[i], prob: r.probs[i] }));
  return { kind: 'readout', rows, showProbs };
}
