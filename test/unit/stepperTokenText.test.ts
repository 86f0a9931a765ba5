// What the Layer Stepper shows for tokens (webview/stepper/tokenText.ts): the shared labels with
// whitespace and control characters made visible, predictions labelled after their context, and
// the tooltip lines in the stepper's own (translated) words.
import * as assert from 'node:assert/strict';
import { STEPPER_TEXT } from '../../src/shared/explanations';
import type { Token } from '../../src/shared/token';
import { labelsOf, shownPrediction, shownToken, tokenDetail, visibleToken } from '../../webview/stepper/tokenText';

// 自 = E8 87 AA cut 2 + 1, then a space and a vertical tab
const tokens: Token[] = [
  { id: 1, text: '\ufffd', start: 0, end: 1, bytes: 'E8 87' },
  { id: 2, text: '\ufffd', start: 0, end: 1, bytes: 'AA' },
  { id: 3, text: ' a\u000b', start: 1, end: 4 },
];

describe('Layer Stepper token text', () => {
  it('shows the labels with whitespace and control characters visible', () => {
    assert.deepEqual([0, 1, 2].map((j) => shownToken(tokens, j)), ['自¹⁻²⁄₃', '自³⁄₃', '␣a␋']);
    assert.equal(visibleToken('\u0000\u007f\r\n\t'), '␀␡↵⇥');
    assert.equal(labelsOf(tokens), labelsOf(tokens), 'made once per token list');
  });

  it('gives a split token’s bytes in its tooltip, in the stepper’s words', () => {
    assert.deepEqual(tokenDetail(tokens, 0, STEPPER_TEXT), ['part of 自 (U+81EA): bytes 1–2 of 3, E8 87']);
    const zh = { ...STEPPER_TEXT, partOfChar: '{0}（{1}）的一部分：第 {2} 个字节，共 {3} 个，{4}' };
    assert.deepEqual(tokenDetail(tokens, 1, zh), ['自（U+81EA）的一部分：第 3 个字节，共 3 个，AA']);
    assert.deepEqual(tokenDetail(tokens, 2, STEPPER_TEXT), []);
  });

  it('labels a prediction after the position it follows', () => {
    // after token 0 (E8 87) the byte AA finishes 自; after token 1 it begins nothing it can name
    assert.deepEqual(shownPrediction(tokens, 0, '\ufffd', 'AA', STEPPER_TEXT), { text: '自³⁄₃', detail: ['part of 自 (U+81EA): bytes 3 of 3, AA'] });
    assert.deepEqual(shownPrediction(tokens, 1, '\ufffd', 'AA', STEPPER_TEXT), { text: '‹AA›', detail: ['part of a character: AA'] });
    assert.deepEqual(shownPrediction(tokens, 1, ' the', '', STEPPER_TEXT), { text: '␣the', detail: [] });
  });
});
