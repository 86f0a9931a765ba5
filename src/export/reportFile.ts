// The Node side of the report and of large SVG maps (the CLI and the extension host; never a
// webview): the bundled painter read from dist/, SHA-256 for the report's CSP, zlib for PNG images.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { reportHtml } from './reportHtml';
import type { ReportData } from './reportTypes';
import { pngDataUrl, type Rasterise } from './svg';

/** The report's painter, bundled by esbuild.config.mjs into `distDir`/webview/report.js. */
export function reportScript(distDir: string): string {
  const file = join(distDir, 'webview', 'report.js');
  if (!existsSync(file)) throw new Error(`${file}: the report's script is missing (run npm run build)`);
  return readFileSync(file, 'utf8');
}

const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('base64');

/** The whole report file for `data`, its painter read from `distDir`. */
export function reportFileText(data: ReportData, distDir: string): string {
  return reportHtml(data, reportScript(distDir), sha256);
}

/** PNG data URLs compressed with zlib, for SVG maps too large for a rect per cell. */
export const zlibRasterise: Rasterise = pngDataUrl((raw) => new Uint8Array(deflateSync(raw)));
