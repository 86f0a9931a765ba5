// Dev only: a fake extension host for looking at the Layer Stepper in a plain browser (see
// README.md). Serves the real numbers of a family fixture (test/helpers/stepperPreviewData.ts,
// loaded by the page as data.js) on the host's end of the stepper's channel.
import zhBundle from '../../../l10n/bundle.l10n.zh-cn.json';
import { STEPPER_TEXT, localizeStepperText } from '../../../src/shared/explanations';
import { Channel, type Port } from '../../../src/shared/channel';
import {
  STEPPER_HOST_ACCEPT,
  StepperMessageType as M,
  type CaptureReply,
  type LensCell,
  type Readout,
  type StepperHostProtocol,
  type StepperModelFacts,
  type StepperToWebview,
  type StepperWebviewProtocol,
} from '../../../src/shared/stepperProtocol';
import type { Token } from '../../../src/shared/token';

/** What stepperPreviewData.ts wrote (typed arrays as plain arrays). */
interface PreviewData {
  facts: StepperModelFacts;
  tokens: Token[];
  captures: Record<string, unknown>;
  readouts: Record<string, Readout>;
  lens: LensCell[][];
}
const data = (window as unknown as { STEPPER_PREVIEW: PreviewData }).STEPPER_PREVIEW;

const params = new URLSearchParams(location.search);
const language = params.get('lang') ?? 'en';
/** JSON arrays (non-finite numbers as strings) back to Float32Array, recursively. */
const revive = (x: unknown): unknown => {
  if (Array.isArray(x) && x.every((v) => typeof v === 'number' || typeof v === 'string')) return Float32Array.from(x, Number);
  if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, k === 'ids' || k === 'texts' ? v : revive(v)]));
  return x;
};

let state: unknown = params.has('step')
  ? { runId: 1, query: Number(params.get('query') ?? data.tokens.length - 1), head: Number(params.get('head') ?? 0), step: Number(params.get('step')), tab: params.get('tab') ?? 'steps' }
  : undefined;
let fromView: ((m: unknown) => void) | undefined;
const port: Port = {
  post: (m) => void setTimeout(() => window.dispatchEvent(new MessageEvent('message', { data: m })), 5),
  listen(onMessage) {
    fromView = onMessage;
    return () => (fromView = undefined);
  },
};
const channel = new Channel<StepperHostProtocol, StepperWebviewProtocol>(port, { name: 'mock host', accept: STEPPER_HOST_ACCEPT, onProblem: (p) => console.warn(p) });
const post = (m: StepperToWebview): void => channel.notify(m.type, m as never);

(window as unknown as { acquireVsCodeApi: () => unknown }).acquireVsCodeApi = () => ({
  getState: () => state,
  setState: (s: unknown) => (state = s),
  postMessage: (m: unknown) => fromView?.(m),
});

channel.on(M.Ready, () => {
  const strings = language === 'zh-cn' ? localizeStepperText((s) => (zhBundle as Record<string, string>)[s] ?? s) : { ...STEPPER_TEXT };
  post({ type: M.Init, strings, language });
  post({ type: M.Model, model: data.facts });
  post({ type: M.Run, run: { runId: 1, tokens: data.tokens, T: data.tokens.length, label: data.facts.name } });
});
channel.on(M.Highlight, () => undefined);
channel.on(M.AnalyzeSelection, () => undefined);
channel.handle('capture', ({ runId, layer, position }) => ({ runId, ...(revive(data.captures[`${layer}:${position}`]) as Omit<CaptureReply, 'runId'>) }));
channel.handle('readout', ({ runId, position }) => ({ runId, readout: data.readouts[String(position)] }));
channel.handle('logitLens', ({ runId }) => ({ runId, cells: data.lens }));
