// What the panel exports, made here from what it shows: the detail (a head, a layer's mean, the
// rollout; as a matrix or as lines), the overview and the heads table, as SVG (src/export/'s
// writers), PNG (that SVG rasterised at 2× on a canvas), CSV and JSON; the host saves them (its
// save dialog) and makes the .npy tensors and the report, which need its float32 data.
import { toCsv } from '../../src/export/csv';
import type { ExportPalette, ExportToken, GridData, HeatmapData, TableData } from '../../src/export/exportTypes';
import { gridSvg, tableSvg } from '../../src/export/gridSvg';
import { heatmapSvg, MAX_RECT_CELLS } from '../../src/export/heatmapSvg';
import { linesSvg } from '../../src/export/linesSvg';
import { namedPalette, paletteFrom } from '../../src/export/palette';
import { gridCsvRows, gridJson, heatmapCsvRows, heatmapJson, tableCsvRows, tableJson } from '../../src/export/tables';
import { SCORE_NAMES } from '../../src/shared/headScoreNames';
import type { MatrixSource } from '../../src/shared/matrixSource';
import { PanelMessageType, type AnalysisReadyMessage, type ExportFormat, type HeadScoreRow, type OverviewLayersMessage } from '../../src/shared/protocol';
import { dequantize, reviveQuantized } from '../../src/shared/quantize';
import type { TokenLabel } from '../../src/shared/tokenLabels';
import { host, send } from './api';
import { t } from './text';
import type { Theme } from './theme';

export type ExportTarget = 'detail' | 'overview' | 'heads';
export type ExportTheme = 'current' | 'light' | 'dark';

/** What the panel shows now (PanelApp hands it over on each export). */
export interface ShownView {
  run: AnalysisReadyMessage | undefined;
  labels: readonly TokenLabel[];
  source: MatrixSource;
  sourceLabel: string;
  values: Float32Array | undefined;
  query: number;
  view: 'matrix' | 'lines';
  gamma: boolean;
  theme: Theme;
}

/** A file made in the webview: its name, format and content (text, or base64 for PNG). */
export interface MadeFile {
  fileName: string;
  format: ExportFormat;
  data: string;
}

export class Exporter {
  /** The current run's overview thumbnails (real pooled weights), layer-major, as pushed. */
  private thumbs: (Float32Array | undefined)[] = [];
  private grid = { runId: -1, nLayer: 0, nHead: 0, size: 0 };
  private headRows: readonly HeadScoreRow[] | undefined;

  constructor(private readonly shown: () => ShownView) {
    host.on(PanelMessageType.OverviewLayers, (m) => this.onOverview(m));
  }

  /** The rows the heads table shows (text or probe), or none yet. */
  setHeadRows(rows: readonly HeadScoreRow[] | undefined): void {
    this.headRows = rows;
  }

  private onOverview(m: OverviewLayersMessage): void {
    if (m.runId !== this.grid.runId || m.size !== this.grid.size || m.fromLayer === 0) {
      this.grid = { runId: m.runId, nLayer: m.nLayer, nHead: m.nHead, size: m.size };
      this.thumbs = new Array<Float32Array | undefined>(m.nLayer * m.nHead);
    }
    for (let k = 0; k < m.layers * m.nHead; k++) this.thumbs[m.fromLayer * m.nHead + k] = dequantize(reviveQuantized(m.thumbs[k]));
  }

  /** The detail row's label in the menu: what the detail shows now. */
  detailLabel(): string {
    const v = this.shown();
    return v.view === 'lines' ? t('exportLines', v.sourceLabel, v.query) : t('exportMatrix', v.sourceLabel);
  }

  /** Whether `target` has something to export now. */
  ready(target: ExportTarget): boolean {
    const v = this.shown();
    if (!v.run) return false;
    if (target === 'detail') return v.values !== undefined;
    if (target === 'overview') return this.grid.runId === v.run.runId && this.thumbs.some((x) => x);
    return this.headRows !== undefined && this.headRows.length > 0;
  }

  palette(theme: ExportTheme): ExportPalette {
    if (theme !== 'current') return namedPalette(theme);
    const th = this.shown().theme;
    return paletteFrom('current', th.bg, th.fg, th.accent, th.font);
  }

  private tokens(v: ShownView): ExportToken[] {
    return (v.run?.tokens ?? []).map((tk, i) => ({ text: tk.text, label: v.labels[i]?.text ?? tk.text, start: tk.start, end: tk.end }));
  }

