// What the HTML report holds (inlined as JSON and painted by its own script, webview/report/):
// plain data only, so the CLI and the panel build the same thing (reportBuild.ts).
import type { ExportPalette, ExportToken } from './exportTypes';
import type { ReportStrings } from './reportText';

export interface ReportHead {
  layer: number;
  head: number;
  /** [T × T] weights in [0, 1] as little-endian uint16 (v · 65535), base64. */
  data: string;
}

export interface ReportData {
  version: 1;
  title: string;
  /** When it was made (ISO 8601). */
  created: string;
  strings: ReportStrings;
  palette: ExportPalette;
  gamma: boolean;
  /** The model: its name, then its card facts as label/value pairs (translated), and its card text. */
  model: { name: string; facts: [string, string][]; card?: string };
  text: string;
  tokens: ExportToken[];
  /** Per token, −log₂ p in bits (null for the first, which has nothing before it). */
  surprisal: (number | null)[];
  /** Per position, the top next tokens and their probabilities. */
  predictions: { texts: string[]; probs: number[] }[];
  /** The overview: nLayer × nHead thumbnails [size × size], each scaled to its own max, uint8, base64. */
  overview: { nLayer: number; nHead: number; size: number; thumbs: string[] };
  /** The heads the user pinned, full size. */
  heads: ReportHead[];
}
