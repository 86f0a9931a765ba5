// The panel's request for Explain Completion on an answer as chat: the chat prompt's tokens (the
// ids the answer was generated from) and the answer's, each placed in the document where it is
// there (the question on the selection, the answer on the inserted text), the template's tokens
// nowhere. No vscode at run time: the unit tests build it from a real completion.
import { chatExplanation } from '../analysis/chatExplain';
import type { AnalysisRequest } from '../panel/analysisRequest';
import type { CompletionRecord } from './completionController';

/** undefined for a completion that was not an answer as chat. */
export function chatAnalysisRequest(record: CompletionRecord, fileName: string, nPositions: number): AnalysisRequest | undefined {
  const asked = record.asked;
  if (!record.chat || !asked) return undefined;
  const { tokens, places, generated, template } = chatExplanation({
    prompt: asked.prompt,
    question: { content: asked.content, docStart: asked.contentStart },
    answer: record.outcome.result.tokens,
    answerDoc: { start: asked.answerStart, end: record.end },
    nPositions,
    promptKept: asked.promptKept,
  });
  return {
    uri: record.uri,
    fileName,
    // The question through the answer: what the editor follows (an edit there makes the run stale).
    start: Math.min(asked.contentStart, record.start),
    end: record.end,
    origin: 'selection',
    chat: { tokens, places, generated, template },
  };
}
