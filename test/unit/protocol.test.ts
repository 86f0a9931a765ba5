import * as assert from 'assert';
import {
  PanelMessageType,
  ReplyGate,
  dispatch,
  isMatrixSource,
  parseFromWebview,
  parseToWebview,
  sourceKey,
  sourceLabel,
  type FromWebviewMessage,
  type Handlers,
  type MatrixSource,
  type PredictionsReadyMessage,
} from '../../src/shared/protocol';

describe('shared/protocol', () => {
  const head: MatrixSource = { kind: 'head', layer: 2, head: 3 };

  it('accepts every well-formed message from the webview', () => {
    const good: FromWebviewMessage[] = [
      { type: PanelMessageType.Ready },
      { type: PanelMessageType.Ready, state: { view: 'lines' } },
      { type: PanelMessageType.RequestMatrix, requestId: 1, runId: 4, source: head },
      { type: PanelMessageType.RequestMatrix, requestId: 2, runId: 4, source: { kind: 'rollout', layer: 0 } },
      { type: PanelMessageType.SelectToken, runId: 4, index: 0, source: { kind: 'layerMean', layer: 1 } },
      { type: PanelMessageType.Rerun },
      { type: PanelMessageType.OpenSettings },
      { type: PanelMessageType.SetSurprisalUnderlines, enabled: true },
      { type: PanelMessageType.RevealToken, runId: 4, index: 7 },
      { type: PanelMessageType.Painted, runId: 4, what: 'overview' },
      { type: PanelMessageType.Painted, runId: 4, what: 'matrix' },
      { type: PanelMessageType.Painted, runId: 4, what: 'matrix', at: 1_796_000_000_123.4 },
    ];
    for (const m of good) assert.deepStrictEqual(parseFromWebview(m), m, m.type);
  });

  it('rejects malformed messages instead of throwing', () => {
    const bad: unknown[] = [
      null,
      42,
      'ready',
      {},
      { type: 'nope' },
      { type: PanelMessageType.AnalysisReady }, // a to-webview type coming from the webview
      { type: PanelMessageType.RequestMatrix, requestId: 1, runId: 4 },
      { type: PanelMessageType.RequestMatrix, requestId: 1.5, runId: 4, source: head },
      { type: PanelMessageType.RequestMatrix, requestId: 1, runId: '4', source: head },
      { type: PanelMessageType.RequestMatrix, requestId: 1, runId: 4, source: { kind: 'head', layer: 0 } },
      { type: PanelMessageType.RequestMatrix, requestId: 1, runId: 4, source: { kind: 'everything', layer: 0 } },
      { type: PanelMessageType.RequestMatrix, requestId: 1, runId: 4, source: { kind: 'head', layer: -1, head: 0 } },
      { type: 'requestOverview', requestId: 1, runId: 4, size: 32 }, // the overview is pushed: nothing to ask
      { type: PanelMessageType.SelectToken, runId: 4, index: -1, source: head },
      { type: PanelMessageType.RevealToken, runId: 4 },
      { type: PanelMessageType.SetSurprisalUnderlines, enabled: 'yes' },
      { type: PanelMessageType.Ready, state: 'x' },
      { type: PanelMessageType.Painted, runId: 4 },
      { type: PanelMessageType.Painted, runId: 4, what: 'everything' },
      { type: PanelMessageType.Painted, runId: '4', what: 'matrix' },
      { type: PanelMessageType.Painted, runId: 4, what: 'matrix', at: 'now' },
      { type: PanelMessageType.Painted, runId: 4, what: 'matrix', at: NaN },
    ];
    for (const m of bad) assert.strictEqual(parseFromWebview(m), undefined, JSON.stringify(m));
  });

  it('splits the message types into two directions with no overlap', () => {
    const all = Object.values(PanelMessageType);
    const to = all.filter((t) => parseToWebview({ type: t }) !== undefined || t === PanelMessageType.PredictionsReady);
    const from = all.filter((t) => parseFromWebview({ type: t, enabled: true }) !== undefined || [PanelMessageType.RequestMatrix, PanelMessageType.SelectToken, PanelMessageType.RevealToken, PanelMessageType.Painted].includes(t));
    assert.deepStrictEqual([...to, ...from].sort(), [...all].sort());
    assert.strictEqual(to.filter((t) => from.includes(t)).length, 0);
    assert.ok(to.includes(PanelMessageType.MatrixReply) && from.includes(PanelMessageType.RequestMatrix));
  });

  it('PredictionsReady: accepted when well formed (NaN sent as null too), rejected when not', () => {
    const good: PredictionsReadyMessage = {
      type: PanelMessageType.PredictionsReady,
      runId: 4,
      predictions: [
        { texts: [' the', ' a'], probs: [0.5, 0.25] },
        { texts: ['.'], probs: [0.9] },
      ],
      actual: [
        { prob: NaN, rank: NaN, surprisal: NaN },
        { prob: 0.9, rank: 1, surprisal: 0.152 },
      ],
    };
    assert.strictEqual(parseToWebview(good), good);
    const viaJson: unknown = JSON.parse(JSON.stringify(good));
    assert.deepStrictEqual(parseToWebview(viaJson), viaJson);
    const bad: unknown[] = [
      { type: PanelMessageType.PredictionsReady },
      { ...good, runId: '4' },
      { ...good, runId: 1.5 },
      { ...good, predictions: 'x' },
      { ...good, actual: good.actual.slice(1) },
      { ...good, predictions: [{ texts: [' the'], probs: [] }, good.predictions[1]] },
      { ...good, predictions: [{ texts: [7], probs: [1] }, good.predictions[1]] },
      { ...good, actual: [good.actual[0], { prob: '0.9', rank: 1, surprisal: 0 }] },
      { ...good, actual: [good.actual[0], null] },
    ];
    for (const m of bad) assert.strictEqual(parseToWebview(m), undefined, JSON.stringify(m));
  });

  it('validates matrix sources', () => {
    assert.ok(isMatrixSource(head));
    assert.ok(isMatrixSource({ kind: 'layerMean', layer: 0 }));
    assert.ok(!isMatrixSource({ kind: 'head', layer: 0, head: 0.5 }));
    assert.ok(!isMatrixSource({ kind: 'rollout' }));
  });

  it('gives each source a distinct key and a readable label', () => {
    const sources: MatrixSource[] = [head, { kind: 'head', layer: 3, head: 2 }, { kind: 'layerMean', layer: 2 }, { kind: 'rollout', layer: 2 }];
    assert.strictEqual(new Set(sources.map(sourceKey)).size, sources.length);
    assert.strictEqual(sourceLabel(head), 'Layer 2 · Head 3');
    assert.match(sourceLabel({ kind: 'rollout', layer: 5 }), /Rollout.*5/);
  });

  it('dispatches to the handler of the message type only', async () => {
    const seen: string[] = [];
    const handlers: Handlers<FromWebviewMessage> = {
      [PanelMessageType.Rerun]: () => void seen.push('rerun'),
      [PanelMessageType.RevealToken]: (m) => void seen.push(`reveal ${m.index}`),
    };
    assert.ok(dispatch(handlers, { type: PanelMessageType.RevealToken, runId: 1, index: 3 }));
    assert.ok(dispatch(handlers, { type: PanelMessageType.Rerun }));
    assert.ok(!dispatch(handlers, { type: PanelMessageType.OpenSettings }));
    assert.deepStrictEqual(seen, ['reveal 3', 'rerun']);
  });

  it('ReplyGate drops replies for older runs and superseded requests', () => {
    const gate = new ReplyGate();
    gate.setRun(1);
    const a = gate.next();
    assert.ok(gate.accepts({ runId: 1, requestId: a }));
    const b = gate.next();
    assert.ok(!gate.accepts({ runId: 1, requestId: a }), 'superseded request');
    assert.ok(gate.accepts({ runId: 1, requestId: b }));
    gate.setRun(2); // a new run: everything in flight is stale
    assert.ok(!gate.accepts({ runId: 1, requestId: b }));
    assert.ok(!gate.accepts({ runId: 2, requestId: b }));
    const c = gate.next();
    assert.ok(c > b, 'request ids never repeat');
    assert.ok(gate.accepts({ runId: 2, requestId: c }));
    assert.ok(!gate.accepts({ runId: 1, requestId: c }));
  });

  it('ReplyGate accepts nothing for a new run before the webview asks, and no id it did not give', () => {
    const gate = new ReplyGate();
    gate.setRun(3);
    assert.ok(!gate.accepts({ runId: 3, requestId: 0 }), 'no request yet');
    const a = gate.next();
    assert.ok(a > 0, "the webview's ids start at 1");
    assert.ok(gate.accepts({ runId: 3, requestId: a }));
    assert.ok(!gate.accepts({ runId: 3, requestId: 0 }));
    gate.setRun(4);
    assert.ok(!gate.accepts({ runId: 4, requestId: a }), 'a request of the run before');
  });
});
