// One matrix as SVG: a rect per cell (up to MAX_RECT_CELLS cells; above, one embedded PNG image of
// the cells, said so in <desc> and in a caption), token labels on both axes as text, masked cells
// hatched, the selected row outlined and a legend of the scale as a gradient. Colours resolved.
import type { ExportPalette, HeatmapData } from './exportTypes';
import { colourMap, hex } from './palette';
import { escapeXml, n2, pngDataUrl, shortText, svgDocument, textWidth, type Rasterise } from './svg';

/** Above this many cells a map is one embedded image, not rects (16,384 = 128 × 128 tokens). */
export const MAX_RECT_CELLS = 128 * 128;

export interface SvgResult {
  svg: string;
  /** How the cells were drawn. */
  cells: 'rects' | 'image';
}

export interface HeatmapSvgOptions {
  /** For a map over MAX_RECT_CELLS: how the cells become an image (default: our PNG, uncompressed). */
  rasterise?: Rasterise;
  /** The caption under an image map (translated by the caller). */
  imageNote?: string;
  /** The legend's labels (translated by the caller). */
  axes?: string;
  maxRectCells?: number;
}

export function heatmapSvg(d: HeatmapData, p: ExportPalette, o: HeatmapSvgOptions = {}): SvgResult {
  const R = d.rowTokens.length;
  const C = d.colTokens.length;
  if (d.values.length !== R * C) throw new Error(`heatmapSvg: ${d.values.length} values for ${R} × ${C}`);
  const colour = colourMap(p, d.scale);
  const rowLabels = d.rowTokens.map((t) => shortText(t.label));
  const colLabels = d.colTokens.map((t) => shortText(t.label));
  const labelW = Math.min(96, Math.ceil(Math.max(20, ...rowLabels.map((l) => textWidth(l)), ...colLabels.map((l) => textWidth(l)))) + 12);
  const cell = Math.max(2, Math.min(24, Math.floor(640 / Math.max(R, C))));
  const x0 = labelW;
  const y0 = labelW + 18;
  const w = C * cell;
  const h = R * cell;
  const asImage = R * C > (o.maxRectCells ?? MAX_RECT_CELLS);
  const masked = (i: number, j: number): boolean => d.causal && j > i;
  const parts: string[] = [
    `<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="${hex(p.masked)}"/><line x1="0" y1="0" x2="0" y2="6" stroke="${hex(p.hatch)}" stroke-width="1.5"/></pattern>${gradient(d, p)}</defs>`,
    `<text x="2" y="12" fill="${hex(p.fg)}" font-weight="bold">${escapeXml(d.title)}</text>`,
  ];
  if (asImage) {
    const rgb = new Uint8ClampedArray(R * C * 3);
    for (let i = 0; i < R; i++) {
      for (let j = 0; j < C; j++) rgb.set(masked(i, j) ? p.masked : colour(d.values[i * C + j]), (i * C + j) * 3);
    }
    const href = (o.rasterise ?? pngDataUrl())(rgb, C, R);
    parts.push(`<image class="cells" x="${x0}" y="${y0}" width="${w}" height="${h}" preserveAspectRatio="none" style="image-rendering:pixelated" href="${href}"/>`);
  } else {
    const cells: string[] = [];
    for (let i = 0; i < R; i++) {
      for (let j = 0; j < C; j++) {
        const fill = masked(i, j) ? 'url(#hatch)' : hex(colour(d.values[i * C + j]));
        cells.push(`<rect class="c" x="${x0 + j * cell}" y="${y0 + i * cell}" width="${cell}" height="${cell}" fill="${fill}"/>`);
      }
    }
    parts.push(`<g shape-rendering="crispEdges">${cells.join('')}</g>`);
  }
  const stride = Math.max(1, Math.ceil(12 / cell));
  const labels: string[] = [];
  for (let i = 0; i < R; i += stride) {
    const fill = i === d.selectedRow ? p.fg : p.muted;
    labels.push(`<text x="${x0 - 4}" y="${n2(y0 + (i + 0.5) * cell)}" text-anchor="end" dominant-baseline="middle" fill="${hex(fill)}">${escapeXml(rowLabels[i])}</text>`);
  }
  for (let j = 0; j < C; j += stride) {
    const x = n2(x0 + (j + 0.5) * cell);
    labels.push(`<text transform="translate(${x} ${y0 - 4}) rotate(-90)" dominant-baseline="middle" fill="${hex(p.muted)}">${escapeXml(colLabels[j])}</text>`);
  }
  parts.push(`<g class="labels">${labels.join('')}</g>`);
  if (d.selectedRow !== undefined && d.selectedRow >= 0 && d.selectedRow < R) {
    const q = d.selectedRow;
    const rw = d.causal ? Math.min(C, q + 1) * cell : w;
    parts.push(`<rect class="selected" x="${x0 - 1}" y="${y0 + q * cell - 1}" width="${rw + 2}" height="${cell + 2}" fill="none" stroke="${hex(p.accent)}" stroke-width="2"/>`);
  }
  let y = y0 + h + 16;
  if (asImage && o.imageNote) {
    parts.push(`<text class="note" x="${x0}" y="${y}" fill="${hex(p.muted)}">${escapeXml(o.imageNote)}</text>`);
    y += 16;
  }
  const [lo, hi] = d.scale.kind === 'diverging' ? [-d.scale.limit, d.scale.limit] : [0, 1];
  parts.push(
    `<rect class="legend" x="${x0}" y="${y}" width="${Math.max(120, Math.min(w, 240))}" height="10" fill="url(#legend)" stroke="${hex(p.muted)}" stroke-width="0.5"/>`,
    `<text x="${x0}" y="${y + 22}" fill="${hex(p.muted)}">${fmt(lo)}</text>`,
    `<text x="${x0 + Math.max(120, Math.min(w, 240))}" y="${y + 22}" text-anchor="end" fill="${hex(p.muted)}">${fmt(hi)}</text>`,
  );
  if (o.axes) parts.push(`<text x="${x0}" y="${y + 36}" fill="${hex(p.muted)}">${escapeXml(o.axes)}</text>`);
  const desc = `${d.title}: ${R} query × ${C} key tokens${asImage ? `; the ${R * C} cells are one embedded PNG image (more than ${o.maxRectCells ?? MAX_RECT_CELLS} cells), not rects` : `; one rect per cell`}.`;
  return { svg: svgDocument(x0 + w + 8, y + 44, p, d.title, desc, parts.join('\n')), cells: asImage ? 'image' : 'rects' };
}

const fmt = (x: number): string => (Number.isInteger(x) ? String(x) : x.toPrecision(3));

/** The legend's gradient: 11 stops through the same colour map as the cells. */
function gradient(d: HeatmapData, p: ExportPalette): string {
  const colour = colourMap(p, d.scale);
  const [lo, hi] = d.scale.kind === 'diverging' ? [-d.scale.limit, d.scale.limit] : [0, 1];
  const stops = Array.from({ length: 11 }, (_, k) => `<stop offset="${k / 10}" stop-color="${hex(colour(lo + ((hi - lo) * k) / 10))}"/>`);
  return `<linearGradient id="legend">${stops.join('')}</linearGradient>`;
}
