// The lines view as SVG (as the panel draws it, after BertViz): the tokens down the left (queries)
// and the right (keys), the selected query joined to each key it attends to by a line whose
// opacity follows the weight. `d` holds that one row: rowTokens [query], colTokens the keys.
import type { ExportPalette, HeatmapData } from './exportTypes';
import { applyScale, hex } from './palette';
import { escapeXml, n2, shortText, svgDocument, textWidth } from './svg';

export function linesSvg(d: HeatmapData, allTokens: readonly { label: string }[], query: number, p: ExportPalette): string {
  const T = allTokens.length;
  const labels = allTokens.map((t) => shortText(t.label, 16));
  const colW = Math.ceil(Math.max(40, ...labels.map((l) => textWidth(l)))) + 8;
  const gapW = 220;
  const rowH = 16;
  const top = 28;
  const xl = 4 + colW;
  const xr = xl + gapW;
  const y = (i: number): number => top + (i + 0.5) * rowH;
  const gamma = d.scale.kind === 'sequential' && d.scale.gamma;
  const parts: string[] = [`<text x="2" y="12" fill="${hex(p.fg)}" font-weight="bold">${escapeXml(d.title)}</text>`];
  const lines: string[] = [];
  d.colTokens.forEach((_, j) => {
    const w = d.values[j];
    if (!(w > 0)) return;
    lines.push(`<line class="w" data-key="${j}" x1="${xl + 4}" y1="${n2(y(query))}" x2="${xr - 4}" y2="${n2(y(j))}" stroke="${hex(p.accent)}" stroke-width="2" stroke-opacity="${n2(Math.max(0.02, applyScale(w, gamma)))}"/>`);
  });
  parts.push(`<g class="lines">${lines.join('')}</g>`);
  for (let i = 0; i < T; i++) {
    const sel = i === query;
    parts.push(
      `<text x="${xl}" y="${n2(y(i))}" text-anchor="end" dominant-baseline="middle" fill="${hex(sel ? p.fg : p.muted)}"${sel ? ' font-weight="bold"' : ''}>${escapeXml(labels[i])}</text>`,
      `<text x="${xr}" y="${n2(y(i))}" dominant-baseline="middle" fill="${hex(i <= query ? p.fg : p.muted)}">${escapeXml(labels[i])}</text>`,
    );
  }
  return svgDocument(xr + colW + 8, top + T * rowH + 8, p, d.title, `${d.title}: the lines from query #${query} to the ${d.colTokens.length} keys it attends to; opacity follows the weight.`, parts.join('\n'));
}