  /** The analysed file's name without its extension, safe as a file name. */
  private docName(v: ShownView): string {
    return (v.run?.source.fileName ?? '').replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '').replace(/[\\/:*?"<>|\s]/g, '_') || 'attention';
  }

  private baseName(v: ShownView): string {
    const doc = this.docName(v);
    const s = v.source;
    const what = s.kind === 'head' ? `L${s.layer}H${s.head}` : s.kind === 'layerMean' ? `L${s.layer}-mean` : `L${s.layer}-rollout`;
    return `${doc}-${what}`;
  }

  /** The detail's data: the whole matrix, or (lines) the selected query's row over the keys it may see. */
  private detailData(v: ShownView): HeatmapData {
    const toks = this.tokens(v);
    const values = v.values ?? new Float32Array(toks.length * toks.length);
    const scale = { kind: 'sequential', gamma: v.gamma } as const;
    if (v.view === 'lines') {
      const T = toks.length;
      const q = v.query;
      return { title: t('exportLines', v.sourceLabel, q), rowTokens: [toks[q]], colTokens: toks.slice(0, q + 1), values: values.slice(q * T, q * T + q + 1), causal: false, scale };
    }
    return { title: v.sourceLabel, rowTokens: toks, colTokens: toks, values, causal: true, scale, selectedRow: v.query };
  }

  private gridData(v: ShownView): GridData {
    return { title: t('exportOverview'), nLayer: this.grid.nLayer, nHead: this.grid.nHead, size: this.grid.size, thumbs: this.thumbs, gamma: v.gamma };
  }

  private tableData(): TableData {
    const rows = (this.headRows ?? []).map((r) => [r.layer, r.head, ...SCORE_NAMES.map((k) => r.scores[k]), r.badges.join(' ')]);
    return { title: t('exportHeadsTable'), columns: ['layer', 'head', ...SCORE_NAMES, 'badges'], rows };
  }

  /** The SVG of `target` in `theme`'s colours (an image element for maps over MAX_RECT_CELLS cells). */
  svg(target: ExportTarget, theme: ExportTheme): MadeFile {
    const v = this.shown();
    const p = this.palette(theme);
    const note = (n: number): string => t('exportImageNote', n, MAX_RECT_CELLS);
    if (target === 'heads') return { fileName: `${this.docName(v)}-heads.svg`, format: 'svg', data: tableSvg(this.tableData(), p) };
    if (target === 'overview') {
      const g = this.gridData(v);
      return { fileName: `${this.docName(v)}-overview.svg`, format: 'svg', data: gridSvg(g, p, { imageNote: note(g.nLayer * g.nHead * g.size * g.size) }).svg };
    }
    const d = this.detailData(v);
    if (v.view === 'lines') return { fileName: `${this.baseName(v)}-lines-q${v.query}.svg`, format: 'svg', data: linesSvg(d, this.tokens(v), v.query, p) };
    return { fileName: `${this.baseName(v)}.svg`, format: 'svg', data: heatmapSvg(d, p, { rasterise: canvasRasterise, imageNote: note(d.values.length) }).svg };
  }

  /** The numbers of `target` as CSV or JSON, with token texts and offsets. */
  numbers(target: ExportTarget, format: 'csv' | 'json'): MadeFile {
    const v = this.shown();
    const csv = format === 'csv';
    if (target === 'heads') {
      const d = this.tableData();
      return { fileName: `${this.docName(v)}-heads.${format}`, format, data: csv ? toCsv(tableCsvRows(d)) : tableJson(d) };
    }
    if (target === 'overview') {
      const g = this.gridData(v);
      return { fileName: `${this.docName(v)}-overview.${format}`, format, data: csv ? toCsv(gridCsvRows(g, this.tokens(v))) : gridJson(g, this.tokens(v)) };
    }
    const d = this.detailData(v);
    const name = v.view === 'lines' ? `${this.baseName(v)}-lines-q${v.query}` : this.baseName(v);
    return { fileName: `${name}.${format}`, format, data: csv ? toCsv(heatmapCsvRows(d)) : heatmapJson(d) };
  }

  /** The PNG of `target`: its SVG drawn at twice its size. */
  async png(target: ExportTarget, theme: ExportTheme): Promise<MadeFile> {
    const svg = this.svg(target, theme);
    const canvas = await rasterise(svg.data, 2);
    return { fileName: svg.fileName.replace(/\.svg$/, '.png'), format: 'png', data: canvas.toDataURL('image/png').replace(/^data:image\/png;base64,/, '') };
  }

  /** Puts the PNG of `target` on the clipboard; rejects where the platform does not allow it. */
  async copy(target: ExportTarget, theme: ExportTheme): Promise<void> {
    if (typeof ClipboardItem === 'undefined' || !navigator.clipboard?.write) throw new Error('navigator.clipboard.write is not available');
    // The item takes a promise, so the write starts within the click (the user activation).
    const blob = rasterise(this.svg(target, theme).data, 2).then(
      (c) => new Promise<Blob>((resolve, reject) => c.toBlob((b) => (b ? resolve(b) : reject(new Error('the canvas gave no PNG'))), 'image/png')),
    );
    await navigator.clipboard.write([new ClipboardItem({ 'image/png': blob })]);
  }

  save(f: MadeFile): void {
    const run = this.shown().run;
    if (run) send({ type: PanelMessageType.SaveExport, runId: run.runId, format: f.format, fileName: f.fileName, data: f.data });
  }

  tensor(target: 'detail' | 'overview'): void {
    const v = this.shown();
    if (v.run) send({ type: PanelMessageType.ExportTensor, runId: v.run.runId, source: target === 'overview' ? 'all' : v.source });
  }

  report(theme: ExportTheme): void {
    const v = this.shown();
    if (!v.run) return;
    const light = theme === 'light' || (theme === 'current' && (v.theme.kind === 'light' || v.theme.kind === 'hc-light'));
    const heads: [number, number][] = v.source.kind === 'head' ? [[v.source.layer, v.source.head]] : [];
    send({ type: PanelMessageType.ExportReport, runId: v.run.runId, heads, theme: light ? 'light' : 'dark', gamma: v.gamma });
  }
}

/** SVG text → a canvas `scale` times its size (the SVG drawn as an image: text and shapes stay sharp). */
async function rasterise(svg: string, scale: number): Promise<HTMLCanvasElement> {
  const img = new Image();
  img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(img.naturalWidth * scale));
  canvas.height = Math.max(1, Math.round(img.naturalHeight * scale));
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas context');
  ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
  return canvas;
}

/** Cells → PNG data URL through a canvas (the browser's own encoder, compressed). */
function canvasRasterise(rgb: Uint8ClampedArray, w: number, h: number): string {
  const c = document.createElement('canvas');
  c.width = w;
  c.height = h;
  const img = new ImageData(w, h);
  for (let i = 0; i < w * h; i++) img.data.set([rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2], 255], 4 * i);
  c.getContext('2d')?.putImageData(img, 0, 0);
  return c.toDataURL('image/png');
}
