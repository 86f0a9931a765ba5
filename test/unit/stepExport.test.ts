// The Layer Stepper's step export (webview/stepper/stepExport.ts): every number of every block in
// the CSV, masked cells empty; JSON with the query's text and offsets; and the host's acceptor of
// the message that carries them.
import { strict as assert } from 'node:assert';
import { parseCsv } from '../../src/export/csv';
import { parseStepperFromWebview, StepperMessageType } from '../../src/shared/stepperProtocol';
import { STEP_CSV_COLUMNS, stepCsv, stepFileName, stepJson } from '../../webview/stepper/stepExport';
import type { StepView } from '../../webview/stepper/stepView';

const view: StepView = {
  ref: { index: 5, kind: 'attention' as StepView['ref']['kind'], stage: 'layer', layer: 2 },
  title: 'Attention weights',
  explanation: '',
  formula: 'softmax(q·k / √d)',
  shape: '[H, T]',
  highlight: { query: 2, context: [0, 1] },
  blocks: [
    { kind: 'vector', label: 'x', shape: '[4]', values: Float32Array.from([0.5, -1, 2, 0.25]) },
    { kind: 'strips', label: 'k', shape: '[2, 3]', rows: [{ label: 'The', values: [1, 2, 3] }, { label: ' "a, b"', values: [4, 5, 6] }] },
    {
      kind: 'table', name: 'weights', label: 'weights', shape: '[1, 3]',
      columns: [{ token: 0, text: 'The', masked: false }, { token: 1, text: ' cat', masked: false }, { token: 2, text: ',\n', masked: true }],
      rows: [{ head: 0, label: 'head 0', values: [0.25, 0.75, 0] }],
    },
    { kind: 'grid', name: 'rope', label: 'RoPE', shape: '[1, 2]', header: ['pair', 'θ'], rows: [{ cells: [0, 1e-4] }] },
  ],
};

describe('stepper: step export', () => {
  it('CSV holds every number of every block, masked cells empty, and parses back', () => {
    const rows = parseCsv(stepCsv(view));
    assert.deepEqual(rows[0], STEP_CSV_COLUMNS);
    assert.equal(rows.length - 1, 4 + 6 + 3 + 2);
    assert.deepEqual(rows[2], ['x', '', '', '1', '-1']);
    assert.deepEqual(rows[10], ['k', ' "a, b"', '', '2', '6']);
    assert.deepEqual(rows[13], ['weights', 'head 0', ',\n', '2', ''], 'the masked key: no number');
  });

  it('JSON has the blocks as arrays and the query token with its offsets; the file name says the step', () => {
    const tokens = [{ id: 1, text: 'The', start: 0, end: 3 }, { id: 2, text: ' cat', start: 3, end: 7 }, { id: 3, text: ',\n', start: 7, end: 9 }];
    const j = JSON.parse(stepJson(view, tokens, 1)) as { query: { text: string; start: number }; blocks: { values?: number[] }[] };
    assert.deepEqual(j.query, { index: 1, text: ' cat', start: 3, end: 7 });
    assert.deepEqual(j.blocks[0].values, [0.5, -1, 2, 0.25]);
    assert.equal(stepFileName(view, 1, 'csv'), 'step-L2-attention-q1.csv');
  });

  it('the host accepts a SaveExport with a plain file name and csv or json only', () => {
    const m = { type: StepperMessageType.SaveExport, format: 'csv', fileName: 'step-L2-attention-q1.csv', data: 'a,b\r\n' };
    assert.deepEqual(parseStepperFromWebview(m), m);
    for (const bad of [{ ...m, format: 'exe' }, { ...m, fileName: '../x.csv' }, { ...m, fileName: '..' }, { ...m, data: 1 }]) assert.equal(parseStepperFromWebview(bad), undefined, JSON.stringify(bad));
  });
});
