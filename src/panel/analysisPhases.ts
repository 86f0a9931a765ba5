// The two phases of one panel analysis: first the tokens and each layer's attention as the blocks
// run (the panel shows them at once), then the predictions and surprisal once the LM head is done.
// Also the document side (the checked text of the request) and the AnalysisReady the webview gets.
import * as vscode from 'vscode';
import { rangeLabel, type InputCheck } from '../analysis/inputText';
import { tokenRangeOf } from '../analysis/promptWindow';
import type { EarlyAttentions, EngineClient } from '../engine/client';
import type { LayerStream } from '../engine/layerStream';
import type { AnalysisSummary, AttentionSummary } from '../shared/sessionTypes';
import type { Token } from '../shared/token';
import { readSpan } from '../host/editorInput';
import type { ModelManager } from '../host/modelManager';
import { displaySettings, type Settings } from '../host/settings';
import { OVERVIEW_SIZE, PanelMessageType, type AnalysisReadyMessage, type AnalysisSource, type ModelSummary } from '../shared/protocol';
import type { AnalysisRequest } from './analysisRequest';
import type { DecorationSync } from './decorationSync';
import type { PanelAnalysis, PanelDeps } from './panelDeps';

/** The request read from its document. */
export interface PanelInput {
  doc: vscode.TextDocument;
  /** The document's version when read (an edit during the run makes the result stale). */
  version: number;
  start: number;
  end: number;
  checked: InputCheck;
  source: AnalysisSource;
}

export async function readRequest(req: AnalysisRequest): Promise<PanelInput> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(req.uri));
  const {
    span: { start, end },
    checked,
  } = readSpan(doc, req);
  const source = { uri: req.uri, fileName: req.fileName, startOffset: start, endOffset: end, startLine: doc.positionAt(start).line, endLine: doc.positionAt(end).line, origin: req.origin };
  return { doc, version: doc.version, start, end, checked, source };
}

/** What the panel does with each phase. */
export interface PhaseTarget {
  /** False once a newer analysis started (or the panel closed): later phases are dropped. */
  isCurrent(): boolean;
  /** Makes `first` the panel's run and sends it; without `full`, its predictions follow (fillPredictions). */
  show(client: EngineClient, first: AttentionSummary, layers?: LayerStream, full?: AnalysisSummary): AnalysisReadyMessage;
  /** The second phase of the run `shown`; false when the panel no longer shows it (then it is shown whole). */
  fillPredictions(shown: AnalysisReadyMessage, summary: AnalysisSummary): boolean;
}

/**
 * Runs the analysis of `text` on the loaded model (`client`, which withModel may replace by a
 * reloaded one); undefined when a newer analysis took over (this one's run is released).
 */
export async function runPhases(
  models: ModelManager,
  loaded: EngineClient,
  /** The checked text, or the tokens of a chat run (analysed as they are). */
  text: string | Token[],
  topK: number,
  signal: AbortSignal,
  target: PhaseTarget,
): Promise<{ summary: AnalysisSummary; client: EngineClient } | undefined> {
  let client = loaded;
  /** The AnalysisReady of a run whose first phase (attentions, no predictions) is shown. */
  let shown: AnalysisReadyMessage | undefined;
  // First phase: the tokens at once, each layer's heatmaps as soon as that layer has run (the
  // LM head follows the last layer).
  const onAttentions = (early: EarlyAttentions): void => {
    if (target.isCurrent()) shown = target.show(client, early.summary, early.layers);
  };
  const summary = await models.withModel('Analysing', ({ client: c }) => {
    client = c;
    // thumbSize: a run past the memory budget (attention on demand) pools the overview in the engine
    return c.analyze(text, { truncate: true, topK, thumbSize: OVERVIEW_SIZE }, signal, onAttentions);
  });
  if (!target.isCurrent()) {
    void client.release(summary.runId).catch(() => undefined);
    return undefined;
  }
  // Second phase: fill in the predictions and surprisal of the run already shown.
  if (!shown || !target.fillPredictions(shown, summary)) target.show(client, summary, undefined, summary);
  return { summary, client };
}

export function modelSummary(info: Awaited<ReturnType<ModelManager['ensureLoaded']>>['info']): ModelSummary {
  const { nLayer, nHead, nKvHead } = info.config;
  return { name: info.name, nLayer, nHead, nKvHead, contextLength: info.contextLength, vocabSize: info.vocabSize, numParams: info.numParams };
}

/** The AnalysisReady of `first`: without `full`, predictions pending. `query`: the one selected before, if any. */
export function analysisReady(
  req: AnalysisRequest,
  input: PanelInput,
  model: ModelSummary,
  settings: Settings,
  first: AttentionSummary,
  query: number | undefined,
  full?: AnalysisSummary,
): AnalysisReadyMessage {
  const generated = req.chat
    ? req.chat.generated
    : req.marked
      ? tokenRangeOf(first.tokens, req.marked.start - input.start, req.marked.end - input.start)
      : undefined;
  const initialQuery = generated ? generated.start : query !== undefined && query < first.T ? query : first.T - 1;
  return {
    type: PanelMessageType.AnalysisReady,
    runId: first.runId,
    model,
    source: input.source,
    tokens: first.tokens,
    T: first.T,
    truncated: first.truncated,
    totalTokens: first.totalTokens,
    clippedChars: input.checked.ok && input.checked.clippedChars,
    predictions: full ? full.predictions.map((p) => ({ texts: p.texts, probs: p.probs, ids: p.ids, ...(p.bytes ? { bytes: p.bytes } : {}) })) : [],
    actual: full ? full.actual : [],
    settings: displaySettings(settings),
    initialQuery,
    generated,
    ...(req.chat && req.chat.template.length > 0 ? { template: req.chat.template } : {}),
    ...(full ? {} : { predictionsPending: true }),
  };
}

/** After both phases: logs the run, puts it on the editor's text, and says what other views may follow. */
export function finishRun(
  deps: PanelDeps,
  sync: DecorationSync,
  req: AnalysisRequest,
  input: PanelInput,
  /** The length of the text analysed (after checkInput). */
  analysedChars: number,
  { summary, client }: { summary: AnalysisSummary; client: EngineClient },
): PanelAnalysis {
  const { start, end } = input;
  const textLength = summary.truncated ? summary.tokens[summary.T - 1].end : analysedChars;
  const chat = req.chat ? ` as chat (the prompt through the chat template, ${req.chat.template.length} template tokens, then the answer)` : '';
  deps.models.output.info(`Run ${summary.runId}: ${summary.T} tokens${summary.truncated ? ` of ${summary.totalTokens}` : ''} from ${req.fileName} [${start}, ${end})${chat}`);
  // A chat run's tokens are not offsets into the document: each has its place there, or none.
  const places = req.chat?.places.map((p) => p && { start: p.start - start, end: p.end - start });
  sync.setRun({
    runId: summary.runId,
    uri: input.doc.uri,
    base: start,
    length: textLength,
    requestedLength: end - start,
    tokens: summary.tokens,
    actual: summary.actual,
    ...(places ? { places } : {}),
  });
  const label = rangeLabel(req.fileName, input.source.startLine, input.source.endLine);
  return { summary, source: { uri: req.uri, base: start, length: textLength, label }, retain: () => deps.runs.hold(client, summary.runId) };
}
