// The report as one self-contained HTML file: its data as inline JSON, its painting script
// (webview/report/main.ts, bundled to dist/webview/report.js) and its style inline, and a
// Content-Security-Policy that lets nothing load from anywhere (default-src 'none'; the script and
// style allowed by their SHA-256 hashes), so the file works offline and can prove it.
import type { ReportData } from './reportTypes';
import { hex } from './palette';
import { escapeXml } from './svg';

/** The report's style (colours from its palette, resolved). */
function style(d: ReportData): string {
  const p = d.palette;
  return `
body{margin:0;padding:16px 24px;background:${hex(p.bg)};color:${hex(p.fg)};font:13px/1.45 ${p.font}}
h1{font-size:20px;margin:0 0 4px}h2{font-size:15px;margin:24px 0 8px}
.muted{color:${hex(p.muted)}}
table{border-collapse:collapse}td,th{padding:2px 10px 2px 0;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}
pre{white-space:pre-wrap;border-left:3px solid ${hex(p.masked)};padding-left:8px;max-height:20em;overflow:auto}
#tokens{display:flex;flex-wrap:wrap;gap:2px;line-height:1.9}
.tok{padding:0 3px;border-radius:3px;cursor:pointer;white-space:pre;border:1px solid transparent}
.tok[aria-pressed=true]{border-color:${hex(p.accent)}}
.grid{display:grid;gap:3px;align-items:center}
.grid canvas,.head canvas{image-rendering:pixelated}
.heads{display:flex;flex-wrap:wrap;gap:24px}
.card{white-space:pre-wrap;max-height:24em;overflow:auto}
`;
}

/**
 * `script`: the bundled painter. `sha256Base64`: the SHA-256 of a string's UTF-8 bytes in base64
 * (node:crypto where this runs), for the CSP's hashes.
 */
export function reportHtml(d: ReportData, script: string, sha256Base64: (s: string) => string): string {
  // Inside <script> only "</script" (any case) and "<!--" can end or confuse it; in JSON every "<" is escaped.
  const json = JSON.stringify(d).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  const js = script.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
  const css = style(d);
  const csp = `default-src 'none'; script-src 'sha256-${sha256Base64(js)}'; style-src 'sha256-${sha256Base64(css)}'; img-src data: blob:; base-uri 'none'; form-action 'none'`;
  return `<!DOCTYPE html>
<html lang="${escapeXml(d.strings.lang)}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeXml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Attention Lens">
<title>${escapeXml(d.title)}</title>
<style>${css}</style>
</head>
<body>
<noscript>${escapeXml(d.strings.noJs)}</noscript>
<main id="report"></main>
<script type="application/json" id="report-data">${json}</script>
<script>${js}</script>
</body>
</html>
`;
}
