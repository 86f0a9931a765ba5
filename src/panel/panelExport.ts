// The panel's exports on the host side: a file the webview made (PNG, SVG, CSV, JSON), an attention
// tensor as .npy, and the HTML report — each written where the user says (host/exportSave.ts: the
// save dialog + workspace.fs); nothing leaves the machine. The writers are src/export/'s pure functions.
import * as vscode from 'vscode';
import { poolMatrix } from '../analysis/thumbnail';
import { formatHeadList, headOutOfRange, parseHeadList } from '../export/headList';
import { npyBytes } from '../export/npy';
import { namedPalette } from '../export/palette';
import { buildReport } from '../export/reportBuild';
import { reportFileText } from '../export/reportFile';
import { sourceKey } from '../shared/matrixSource';
import { OVERVIEW_SIZE, type ExportReportMessage, type ExportTensorMessage, type SaveExportMessage } from '../shared/protocol';
import { exportFailed, saveWithDialog, type SaveKind } from '../host/exportSave';
import { modelFacts } from '../host/modelFacts';
import type { PanelState } from './panelHandlers';

/** Saves `bytes` as `fileName` beside the panel's document. */
function saveAs(p: PanelState, fileName: string, kind: SaveKind, bytes: Uint8Array): Promise<vscode.Uri | undefined> {
  return saveWithDialog(fileName, kind, bytes, p.lastReady?.source.uri, p.deps.models.output);
}

const failed = (p: PanelState, what: string, err: unknown): void => exportFailed(p.deps.models.output, what, err);

/** A file the webview made: text as UTF-8, a PNG from base64. */
export async function saveExport(p: PanelState, m: SaveExportMessage): Promise<void> {
  if (m.runId !== p.run?.runId) return;
  try {
    const bytes = m.format === 'png' ? new Uint8Array(Buffer.from(m.data, 'base64')) : new TextEncoder().encode(m.data);
    await saveAs(p, m.fileName, m.format, bytes);
  } catch (err) {
    failed(p, m.fileName, err);
  }
}

/** The run's attention in float32 as .npy: one matrix [T, T] or every head [L, H, T, T]. */
export async function exportTensor(p: PanelState, m: ExportTensorMessage): Promise<void> {
  const run = p.run;
  if (!run || m.runId !== run.runId) return;
  const { nLayer, nHead } = run.summary;
  const T = run.T;
  const name = m.source === 'all' ? 'attentions-all' : `attention-${sourceKey(m.source).replace(/:/g, '-')}`;
  try {
    let npy: Uint8Array;
    if (m.source === 'all') {
      const all = new Float32Array(nLayer * nHead * T * T); // [L, H, T, T]
      for (let l = 0; l < nLayer; l++) all.set(await run.layerAttention(l), l * nHead * T * T); // [H, T, T]
      npy = npyBytes(all, [nLayer, nHead, T, T]);
    } else {
      run.check(m.source);
      npy = npyBytes(await run.matrix(m.source), [T, T]); // [T, T]
    }
    await saveAs(p, `${name}.npy`, 'npy', npy);
  } catch (err) {
    failed(p, `${name}.npy`, err);
  }
}

/** The heads to pin, asked with the webview's offer filled in; undefined when the user cancels. */
async function askHeads(offer: [number, number][], nLayer: number, nHead: number): Promise<[number, number][] | undefined> {
  const raw = await vscode.window.showInputBox({
    title: vscode.l10n.t('Export Report: heads to show at full size'),
    prompt: vscode.l10n.t('Layer.head pairs, comma-separated (layers 0–{0}, heads 0–{1}); empty for none', nLayer - 1, nHead - 1),
    value: formatHeadList(offer),
    validateInput: (v) => {
      const list = parseHeadList(v);
      if ('bad' in list) return vscode.l10n.t('"{0}" is not layer.head, e.g. 5.3', list.bad.trim());
      const out = headOutOfRange(list.heads, nLayer, nHead);
      if (out) return out.what === 'layer' ? vscode.l10n.t('There is no layer {0}', out.head[0]) : vscode.l10n.t('There is no head {0}', out.head[1]);
      return undefined;
    },
  });
  if (raw === undefined) return undefined;
  const list = parseHeadList(raw);
  return 'heads' in list ? list.heads : undefined;
}

/** The run's self-contained HTML report (the same writer as `node dist/cli.js report`). */
export async function exportReport(p: PanelState, m: ExportReportMessage): Promise<void> {
  const run = p.run;
  const ready = p.lastReady;
  if (!run || !ready || m.runId !== run.runId) return;
  const { nLayer, nHead } = run.summary;
  const heads = await askHeads(m.heads.filter(([l, h]) => l < nLayer && h < nHead), nLayer, nHead);
  if (!heads) return;
  try {
    const T = run.T;
    const thumbs: Float32Array[] = [];
    for (let l = 0; l < nLayer; l++) {
      const layer = await run.layerAttention(l); // [H, T, T]
      for (let h = 0; h < nHead; h++) thumbs.push(poolMatrix(layer.subarray(h * T * T, (h + 1) * T * T), T, OVERVIEW_SIZE).data); // [S, S]
    }
    const pinned = await Promise.all(heads.map(async ([layer, head]) => ({ layer, head, values: await run.matrix({ kind: 'head', layer, head }) })));
    const { info } = await p.deps.models.ensureLoaded();
    const extension = p.deps.extensionUri;
    const data = buildReport({
      created: new Date(),
      language: vscode.env.language,
      palette: namedPalette(m.theme),
      gamma: m.gamma,
      facts: { ...modelFacts(info, vscode.Uri.joinPath(extension, 'media', 'model').fsPath), name: ready.model.name },
      text: await analysedText(ready),
      tokens: ready.tokens,
      surprisal: ready.actual.map((a) => a.surprisal ?? NaN),
      predictions: ready.predictions,
      overview: { nLayer, nHead, size: Math.min(OVERVIEW_SIZE, T), thumbs },
      heads: pinned,
    });
    const html = reportFileText(data, vscode.Uri.joinPath(extension, 'dist').fsPath);
    const base = ready.source.fileName.replace(/\.[^.]*$/, '') || 'attention';
    await saveAs(p, `${base}-attention-report.html`, 'html', new TextEncoder().encode(html));
  } catch (err) {
    failed(p, vscode.l10n.t('the report'), err);
  }
}

/** The analysed text: the document's range when it still holds the tokens, else the tokens' texts. */
async function analysedText(ready: NonNullable<PanelState['lastReady']>): Promise<string> {
  const joined = ready.tokens.map((t) => t.text).join('');
  try {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(ready.source.uri));
    const text = doc.getText().slice(ready.source.startOffset, ready.source.endOffset);
    const last = ready.tokens[ready.tokens.length - 1];
    return last && last.end <= text.length ? text : joined;
  } catch {
    return joined;
  }
}
