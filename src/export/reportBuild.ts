// The report's data from what a run gives (tokens, surprisal, predictions, the overview's pooled
// thumbnails, the pinned heads' matrices) and the model's card facts: used by the CLI's `report`
// and the panel's "Export Report…" alike.
import type { StepperModelFacts } from '../shared/stepperProtocol';
import type { Token } from '../shared/token';
import { labelTokens } from '../shared/tokenLabels';
import type { ExportPalette } from './exportTypes';
import { base64 } from './png';
import { fill, reportStrings, type ReportStrings } from './reportText';
import type { ReportData } from './reportTypes';

export interface ReportInput {
  title?: string;
  created: Date;
  /** VS Code's display language or the CLI's --lang. */
  language?: string;
  palette: ExportPalette;
  gamma: boolean;
  facts: StepperModelFacts;
  text: string;
  tokens: readonly Token[];
  /** Per token, −log₂ p in bits (NaN for the first). */
  surprisal: readonly number[];
  predictions: readonly { texts: string[]; probs: number[] }[];
  overview: { nLayer: number; nHead: number; size: number; thumbs: readonly Float32Array[] };
  heads: readonly { layer: number; head: number; values: Float32Array }[];
}

/** uint8 codes of `v` scaled to its own max (a thumbnail as the panel draws it). */
function thumbCodes(v: Float32Array): Uint8Array {
  let max = 0;
  for (const x of v) if (x > max) max = x;
  const out = new Uint8Array(v.length);
  if (max > 0) for (let i = 0; i < v.length; i++) out[i] = Math.round((Math.max(0, v[i]) / max) * 255);
  return out;
}

/** uint16 little-endian codes of weights in [0, 1]: error ≤ 7.7e-6, below the 3 decimals shown. */
function weightCodes(v: Float32Array): Uint8Array {
  const out = new Uint8Array(v.length * 2);
  for (let i = 0; i < v.length; i++) {
    const c = Math.round(Math.max(0, Math.min(1, Number.isFinite(v[i]) ? v[i] : 0)) * 65535);
    out[2 * i] = c & 0xff;
    out[2 * i + 1] = c >>> 8;
  }
  return out;
}

function formatParams(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)}K`;
  return String(n);
}

/** The model card's facts as label/value pairs in the report's language. */
export function factRows(f: StepperModelFacts, s: ReportStrings): [string, string][] {
  const rows: [string, string][] = [
    [s.factFamily, f.family],
    [s.factLayers, String(f.nLayer)],
    [s.factHeads, String(f.nHead)],
  ];
  if (f.nKvHead !== f.nHead) rows.push([s.factKvHeads, String(f.nKvHead)]);
  rows.push(
    [s.factWidth, String(f.nEmbd)],
    [s.factContext, String(f.contextLength)],
    [s.factVocab, String(f.vocabSize)],
    [s.factParams, formatParams(f.numParams)],
    [s.factPositions, f.rope ? `RoPE θ=${f.rope.theta}` : s.factLearned],
  );
  if (f.weightsDtype) rows.push([s.factDtype, f.weightsDtype]);
  return rows;
}

export function buildReport(r: ReportInput): ReportData {
  const T = r.tokens.length;
  const strings = reportStrings(r.language);
  const labels = labelTokens(r.tokens);
  for (const h of r.heads) if (h.values.length !== T * T) throw new Error(`buildReport: head ${h.layer}.${h.head} has ${h.values.length} values for ${T} tokens`);
  const { nLayer, nHead, size } = r.overview;
  if (r.overview.thumbs.length !== nLayer * nHead) throw new Error(`buildReport: ${r.overview.thumbs.length} thumbnails for ${nLayer} × ${nHead} heads`);
  return {
    version: 1,
    title: r.title ?? `${strings.heading}: ${r.facts.name}`,
    created: r.created.toISOString(),
    strings,
    palette: r.palette,
    gamma: r.gamma,
    model: { name: r.facts.name, facts: factRows(r.facts, strings), ...(r.facts.card ? { card: r.facts.card } : {}) },
    text: r.text,
    tokens: r.tokens.map((t, i) => ({ text: t.text, label: labels[i].text, start: t.start, end: t.end })),
    surprisal: Array.from({ length: T }, (_, i) => (Number.isFinite(r.surprisal[i]) ? Math.round(r.surprisal[i] * 1000) / 1000 : null)),
    predictions: r.predictions.map((p) => ({ texts: p.texts.slice(0, 5), probs: p.probs.slice(0, 5).map((x) => Math.round(x * 1e4) / 1e4) })),
    overview: { nLayer, nHead, size, thumbs: r.overview.thumbs.map((t) => base64(thumbCodes(t))) },
    heads: r.heads.map((h) => ({ layer: h.layer, head: h.head, data: base64(weightCodes(h.values)) })),
  };
}

export { fill };
