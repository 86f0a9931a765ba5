// The numbers of the step shown, as CSV (long format: one value per row) and JSON (the step's blocks
// as they are drawn), with the query token's text and character offsets; the host saves them.
// Pure (no DOM): the unit tests check it.
import { toCsv, type CsvValue } from '../../src/export/csv';
import type { Token } from '../../src/shared/token';
import type { Block, StepView } from './stepView';

export const STEP_CSV_COLUMNS = ['block', 'row', 'column', 'index', 'value'];

/** One row per number: the block's label, the row (a head, a key token), the column (a token, a header) and the value. */
function blockRows(b: Block): CsvValue[][] {
  switch (b.kind) {
    case 'vector':
      return Array.from(b.values, (v, i) => [b.label, '', '', i, v]);
    case 'strips':
      return b.rows.flatMap((r) => Array.from(r.values, (v, i): CsvValue[] => [b.label, r.label, '', i, v]));
    case 'table':
      return b.rows.flatMap((r) => r.values.map((v, i): CsvValue[] => [b.label, r.label, b.columns[i]?.text ?? '', b.columns[i]?.token ?? i, b.columns[i]?.masked ? null : v]));
    case 'tokens':
      return b.rows.map((r) => ['tokens', r.text, 'id', r.index, r.id]);
    case 'readout':
      return b.rows.flatMap((r): CsvValue[][] => [
        ['readout', r.text, 'logit', r.id, r.logit],
        ['readout', r.text, 'prob', r.id, r.prob],
      ]);
    case 'grid':
      return b.rows.flatMap((r, k) => r.cells.map((c, i): CsvValue[] => [b.label, String(k), b.header[i] ?? '', i, c]));
  }
}

export function stepCsv(view: StepView): string {
  return toCsv([STEP_CSV_COLUMNS, ...view.blocks.flatMap(blockRows)]);
}

export function stepJson(view: StepView, tokens: readonly Token[], query: number): string {
  const q = tokens[query];
  const plain = (x: unknown): unknown => (ArrayBuffer.isView(x) ? Array.from(x as unknown as ArrayLike<number>) : x);
  const blocks = view.blocks.map((b) => JSON.parse(JSON.stringify(b, (_k, v: unknown) => plain(v))) as unknown);
  return JSON.stringify(
    { step: view.ref, title: view.title, formula: view.formula, shape: view.shape, query: q ? { index: query, text: q.text, start: q.start, end: q.end } : null, blocks },
    null,
    1,
  );
}

/** The file name offered: the step's kind, layer and query, e.g. "step-L2-attention-q7". */
export function stepFileName(view: StepView, query: number, ext: 'csv' | 'json'): string {
  const r = view.ref;
  return `step-${r.stage === 'layer' ? `L${r.layer}-` : ''}${r.kind}-q${query}.${ext}`.replace(/[^\w.-]/g, '_');
}
