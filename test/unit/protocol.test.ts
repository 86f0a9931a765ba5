import * as assert from 'assert';
import { MessageChannel } from 'node:worker_threads';
import { Channel } from '../../src/shared/channel';
import { nodePort } from '../../src/shared/channelPorts';
import { PanelMessageType, type FromWebviewMessage, type PanelHostProtocol, type PanelWebviewProtocol, type PredictionsReadyMessage } from '../../src/shared/protocol';
import { PANEL_HOST_ACCEPT, PANEL_WEBVIEW_ACCEPT, parseFromWebview, parseToWebview } from '../../src/shared/protocolChecks';
import { isMatrixSource, sourceKey, sourceLabel, type MatrixSource } from '../../src/shared/matrixSource';

describe('shared/protocol', () => {
  const head: MatrixSource = { kind: 'head', layer: 2, head: 3 };

  it('accepts every well-formed message from the webview', () => {
    const good: FromWebviewMessage[] = [
      { type: PanelMessageType.Ready },
      { type: PanelMessageType.Ready, state: { view: 'lines' } },
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
    const from = all.filter(
      (t) =>
        parseFromWebview({ type: t, enabled: true }) !== undefined ||
        [PanelMessageType.SelectToken, PanelMessageType.RevealToken, PanelMessageType.Painted, PanelMessageType.RunProbe, PanelMessageType.SaveExport, PanelMessageType.ExportTensor, PanelMessageType.ExportReport, PanelMessageType.RunAttribution, PanelMessageType.CompareSelectHead, PanelMessageType.CompareCancel, PanelMessageType.CompareClose, PanelMessageType.AblateHeads, PanelMessageType.PatchTexts, PanelMessageType.PatchCancel].includes(t),
    );
    assert.deepStrictEqual([...to, ...from].sort(), [...all].sort());
    assert.strictEqual(to.filter((t) => from.includes(t)).length, 0);
    assert.ok(to.includes(PanelMessageType.OverviewLayers) && from.includes(PanelMessageType.Painted));
  });

  it('the export messages: a plain file name, a known format, a matrix source or all, heads as integer pairs', () => {
    const head = { kind: 'head', layer: 1, head: 2 } as const;
    const save = { type: PanelMessageType.SaveExport, runId: 3, format: 'svg', fileName: 'notes-L1H2.svg', data: '<svg/>' };
    assert.deepStrictEqual(parseFromWebview(save), save);
    for (const fileName of ['../x.svg', 'a/b.svg', 'C:x.svg', '..', '', 'x'.repeat(201), 'a\nb.svg']) assert.strictEqual(parseFromWebview({ ...save, fileName }), undefined, fileName);
    assert.strictEqual(parseFromWebview({ ...save, format: 'exe' }), undefined);
    assert.strictEqual(parseFromWebview({ ...save, data: 7 }), undefined);
    assert.ok(parseFromWebview({ type: PanelMessageType.ExportTensor, runId: 3, source: 'all' }));
    assert.ok(parseFromWebview({ type: PanelMessageType.ExportTensor, runId: 3, source: head }));
    assert.strictEqual(parseFromWebview({ type: PanelMessageType.ExportTensor, runId: 3, source: 'some' }), undefined);
    const report = { type: PanelMessageType.ExportReport, runId: 3, heads: [[1, 2]], theme: 'dark', gamma: false };
    assert.deepStrictEqual(parseFromWebview(report), report);
    assert.strictEqual(parseFromWebview({ ...report, heads: [[1, -2]] }), undefined);
    assert.strictEqual(parseFromWebview({ ...report, heads: [[1]] }), undefined);
    assert.strictEqual(parseFromWebview({ ...report, theme: 'blue' }), undefined);
  });

  it('Compare messages: accepted with the fields their handlers read, rejected otherwise', () => {
    const ok = [
      { type: PanelMessageType.CompareOpen },
      { type: PanelMessageType.CompareSelectHead, compareId: 2, layerA: 3, headA: 0 },
      { type: PanelMessageType.CompareCancel, compareId: 2, side: 'b' },
      { type: PanelMessageType.CompareClose, compareId: 2 },
    ];
    for (const m of ok) assert.deepStrictEqual(parseFromWebview(m), m);
    const bad = [
      { type: PanelMessageType.CompareSelectHead, compareId: 2, layerA: -1, headA: 0 },
      { type: PanelMessageType.CompareSelectHead, compareId: 2, layerA: 1.5, headA: 0 },
      { type: PanelMessageType.CompareSelectHead, compareId: '2', layerA: 1, headA: 0 },
      { type: PanelMessageType.CompareCancel, compareId: 2, side: 'c' },
      { type: PanelMessageType.CompareClose },
      { type: PanelMessageType.CompareReady, compareId: 2 }, // a to-webview type from the webview
    ];
    for (const m of bad) assert.strictEqual(parseFromWebview(m), undefined, JSON.stringify(m));
    assert.ok(parseToWebview({ type: PanelMessageType.CompareMaps, compareId: 1 }));
    assert.strictEqual(parseToWebview({ type: PanelMessageType.CompareClose, compareId: 1 }), undefined);
  });

  it('RunProbe: accepted with an integer runId only; HeadScores reaches the webview', () => {
    assert.deepStrictEqual(parseFromWebview({ type: PanelMessageType.RunProbe, runId: 3 }), { type: PanelMessageType.RunProbe, runId: 3 });
    for (const runId of [undefined, '3', 1.5]) assert.strictEqual(parseFromWebview({ type: PanelMessageType.RunProbe, runId }), undefined);
    const table = { type: PanelMessageType.HeadScores, runId: 3, which: 'probe', T: 64, rows: [] };
    assert.strictEqual(parseToWebview(table), table);
    assert.strictEqual(parseFromWebview(table), undefined, 'the host never takes a table from the webview');
  });

  it('RunAttribution: accepted with an integer runId, a position ≥ 0 and a known method only; AttributionReady reaches the webview', () => {
    const good = { type: PanelMessageType.RunAttribution, runId: 3, position: 5, method: 'ig' };
    assert.deepStrictEqual(parseFromWebview(good), good);
    for (const bad of [{ position: -1 }, { position: 1.5 }, { method: 'saliency' }, { method: undefined }, { runId: '3' }]) {
      assert.strictEqual(parseFromWebview({ ...good, ...bad }), undefined, JSON.stringify(bad));
    }
    const ready = { type: PanelMessageType.AttributionReady, runId: 3, position: 5, method: 'ig', target: ' on', logProb: -0.2, scores: [0.1], rollout: [1] };
    assert.strictEqual(parseToWebview(ready), ready);
    assert.strictEqual(parseFromWebview(ready), undefined, 'the host never takes an attribution from the webview');
  });

  it('RunAttribution: an optional target token id, an integer ≥ 0 (its bound is the engine\'s check); extra fields dropped', () => {
    const good = { type: PanelMessageType.RunAttribution, runId: 3, position: 5, method: 'grad', target: 262 };
    assert.deepStrictEqual(parseFromWebview({ ...good, extra: 'x' }), good);
    assert.deepStrictEqual(parseFromWebview({ ...good, target: 0 }), { ...good, target: 0 });
    assert.deepStrictEqual(parseFromWebview({ ...good, target: undefined }), { type: PanelMessageType.RunAttribution, runId: 3, position: 5, method: 'grad' });
    for (const target of [-1, 2.5, '262', null, NaN, Infinity, [262]]) {
      assert.strictEqual(parseFromWebview({ ...good, target }), undefined, String(target));
    }
  });

  it('PatchCancel: an integer runId only; PatchReady with cancelled reaches the webview', () => {
    const good = { type: PanelMessageType.PatchCancel, runId: 7 };
    assert.deepStrictEqual(parseFromWebview(good), good);
    for (const runId of ['7', 1.5, undefined, null]) assert.strictEqual(parseFromWebview({ ...good, runId }), undefined, String(runId));
    assert.strictEqual(parseToWebview(good), undefined, 'the webview never takes a cancel');
    const cancelled = { type: PanelMessageType.PatchReady, runId: 7, tokens: [], target: ' Mary', contrast: ' John', cleanDiff: NaN, corruptDiff: NaN, layers: [], heads: [], cancelled: true };
    assert.strictEqual(parseToWebview(cancelled), cancelled);
  });

  it('AblateHeads: distinct non-negative integer heads, zero or mean; extra fields dropped', () => {
    const good = { type: PanelMessageType.AblateHeads, runId: 2, heads: [{ layer: 2, head: 1, extra: 'x' }, { layer: 0, head: 3 }], mode: 'mean' };
    assert.deepStrictEqual(parseFromWebview(good), { type: PanelMessageType.AblateHeads, runId: 2, heads: [{ layer: 2, head: 1 }, { layer: 0, head: 3 }], mode: 'mean' });
    const bad = [
      { ...good, heads: [] },
      { ...good, heads: [{ layer: -1, head: 0 }] },
      { ...good, heads: [{ layer: 1.5, head: 0 }] },
      { ...good, heads: [{ layer: 1, head: 0 }, { layer: 1, head: 0 }] },
      { ...good, heads: 'all' },
      { ...good, mode: 'half' },
      { ...good, runId: '2' },
    ];
    for (const m of bad) assert.strictEqual(parseFromWebview(m), undefined, JSON.stringify(m));
    assert.strictEqual(parseToWebview(good), undefined, 'the webview never takes an ablation request');
  });

  it('PatchTexts: four non-empty strings of bounded length and an integer runId', () => {
    const good = { type: PanelMessageType.PatchTexts, runId: 1, clean: 'When Mary and John', corrupt: 'When John and Mary', target: ' Mary', contrast: ' John' };
    assert.deepStrictEqual(parseFromWebview({ ...good, extra: 1 }), good);
    for (const m of [{ ...good, clean: '' }, { ...good, target: 3 }, { ...good, corrupt: 'x'.repeat(100_001) }, { ...good, runId: null }]) {
      assert.strictEqual(parseFromWebview(m), undefined);
    }
  });

  it('PredictionsReady: accepted when well formed (NaN sent as null too), rejected when not', () => {
    const good: PredictionsReadyMessage = {
      type: PanelMessageType.PredictionsReady,
      runId: 4,
      predictions: [
        { texts: [' the', ' a'], probs: [0.5, 0.25], ids: [262, 257] },
        { texts: ['.', '\ufffd'], probs: [0.9, 0.05], bytes: ['', 'E8 87'] },
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
      { ...good, predictions: [good.predictions[0], { ...good.predictions[1], bytes: ['E8 87'] }] },
      { ...good, predictions: [good.predictions[0], { ...good.predictions[1], bytes: ['', 232] }] },
      { ...good, predictions: [{ ...good.predictions[0], ids: [262] }, good.predictions[1]] },
      { ...good, predictions: [{ ...good.predictions[0], ids: [262, 1.5] }, good.predictions[1]] },
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

  it('checks the matrix request: a run id and a well-formed source, nothing else kept', () => {
    const accept = PANEL_HOST_ACCEPT.requests.matrix;
    assert.deepStrictEqual(accept({ runId: 4, source: head, extra: 1 }), { runId: 4, source: head });
    assert.deepStrictEqual(accept({ runId: 4, source: { kind: 'rollout', layer: 0 } }), { runId: 4, source: { kind: 'rollout', layer: 0 } });
    for (const bad of [null, {}, { runId: 4 }, { runId: '4', source: head }, { runId: 1.5, source: head }, { runId: 4, source: { kind: 'head', layer: 0 } }, { runId: 4, source: { kind: 'everything', layer: 0 } }, { runId: 4, source: { kind: 'head', layer: -1, head: 0 } }]) {
      assert.strictEqual(accept(bad), undefined, JSON.stringify(bad));
    }
  });

  it('checks the matrix tile request: a run id, a source and integer bounds, nothing else kept (bounds against T are the host\'s)', () => {
    const accept = PANEL_HOST_ACCEPT.requests.matrixTile;
    const tile = { runId: 4, source: head, row0: 0, row1: 64, col0: 8, col1: 72, stride: 1 };
    assert.deepStrictEqual(accept({ ...tile, extra: 1 }), tile);
    for (const bad of [{ ...tile, row1: undefined }, { ...tile, stride: 1.5 }, { ...tile, col0: '8' }, { ...tile, source: { kind: 'head', layer: 0 } }, { ...tile, runId: null }]) {
      assert.strictEqual(accept(bad), undefined, JSON.stringify(bad));
    }
  });

  it('on a channel: events reach the handler of their type, the matrix is a request, and the malformed are dropped and reported', async () => {
    const mc = new MessageChannel();
    const problems: string[] = [];
    const host = new Channel<PanelHostProtocol, PanelWebviewProtocol>(nodePort(mc.port1), { name: 'panel', accept: PANEL_HOST_ACCEPT, onProblem: (p) => problems.push(p) });
    const page = new Channel<PanelWebviewProtocol, PanelHostProtocol>(nodePort(mc.port2), { name: 'page', accept: PANEL_WEBVIEW_ACCEPT });
    const seen: string[] = [];
    host.on(PanelMessageType.RevealToken, (m) => void seen.push(`reveal ${m.index}`));
    host.on(PanelMessageType.Rerun, () => void seen.push('rerun'));
    host.handle('matrix', ({ runId, source }) => ({ runId, source, T: 1, matrix: { bits: 16, length: 1, scale: 1, data: new Uint16Array([65535]) } }));
    const texts: string[] = [];
    page.on(PanelMessageType.TextChanged, (m) => void texts.push(`changed ${m.runId}`));
    page.notify(PanelMessageType.RevealToken, { type: PanelMessageType.RevealToken, runId: 1, index: 3 });
    page.notify(PanelMessageType.Rerun, { type: PanelMessageType.Rerun });
    page.notify(PanelMessageType.RevealToken, { type: PanelMessageType.RevealToken, runId: 1 } as never); // no index
    page.notify(PanelMessageType.RevealToken, { type: PanelMessageType.Rerun } as never); // a body of another type
    const reply = await page.request('matrix', { runId: 7, source: head });
    assert.deepStrictEqual([reply.runId, reply.source, reply.T], [7, head, 1]);
    await assert.rejects(page.request('matrix', { runId: 7 } as never), /malformed request 'matrix'/);
    host.notify(PanelMessageType.TextChanged, { type: PanelMessageType.TextChanged, runId: 7 });
    await new Promise((r) => setTimeout(r, 20));
    assert.deepStrictEqual(seen, ['reveal 3', 'rerun']);
    assert.deepStrictEqual(texts, ['changed 7']);
    assert.deepStrictEqual(problems, ["panel: malformed event 'revealToken'", "panel: malformed event 'revealToken'", "panel: malformed request 'matrix'"]);
    host.close();
    page.close();
    mc.port1.close();
  });
});
