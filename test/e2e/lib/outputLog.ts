// The extension's output channel ("Attention Lens") as code-server writes it to disk:
// <user-data-dir>/logs/<time>/exthost<N>/attention-lens.attention-lens/Attention Lens.log.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The newest session's log file of the extension's output channel, if it has been written. */
export function outputLogFile(userDataDir: string): string | undefined {
  const logs = path.join(userDataDir, 'logs');
  if (!fs.existsSync(logs)) return undefined;
  for (const session of fs.readdirSync(logs).sort().reverse()) {
    const dir = path.join(logs, session);
    if (!fs.statSync(dir).isDirectory()) continue;
    for (const host of fs.readdirSync(dir).filter((d) => d.startsWith('exthost')).sort().reverse()) {
      const file = path.join(dir, host, 'attention-lens.attention-lens', 'Attention Lens.log');
      if (fs.existsSync(file)) return file;
    }
  }
  return undefined;
}

/** The output channel's lines so far (none before the first line is written). */
export function outputLogLines(userDataDir: string): string[] {
  const file = outputLogFile(userDataDir);
  return file ? fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0) : [];
}

/** What the extension logs when a run's first heatmaps are on screen (see AttentionPanel). */
export const PAINT_LINE = /Run (\d+): (overview heatmaps|head matrix) painted (\d+) ms after the request \((\d+) tokens; the panel's message arrived at (\d+) ms\)/;

export interface PaintEntry {
  runId: number;
  what: 'overview' | 'matrix';
  /** From the command to the paint, by the webview's clock. */
  ms: number;
  tokens: number;
  /** From the command to the host receiving the webview's Painted message. */
  arrivedMs: number;
}

export function paintEntries(userDataDir: string): PaintEntry[] {
  const out: PaintEntry[] = [];
  for (const line of outputLogLines(userDataDir)) {
    const m = PAINT_LINE.exec(line);
    if (m) out.push({ runId: Number(m[1]), what: m[2] === 'overview heatmaps' ? 'overview' : 'matrix', ms: Number(m[3]), tokens: Number(m[4]), arrivedMs: Number(m[5]) });
  }
  return out;
}
