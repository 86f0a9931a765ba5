// Explain Completion on an answer as chat, without VS Code: the chat prompt's ids and the answer's
// placed in the document (the question on the selection, the answer on the inserted text, the
// template's tokens nowhere), the panel's request built from a real completion on tiny-qwen2 (a
// ChatML template), and the engine analysing exactly those ids: its greedy predictions over the
// run are the answer it generated.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { chatExplanation, placedIndexAt, questionAt } from '../../src/analysis/chatExplain';
import { keptPromptTokens } from '../../src/analysis/promptWindow';
import { EngineSession } from '../../src/engine/session';
import { answerSeparator, chatMessages, contentOffset } from '../../src/host/chatCompletion';
import { chatAnalysisRequest } from '../../src/host/chatExplainRequest';
import type { CompletionRecord } from '../../src/host/completionController';
import type { Token } from '../../src/shared/token';

const QWEN = join(__dirname, '..', 'fixtures', 'tiny-qwen2');

/** Tokens of `text` cut at the given boundaries, with made-up ids. */
function cut(text: string, ...at: number[]): Token[] {
  const edges = [0, ...at, text.length];
  return edges.slice(1).map((end, i) => ({ id: 100 + i, text: text.slice(edges[i], end), start: edges[i], end }));
}

describe('Explain Completion on an answer as chat: the mapping', () => {
  // `<|im_start|>user\na<|im_end|>\n<|im_start|>assistant\n` as a template writes it
  const text = '<|im_start|>user\na<|im_end|>\n<|im_start|>assistant\n';
  const prompt = { text, tokens: cut(text, 12, 16, 17, 18, 28, 29, 41, 50) };

  it('finds the question where the template wrote it, not inside a word of the template', () => {
    assert.equal(questionAt(prompt, 'a'), 17); // not the "a" of "assistant"
    assert.equal(questionAt(prompt, 'assistant'), 41);
    assert.equal(questionAt(prompt, 'not there'), -1);
    // No occurrence on token boundaries: the last one still places what it covers.
    assert.equal(questionAt({ text: 'xabx abx', tokens: cut('xabx abx', 8) }, 'ab'), 5);
  });

  it('places the question on the selection and the answer on the inserted text; template tokens nowhere', () => {
    // The document: "Q: a\n\nBe" with the question's "a" at 3, the answer "Be" at 6.
    const answer = [
      { id: 7, text: 'B', delta: 'B' },
      { id: 8, text: 'e', delta: 'e' },
    ];
    const ex = chatExplanation({ prompt, question: { content: 'a', docStart: 3 }, answer, answerDoc: { start: 6, end: 8 }, nPositions: 64 });
    assert.deepEqual(
      ex.tokens.map((t) => t.id),
      [...prompt.tokens.map((t) => t.id), 7, 8],
    );
    assert.deepEqual(ex.generated, { start: 9, end: 11 });
    assert.deepEqual(ex.places, [null, null, null, { start: 3, end: 4 }, null, null, null, null, null, { start: 6, end: 7 }, { start: 7, end: 8 }]);
    assert.deepEqual(ex.template, [0, 1, 2, 4, 5, 6, 7, 8]);
    // The answer's tokens continue the prompt's offsets.
    assert.deepEqual(ex.tokens.slice(9).map((t) => [t.start, t.end]), [
      [51, 52],
      [52, 53],
    ]);
    assert.equal(ex.dropped, 0);
  });

  it('an answer cut short in the document (a held-back stop string) leaves its last tokens unplaced', () => {
    const answer = [
      { id: 7, text: 'Be', delta: 'Be' },
      { id: 8, text: ' END', delta: ' END' },
    ];
    const ex = chatExplanation({ prompt, question: { content: 'a', docStart: 3 }, answer, answerDoc: { start: 6, end: 8 }, nPositions: 64 });
    assert.deepEqual(ex.places.slice(9), [{ start: 6, end: 8 }, null]);
    assert.deepEqual(ex.generated, { start: 9, end: 11 }); // still generated, not template
    assert.ok(!ex.template.includes(10));
  });

  it('keeps the last nPositions tokens: the answer whole, the prompt cut at its start', () => {
    const answer = [{ id: 7, text: 'B', delta: 'B' }];
    const ex = chatExplanation({ prompt, question: { content: 'a', docStart: 3 }, answer, answerDoc: { start: 6, end: 7 }, nPositions: 5 });
    assert.equal(ex.dropped, 5);
    assert.deepEqual(
      ex.tokens.map((t) => t.id),
      [105, 106, 107, 108, 7],
    );
    assert.deepEqual(ex.generated, { start: 4, end: 5 });
    assert.deepEqual(ex.template, [0, 1, 2, 3]);
  });

  it('the cursor finds the placed token under it and skips the template', () => {
    const places = [null, { start: 0, end: 3 }, null, { start: 5, end: 7 }, { start: 7, end: 9 }];
    assert.equal(placedIndexAt(places, 0), 1);
    assert.equal(placedIndexAt(places, 2), 1);
    assert.equal(placedIndexAt(places, 4), -1); // the separator between question and answer
    assert.equal(placedIndexAt(places, 7), 4);
    assert.equal(placedIndexAt(places, 9), 4); // after the last character
    assert.equal(placedIndexAt(places, 10), -1);
    assert.equal(placedIndexAt([null, null], 0), -1);
  });

  it('the content starts after the selection’s leading blank space, or where it was clipped', () => {
    const sel = '\n  Why is the sky blue?\n\n';
    const [{ content }] = chatMessages(sel, 100);
    assert.equal(sel.slice(contentOffset(sel, content), contentOffset(sel, content) + content.length), content);
    const long = 'Some context. The question?  ';
    const [{ content: clipped }] = chatMessages(long, 13);
    assert.equal(contentOffset(long, clipped), 14);
  });
});

