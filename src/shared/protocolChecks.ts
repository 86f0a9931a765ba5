// The checks of what crosses the panel's channel (protocol.ts): which message types each side may
// receive, and the fields each handler reads. The webview is untrusted, so the host checks every
// field it uses; the host is trusted, so the webview checks types (and PredictionsReady's fields).
import { ATTRIBUTION_METHODS } from './attribution';
import { acceptByType, type Acceptors } from './channel';
import { isMatrixSource } from './matrixSource';
import { PanelMessageType, type FromWebviewMessage, type PanelHostProtocol, type PanelWebviewProtocol, type ToWebviewMessage } from './protocol';

const TO_WEBVIEW = new Set<string>([
  PanelMessageType.Init,
  PanelMessageType.Busy,
  PanelMessageType.AnalysisReady,
  PanelMessageType.PredictionsReady,
  PanelMessageType.OverviewLayers,
  PanelMessageType.SelectTokenInPanel,
  PanelMessageType.TextChanged,
  PanelMessageType.ShowError,
  PanelMessageType.SettingsChanged,
  PanelMessageType.HeadScores,
  PanelMessageType.AttributionReady,
  PanelMessageType.CompareStarted,
  PanelMessageType.CompareProgress,
  PanelMessageType.CompareReady,
  PanelMessageType.CompareMaps,
  PanelMessageType.AblationReady,
  PanelMessageType.PatchReady,
]);

const FROM_WEBVIEW = new Set<string>([
  PanelMessageType.Ready,
  PanelMessageType.SelectToken,
  PanelMessageType.Rerun,
  PanelMessageType.OpenSettings,
  PanelMessageType.SetSurprisalUnderlines,
  PanelMessageType.RevealToken,
  PanelMessageType.Painted,
  PanelMessageType.RunProbe,
  PanelMessageType.SaveExport,
  PanelMessageType.ExportTensor,
  PanelMessageType.ExportReport,
  PanelMessageType.RunAttribution,
  PanelMessageType.CompareOpen,
  PanelMessageType.CompareSelectHead,
  PanelMessageType.CompareCancel,
  PanelMessageType.CompareClose,
  PanelMessageType.AblateHeads,
  PanelMessageType.PatchTexts,
  PanelMessageType.PatchCancel,
]);

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null;
}

const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x);

