// The overview as SVG: one thumbnail per layer × head with layer and head numbers as text; cells as
// rects when the whole grid has at most MAX_RECT_CELLS of them, else one embedded image per
// thumbnail (said so in <desc> and a caption). And the heads table as an SVG table of text.
import type { ExportPalette, GridData, TableData } from './exportTypes';
import { MAX_RECT_CELLS, type SvgResult } from './heatmapSvg';
import { colourMap, hex } from './palette';
import { escapeXml, n2, pngDataUrl, svgDocument, textWidth, type Rasterise } from './svg';

export interface GridSvgOptions {
  rasterise?: Rasterise;
  imageNote?: string;
  /** "L", "H" (translated by the caller). */
  layerLetter?: string;
  headLetter?: string;
  maxRectCells?: number;
}

export function gridSvg(g: GridData, p: ExportPalette, o: GridSvgOptions = {}): SvgResult {
  const S = g.size;
  const colour = colourMap(p, { kind: 'sequential', gamma: g.gamma });
  const total = g.nLayer * g.nHead * S * S;
  const asImage = total > (o.maxRectCells ?? MAX_RECT_CELLS);
  const cell = Math.max(1, Math.floor(48 / S));
  const side = cell * S;
  const gap = 4;
  const x0 = 28;
  const y0 = 34;
  const parts: string[] = [`<text x="2" y="12" fill="${hex(p.fg)}" font-weight="bold">${escapeXml(g.title)}</text>`];
  const L = o.layerLetter ?? 'L';
  const H = o.headLetter ?? 'H';
  for (let h = 0; h < g.nHead; h++) parts.push(`<text x="${x0 + h * (side + gap) + side / 2}" y="${y0 - 6}" text-anchor="middle" fill="${hex(p.muted)}">${escapeXml(`${H}${h}`)}</text>`);
  for (let l = 0; l < g.nLayer; l++) {
    const y = y0 + l * (side + gap);
    parts.push(`<text x="${x0 - 4}" y="${n2(y + side / 2)}" text-anchor="end" dominant-baseline="middle" fill="${hex(p.muted)}">${escapeXml(`${L}${l}`)}</text>`);
    for (let h = 0; h < g.nHead; h++) {
      const x = x0 + h * (side + gap);
      const thumb = g.thumbs[l * g.nHead + h];
      if (!thumb) {
        parts.push(`<rect class="missing" x="${x}" y="${y}" width="${side}" height="${side}" fill="${hex(p.masked)}"/>`);
        continue;
      }
      let max = 0;
      for (const v of thumb) if (v > max) max = v;
      const norm = max > 0 ? 1 / max : 0; // each thumbnail scaled to its own max, as the panel draws it
      if (asImage) {
        const rgb = new Uint8ClampedArray(S * S * 3);
        for (let k = 0; k < S * S; k++) rgb.set(colour(thumb[k] * norm), k * 3);
        parts.push(`<image class="thumb" data-layer="${l}" data-head="${h}" x="${x}" y="${y}" width="${side}" height="${side}" preserveAspectRatio="none" style="image-rendering:pixelated" href="${(o.rasterise ?? pngDataUrl())(rgb, S, S)}"/>`);
      } else {
        const cells: string[] = [];
        for (let i = 0; i < S; i++) {
          for (let j = 0; j < S; j++) cells.push(`<rect class="c" x="${x + j * cell}" y="${y + i * cell}" width="${cell}" height="${cell}" fill="${hex(colour(thumb[i * S + j] * norm))}"/>`);
        }
        parts.push(`<g class="thumb" data-layer="${l}" data-head="${h}" shape-rendering="crispEdges">${cells.join('')}</g>`);
      }
    }
  }
  let height = y0 + g.nLayer * (side + gap) + 8;
  if (asImage && o.imageNote) {
    parts.push(`<text class="note" x="${x0}" y="${height + 4}" fill="${hex(p.muted)}">${escapeXml(o.imageNote)}</text>`);
    height += 16;
  }
  const desc = `${g.title}: ${g.nLayer} layers × ${g.nHead} heads, ${S} × ${S} cells each${asImage ? `; each thumbnail is an embedded PNG image (${total} cells in all, more than ${o.maxRectCells ?? MAX_RECT_CELLS}), not rects` : '; one rect per cell'}.`;
  return { svg: svgDocument(Math.max(200, x0 + g.nHead * (side + gap) + 8), height + 8, p, g.title, desc, parts.join('\n')), cells: asImage ? 'image' : 'rects' };
}

/** A table as SVG text: header row in bold, numbers right-aligned with three decimals. */
export function tableSvg(t: TableData, p: ExportPalette): string {
  const show = (v: string | number | null): string => (v === null ? '' : typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(3)) : v);
  const widths = t.columns.map((c, k) => Math.ceil(Math.max(textWidth(c), ...t.rows.map((r) => textWidth(show(r[k] ?? null))))) + 16);
  const rowH = 18;
  const y0 = 24;
  const parts: string[] = [`<text x="2" y="12" fill="${hex(p.fg)}" font-weight="bold">${escapeXml(t.title)}</text>`];
  const cellText = (v: string | number | null, x: number, w: number, y: number, bold: boolean): string => {
    const num = typeof v === 'number';
    const at = num ? x + w - 8 : x + 4;
    return `<text x="${at}" y="${y}"${num ? ' text-anchor="end"' : ''}${bold ? ' font-weight="bold"' : ''} fill="${hex(p.fg)}">${escapeXml(show(v))}</text>`;
  };
  let x = 2;
  t.columns.forEach((c, k) => {
    parts.push(cellText(c, x, widths[k], y0 + 13, true));
    x += widths[k];
  });
  const totalW = x;
  parts.push(`<line x1="2" y1="${y0 + rowH}" x2="${totalW}" y2="${y0 + rowH}" stroke="${hex(p.muted)}"/>`);
  t.rows.forEach((r, i) => {
    let cx = 2;
    const y = y0 + (i + 1) * rowH + 13;
    r.forEach((v, k) => {
      parts.push(cellText(v, cx, widths[k], y, false));
      cx += widths[k];
    });
  });
  return svgDocument(totalW + 4, y0 + (t.rows.length + 1) * rowH + 10, p, t.title, `${t.title}: ${t.rows.length} rows × ${t.columns.length} columns.`, parts.join('\n'));
}