describe('Explain Completion on an answer as chat: the request, on tiny-qwen2', function () {
  this.timeout(120_000);
  let session: EngineSession;
  before(async () => {
    session = await EngineSession.load(QWEN);
  });
  after(() => session?.dispose());

  /** A completion as the controller records it: the question selected in `doc`, the answer inserted after it. */
  async function answered(
    before: string,
    selection: string,
    maxNewTokens = 12,
  ): Promise<{ record: CompletionRecord; doc: string; prompt: ReturnType<EngineSession['chatPrompt']> }> {
    const messages = chatMessages(selection, 4096);
    const prompt = session.chatPrompt(messages);
    const result = await session.generate(prompt.ids, { maxNewTokens, temperature: 0, stopAtEos: false });
    const separator = answerSeparator(selection);
    const answerText = result.tokens.map((t) => t.delta).join('');
    const start = before.length + selection.length;
    const doc = before + selection + separator + answerText;
    const record: CompletionRecord = {
      uri: 'file:///q.txt',
      start,
      end: doc.length,
      text: separator + answerText,
      version: 3,
      outcome: { result, stats: { tokens: result.ids.length, firstTokenMs: 1, totalMs: 2, tokensPerSecond: undefined }, promptChars: prompt.text.length, streamed: answerText },
      chat: true,
      asked: {
        prompt,
        content: messages[0].content,
        contentStart: before.length + contentOffset(selection, messages[0].content),
        answerStart: start + separator.length,
        promptKept: keptPromptTokens(prompt.ids.length, maxNewTokens, session.contextLength),
      },
    };
    return { record, doc, prompt };
  }

  it('analyses the chat prompt ids, then the answer ids, the answer marked as generated', async () => {
    const { record, doc, prompt } = await answered('Notes.\n', '  What is the capital of France?\n');
    const req = chatAnalysisRequest(record, 'q.txt', session.contextLength);
    assert.ok(req?.chat);
    const { tokens, places, generated, template } = req.chat;
    const answerIds = record.outcome.result.ids;
    assert.deepEqual(
      tokens.map((t) => t.id),
      [...prompt.ids, ...answerIds],
    );
    assert.deepEqual(generated, { start: prompt.ids.length, end: prompt.ids.length + answerIds.length });
    assert.deepEqual([req.start, req.end], [record.asked?.contentStart, doc.length]);

    // The question's tokens spell the question on the selection; the answer's, the answer.
    const at = (i: number): string => (places[i] ? doc.slice(places[i].start, places[i].end) : '');
    const question = tokens.map((_, i) => i).filter((i) => i < generated.start && places[i]);
    assert.equal(question.map(at).join(''), 'What is the capital of France?');
    assert.equal(tokens.slice(generated.start).map((_, k) => at(generated.start + k)).join(''), doc.slice(record.asked?.answerStart));

    // The template's tokens: its special tokens and its words, none of them in the document.
    const im = session.tokenizer.encodeIds('<|im_start|><|im_end|>', { addSpecialTokens: false });
    const templateIds = new Set(template.map((i) => tokens[i].id));
    for (const id of im) assert.ok(templateIds.has(id), `special token ${id} is a template token`);
    assert.ok(template.every((i) => places[i] === null && i < generated.start));
    assert.equal(template.length + question.length, generated.start);
    const templateText = template.map((i) => tokens[i].text).join('');
    assert.match(templateText, /<\|im_start\|>system\nYou are Qwen.*<\|im_start\|>user\n<\|im_end\|>\n<\|im_start\|>assistant\n$/s);
  });

  it('the engine analyses those ids as they are: its greedy predictions are the answer', async () => {
    const { record } = await answered('', 'Why is the sky blue?');
    const req = chatAnalysisRequest(record, 'q.txt', session.contextLength);
    assert.ok(req?.chat);
    const summary = await session.analyze(req.chat.tokens, { topK: 1 });
    assert.deepEqual(summary.tokens, req.chat.tokens);
    const { start, end } = req.chat.generated;
    const predicted = summary.predictions.slice(start - 1, end - 1).map((p) => p.ids[0]);
    assert.deepEqual(predicted, record.outcome.result.ids);
    session.release(summary.runId);
  });

  it('a prompt the generation cut to fit its context: the run starts where the generation read from', async () => {
    const long = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ') + '?';
    const { record, prompt } = await answered('', long, 40);
    const kept = record.asked?.promptKept ?? 0;
    assert.ok(prompt.ids.length + 40 > session.contextLength && kept < prompt.ids.length, `the prompt (${prompt.ids.length} tokens) was cut to ${kept}`);
    const req = chatAnalysisRequest(record, 'q.txt', session.contextLength);
    assert.ok(req?.chat);
    assert.deepEqual(
      req.chat.tokens.map((t) => t.id),
      [...prompt.ids.slice(-kept), ...record.outcome.result.ids],
    );
    // The template's system turn was cut away: the run starts inside the question.
    assert.ok(req.chat.places[0] !== null, 'the first token of the run is a question token');
    const summary = await session.analyze(req.chat.tokens, { topK: 1 });
    const { start, end } = req.chat.generated;
    assert.deepEqual(
      summary.predictions.slice(start - 1, end - 1).map((p) => p.ids[0]),
      record.outcome.result.ids,
    );
    session.release(summary.runId);
  });

  it('keptPromptTokens: the whole prompt while it leaves room for maxNewTokens, else its last tokens', () => {
    assert.equal(keptPromptTokens(100, 48, 256), 100);
    assert.equal(keptPromptTokens(208, 48, 256), 208);
    assert.equal(keptPromptTokens(209, 48, 256), 208);
    assert.equal(keptPromptTokens(300, 300, 256), 1);
    assert.equal(keptPromptTokens(0, 300, 256), 0);
  });

  it('a completion that was not an answer as chat builds no chat request; bad ids are refused', async () => {
    const { record } = await answered('', 'Hi?');
    assert.equal(chatAnalysisRequest({ ...record, chat: undefined }, 'q.txt', 64), undefined);
    const bad = [{ id: session.info.config.vocabSize, text: 'x', start: 0, end: 1 }];
    await assert.rejects(session.analyze(bad), /token id/);
    await assert.rejects(session.analyze([]), /no tokens/);
  });
});