const EXPORT_FORMATS = new Set<unknown>(['png', 'svg', 'csv', 'json']);
/** A plain file name offered by the webview: no folder, no path tricks, a sane length. */
const isFileName = (x: unknown): x is string => typeof x === 'string' && x.length > 0 && x.length <= 200 && !/[\\/:*?"<>|\u0000-\u001f]/.test(x) && !/^\.+$/.test(x);
/** Heads to ablate: a non-empty list of distinct {layer, head} (the host checks them against the model). */
const MAX_ABLATED_HEADS = 4096;
/** Patching's texts: at most this many UTF-16 units each (the model's context is checked by the engine). */
const MAX_PATCH_TEXT = 100_000;
const isPatchText = (x: unknown): x is string => typeof x === 'string' && x.length > 0 && x.length <= MAX_PATCH_TEXT;

function isHeadList(x: unknown): boolean {
  if (!Array.isArray(x) || x.length === 0 || x.length > MAX_ABLATED_HEADS) return false;
  const seen = new Set<string>();
  for (const h of x) {
    if (!isObject(h) || !isInt(h.layer) || !isInt(h.head) || h.layer < 0 || h.head < 0) return false;
    seen.add(`${h.layer}.${h.head}`);
  }
  return seen.size === x.length;
}

/**
 * Checks a message that arrived from the webview: a known type and the fields its handler
 * reads. Anything else is rejected (returns undefined), never thrown on.
 */
export function parseFromWebview(x: unknown): FromWebviewMessage | undefined {
  if (!isObject(x) || typeof x.type !== 'string' || !FROM_WEBVIEW.has(x.type)) return undefined;
  const m = x as unknown as FromWebviewMessage;
  switch (m.type) {
    case PanelMessageType.SelectToken:
      return isInt(m.runId) && isInt(m.index) && m.index >= 0 && isMatrixSource(m.source) ? m : undefined;
    case PanelMessageType.RunProbe:
    case PanelMessageType.PatchCancel:
      return isInt(m.runId) ? m : undefined;
    case PanelMessageType.RunAttribution:
      // `target` below the vocabulary is the engine's check (Attributor.attribute)
      return isInt(m.runId) && isInt(m.position) && m.position >= 0 && ATTRIBUTION_METHODS.includes(m.method) && (m.target === undefined || (isInt(m.target) && m.target >= 0))
        ? { type: m.type, runId: m.runId, position: m.position, method: m.method, ...(m.target !== undefined ? { target: m.target } : {}) }
        : undefined;
    case PanelMessageType.AblateHeads:
      return isInt(m.runId) && isHeadList(m.heads) && (m.mode === 'zero' || m.mode === 'mean')
        ? { type: m.type, runId: m.runId, heads: m.heads.map((h) => ({ layer: h.layer, head: h.head })), mode: m.mode }
        : undefined;
    case PanelMessageType.PatchTexts:
      return isInt(m.runId) && isPatchText(m.clean) && isPatchText(m.corrupt) && isPatchText(m.target) && isPatchText(m.contrast)
        ? { type: m.type, runId: m.runId, clean: m.clean, corrupt: m.corrupt, target: m.target, contrast: m.contrast }
        : undefined;
    case PanelMessageType.RevealToken:
      return isInt(m.runId) && isInt(m.index) && m.index >= 0 ? m : undefined;
    case PanelMessageType.SetSurprisalUnderlines:
      return typeof m.enabled === 'boolean' ? m : undefined;
    case PanelMessageType.Painted:
      return isInt(m.runId) && (m.what === 'overview' || m.what === 'matrix') && (m.at === undefined || Number.isFinite(m.at)) ? m : undefined;
    case PanelMessageType.SaveExport:
      return isInt(m.runId) && EXPORT_FORMATS.has(m.format) && isFileName(m.fileName) && typeof m.data === 'string' ? m : undefined;
    case PanelMessageType.ExportTensor:
      return isInt(m.runId) && (m.source === 'all' || isMatrixSource(m.source)) ? m : undefined;
    case PanelMessageType.ExportReport:
      return isInt(m.runId) &&
        Array.isArray(m.heads) &&
        m.heads.length <= 4096 &&
        m.heads.every((h) => Array.isArray(h) && h.length === 2 && isInt(h[0]) && isInt(h[1]) && h[0] >= 0 && h[1] >= 0) &&
        (m.theme === 'light' || m.theme === 'dark') &&
        typeof m.gamma === 'boolean'
        ? m
        : undefined;
    case PanelMessageType.Ready:
      return m.state === undefined || isObject(m.state) ? m : undefined;
    case PanelMessageType.CompareSelectHead:
      return isInt(m.compareId) && isInt(m.layerA) && m.layerA >= 0 && isInt(m.headA) && m.headA >= 0 ? m : undefined;
    case PanelMessageType.CompareCancel:
      return isInt(m.compareId) && (m.side === 'a' || m.side === 'b') ? m : undefined;
    case PanelMessageType.CompareClose:
      return isInt(m.compareId) ? m : undefined;
    default:
      return m;
  }
}

const isPrediction = (p: unknown): boolean =>
  isObject(p) && Array.isArray(p.texts) && Array.isArray(p.probs) && p.texts.length === p.probs.length && p.texts.every((t) => typeof t === 'string') &&
  (p.bytes === undefined || (Array.isArray(p.bytes) && p.bytes.length === p.texts.length && p.bytes.every((b) => typeof b === 'string'))) &&
  (p.ids === undefined || (Array.isArray(p.ids) && p.ids.length === p.texts.length && p.ids.every(isInt)));
/** NaN may arrive as null (JSON). */
const isNumberish = (x: unknown): boolean => typeof x === 'number' || x === null;
const isActualToken = (a: unknown): boolean => isObject(a) && isNumberish(a.prob) && isNumberish(a.rank) && isNumberish(a.surprisal);

/**
 * Checks a message that arrived from the host: a known type; the host is trusted, so most are
 * checked by type only, PredictionsReady (which fills in a run already shown) by its fields too.
 */
export function parseToWebview(x: unknown): ToWebviewMessage | undefined {
  if (!isObject(x) || typeof x.type !== 'string' || !TO_WEBVIEW.has(x.type)) return undefined;
  const m = x as unknown as ToWebviewMessage;
  if (m.type === PanelMessageType.PredictionsReady) {
    const ok =
      isInt(m.runId) &&
      Array.isArray(m.predictions) &&
      Array.isArray(m.actual) &&
      m.predictions.length === m.actual.length &&
      m.predictions.every(isPrediction) &&
      m.actual.every(isActualToken);
    return ok ? m : undefined;
  }
  return m;
}


/** The host's checks of what the webview (untrusted) sends. */
export const PANEL_HOST_ACCEPT: Acceptors<PanelHostProtocol> = {
  requests: {
    matrix: (b) => (isObject(b) && isInt(b.runId) && isMatrixSource(b.source) ? { runId: b.runId, source: b.source } : undefined),
    // Bounds against the run's T are the host's check (tileProblem); here only the shape.
    matrixTile: (b) =>
      isObject(b) && isInt(b.runId) && isMatrixSource(b.source) && [b.row0, b.row1, b.col0, b.col1, b.stride].every(isInt)
        ? { runId: b.runId, source: b.source, row0: b.row0 as number, row1: b.row1 as number, col0: b.col0 as number, col1: b.col1 as number, stride: b.stride as number }
        : undefined,
  },
  events: acceptByType<FromWebviewMessage>(FROM_WEBVIEW, parseFromWebview),
};

/** The webview's checks of what the host sends. */
export const PANEL_WEBVIEW_ACCEPT: Acceptors<PanelWebviewProtocol> = {
  requests: {},
  events: acceptByType<ToWebviewMessage>(TO_WEBVIEW, parseToWebview),
};
