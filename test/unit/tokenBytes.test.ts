// The bytes of split tokens as the session hands them out (src/engine/tokenBytes.ts): Token.bytes on
// the analysed tokens, also for tokens given as ids without them, and TopPredictions.bytes on the
// predictions and the logit lens, each entry the hex of the tokenizer's own bytes for that id.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { EngineSession } from '../../src/engine/session';
import { loadTokenizer } from '../../src/engine/loadTokenizer';
import type { TopPredictions } from '../../src/shared/sessionTypes';
import { labelTokens } from '../../src/shared/tokenLabels';
import { bytesField } from '../../src/shared/utf8Units';

const BUNDLED = join(__dirname, '..', '..', 'media', 'model');
const TEXT = '自注意力 attention';

describe('split tokens carry their bytes out of the session', () => {
  let s: EngineSession | undefined;
  const tokenizer = loadTokenizer(BUNDLED);
  const expectBytes = (p: TopPredictions, what: string): void => {
    const want = p.ids.map((id) => bytesField(tokenizer.tokenBytes(id)) ?? '');
    if (want.every((b) => b === '')) assert.equal(p.bytes, undefined, `${what}: no bytes when every text holds them`);
    else assert.deepEqual(p.bytes, want, what);
  };

  before(async () => {
    s = await EngineSession.load(BUNDLED);
  });
  after(() => s?.dispose());

  it('the analysed tokens and every row of predictions', async () => {
    const a = await s!.analyze(TEXT, { topK: 20 });
    const split = a.tokens.filter((t) => t.bytes !== undefined);
    assert.equal(split.length, 12, 'the bundled vocabulary cuts each of the 4 characters into 3 bytes');
    assert.deepEqual(labelTokens(a.tokens).slice(0, 3).map((l) => l.text), ['自¹⁄₃', '自²⁄₃', '自³⁄₃']);
    a.predictions.forEach((p, t) => expectBytes(p, `predictions after token ${t}`));
    assert.ok(a.predictions.some((p) => p.bytes !== undefined), 'some prediction is a byte token');
  });

  it('tokens given without their bytes get them back from their ids', async () => {
    const given = s!.tokenize(TEXT).map(({ id, text, start, end }) => ({ id, text, start, end }));
    const a = await s!.analyze(given);
    assert.deepEqual(a.tokens, s!.tokenize(TEXT));
  });

  it('the logit lens', async () => {
    const a = await s!.analyze(TEXT);
    const lens = await s!.logitLens(a.runId, 5);
    lens.top.forEach((row, layer) => row.forEach((p, t) => expectBytes(p, `lens layer ${layer} position ${t}`)));
  });
});
