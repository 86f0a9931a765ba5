// The numbers a view shows, as CSV rows and as JSON: each value with the token texts and character
// offsets it belongs to. Masked cells (a key after its query) are not numbers the view shows: they
// are left out of the CSV and are null in the JSON's matrix.
import type { CsvValue } from './csv';
import type { ExportToken, GridData, HeatmapData, TableData } from './exportTypes';

export const HEATMAP_CSV_COLUMNS = ['query', 'query_text', 'query_start', 'query_end', 'key', 'key_text', 'key_start', 'key_end', 'value'];

/** Long format: one row per shown cell. */
export function heatmapCsvRows(d: HeatmapData): CsvValue[][] {
  const C = d.colTokens.length;
  const rows: CsvValue[][] = [HEATMAP_CSV_COLUMNS];
  d.rowTokens.forEach((q, i) => {
    d.colTokens.forEach((k, j) => {
      if (d.causal && j > i) return;
      rows.push([i, q.text, q.start, q.end, j, k.text, k.start, k.end, d.values[i * C + j]]);
    });
  });
  return rows;
}

const tokenJson = (t: ExportToken, index: number) => ({ index, text: t.text, label: t.label, start: t.start, end: t.end });

export function heatmapJson(d: HeatmapData): string {
  const C = d.colTokens.length;
  const values = d.rowTokens.map((_, i) => Array.from(d.values.subarray(i * C, (i + 1) * C), (v, j) => (d.causal && j > i ? null : v)));
  return JSON.stringify(
    {
      title: d.title,
      scale: d.scale,
      causal: d.causal,
      rows: d.rowTokens.length,
      cols: C,
      queries: d.rowTokens.map(tokenJson),
      keys: d.colTokens.map(tokenJson),
      values,
    },
    null,
    1,
  );
}

/**
 * The overview's thumbnails as rows: layer, head, cell, and the query/key token ranges [from, to)
 * the cell averages (see analysis/thumbnail.ts's poolMatrix), with the offsets where those ranges start and end.
 */
export function gridCsvRows(g: GridData, tokens: readonly ExportToken[]): CsvValue[][] {
  const T = tokens.length;
  const S = g.size;
  const bound = (i: number): number => Math.floor((i * T) / S);
  const rows: CsvValue[][] = [['layer', 'head', 'row', 'col', 'query_from', 'query_to', 'key_from', 'key_to', 'query_start', 'query_end', 'key_start', 'key_end', 'mean']];
  for (let l = 0; l < g.nLayer; l++) {
    for (let h = 0; h < g.nHead; h++) {
      const thumb = g.thumbs[l * g.nHead + h];
      if (!thumb) continue;
      for (let r = 0; r < S; r++) {
        for (let c = 0; c < S; c++) {
          const [qf, qt, kf, kt] = [bound(r), bound(r + 1), bound(c), bound(c + 1)];
          rows.push([l, h, r, c, qf, qt, kf, kt, tokens[qf]?.start ?? null, tokens[qt - 1]?.end ?? null, tokens[kf]?.start ?? null, tokens[kt - 1]?.end ?? null, thumb[r * S + c]]);
        }
      }
    }
  }
  return rows;
}

export function gridJson(g: GridData, tokens: readonly ExportToken[]): string {
  return JSON.stringify(
    {
      title: g.title,
      nLayer: g.nLayer,
      nHead: g.nHead,
      size: g.size,
      tokens: tokens.map(tokenJson),
      thumbs: g.thumbs.map((t, k) => ({ layer: Math.floor(k / g.nHead), head: k % g.nHead, values: t ? Array.from(t) : null })),
    },
    null,
    1,
  );
}

export function tableCsvRows(t: TableData): CsvValue[][] {
  return [t.columns, ...t.rows];
}

export function tableJson(t: TableData): string {
  return JSON.stringify({ title: t.title, rows: t.rows.map((r) => Object.fromEntries(t.columns.map((c, k) => [c, r[k] ?? null]))) }, null, 1);
}
