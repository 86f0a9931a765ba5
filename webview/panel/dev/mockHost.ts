// Dev only: a fake extension host for looking at the panel in a plain browser (see README.md).
// Defines acquireVsCodeApi and plays the host's end of the panel's channel with a synthetic 4-layer model.
import { attentionRollout } from '../../../src/analysis/rollout';
import { poolMatrix } from '../../../src/analysis/thumbnail';
import zhBundle from '../../../l10n/bundle.l10n.zh-cn.json';
import { PANEL_TEXT, localizePanelText } from '../../../src/shared/panelText';
import { Channel, type Port } from '../../../src/shared/channel';
import { OVERVIEW_SIZE, PanelMessageType, type PanelHostProtocol, type PanelWebviewProtocol, type ToWebviewMessage } from '../../../src/shared/protocol';
import { PANEL_HOST_ACCEPT } from '../../../src/shared/protocolChecks';
import { quantize } from '../../../src/shared/quantize';

const text = new URLSearchParams(location.search).get('text') ?? 'The quick brown fox jumps over the lazy dog.\nIt was the best of times, it was the worst of times.';
const words = text.match(/\s*\S+|\s+/g) ?? [text];
let off = 0;
const tokens = words.map((w, i) => {
  const t = { id: 100 + i, text: w, start: off, end: off + w.length };
  off += w.length;
  return t;
});
const T = tokens.length;
const L = Number(new URLSearchParams(location.search).get('layers') ?? 4);
const H = Number(new URLSearchParams(location.search).get('heads') ?? 4);
const KV = new URLSearchParams(location.search).get('kvHeads'); // grouped-query attention when fewer than heads

function head(l: number, h: number): Float32Array {
  const m = new Float32Array(T * T);
  for (let i = 0; i < T; i++) {
    let sum = 0;
    for (let j = 0; j <= i; j++) {
      const kind = (l * H + h) % 4;
      const s = kind === 0 ? (j === i - 1 ? 4 : 0) : kind === 1 ? (j === 0 ? 3 : 0) : kind === 2 ? (j === i ? 2.5 : 0) : Math.sin(i * 0.7 + j * 1.3 + l) * 1.5;
      m[i * T + j] = Math.exp(s);
      sum += m[i * T + j];
    }
    for (let j = 0; j <= i; j++) m[i * T + j] /= sum;
  }
  return m;
}
const mean = (l: number): Float32Array => {
  const out = new Float32Array(T * T);
  for (let h = 0; h < H; h++) head(l, h).forEach((v, i) => (out[i] += v / H));
  return out;
};

let state: unknown;
/** `?lang=zh-cn` previews the Simplified Chinese strings. */
const language = new URLSearchParams(location.search).get('lang') ?? 'en';

// The host's end of the channel: what the panel posts reaches `fromPanel`; what the host posts
// arrives in the page as a window message, a little later, as from VS Code.
let fromPanel: ((m: unknown) => void) | undefined;
const port: Port = {
  post: (m) => void setTimeout(() => window.dispatchEvent(new MessageEvent('message', { data: m })), 5),
  listen(onMessage) {
    fromPanel = onMessage;
    return () => (fromPanel = undefined);
  },
};
const channel = new Channel<PanelHostProtocol, PanelWebviewProtocol>(port, { name: 'mock host', accept: PANEL_HOST_ACCEPT, onProblem: (p) => console.warn(p) });
const post = (m: ToWebviewMessage): void => channel.notify(m.type, m as never);

(window as unknown as { acquireVsCodeApi: () => unknown }).acquireVsCodeApi = () => ({
  getState: () => state,
  setState: (s: unknown) => (state = s),
  postMessage: (m: unknown) => fromPanel?.(m),
});

channel.on(PanelMessageType.Ready, () => {
  post(
    language === 'zh-cn'
      ? { type: PanelMessageType.Init, strings: localizePanelText((s) => (zhBundle as Record<string, string>)[s] ?? s), language }
      : { type: PanelMessageType.Init, strings: { ...PANEL_TEXT }, language: 'en' },
  );
  post({
    type: PanelMessageType.AnalysisReady,
    runId: 1,
    model: { name: 'tiny-gpt (preview)', nLayer: L, nHead: H, ...(KV ? { nKvHead: Number(KV) } : {}), contextLength: 256, vocabSize: 4096, numParams: 1_234_567 },
    source: { uri: 'untitled:1', fileName: 'sample.txt', startOffset: 0, endOffset: text.length, startLine: 0, endLine: 1, origin: 'selection' },
    tokens,
    T,
    truncated: new URLSearchParams(location.search).has('truncated'),
    totalTokens: T + 40,
    clippedChars: false,
    predictions: tokens.map((_, i) => ({ texts: [' the', ' of', ',', ' a', '.', ' and', ' to', ' in', ' was', '\n'], probs: [0.31, 0.12, 0.08, 0.05, 0.04, 0.03, 0.02, 0.02, 0.01 + i * 0.0001, 0.01] })),
    actual: tokens.map((_, i) => (i === 0 ? { prob: NaN, rank: NaN, surprisal: NaN } : { prob: 1 / (1 + ((i * 37) % 2000)), rank: 1 + ((i * 37) % 2000), surprisal: Math.log2(1 + ((i * 37) % 2000)) })),
    settings: { colorScale: 'linear', surprisalUnderlines: false, editorHighlights: true },
    initialQuery: 7,
  });
  // The overview, pushed one layer at a time, as while a real run's layers are being computed.
  for (let l = 0; l < L; l++) {
    const thumbs = Array.from({ length: H }, (_, h) => quantize(poolMatrix(head(l, h), T, OVERVIEW_SIZE).data, 8));
    setTimeout(() => post({ type: PanelMessageType.OverviewLayers, runId: 1, nLayer: L, nHead: H, size: Math.min(OVERVIEW_SIZE, T), fromLayer: l, layers: 1, thumbs }), 30 * (l + 1));
  }
});
for (const t of [PanelMessageType.SelectToken, PanelMessageType.Rerun, PanelMessageType.OpenSettings, PanelMessageType.SetSurprisalUnderlines, PanelMessageType.RevealToken, PanelMessageType.Painted] as const) {
  channel.on(t, (m) => console.log('to host', m));
}
channel.handle('matrix', ({ runId, source: s }) => {
  const mat = s.kind === 'head' ? head(s.layer, s.head) : s.kind === 'layerMean' ? mean(s.layer) : attentionRollout(Array.from({ length: L }, (_, l) => mean(l)), T, s.layer)[s.layer];
  return { runId, source: s, T, matrix: quantize(mat, 16, 1) };
});
