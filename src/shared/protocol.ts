// The protocol between the extension host and the attention panel's webview, carried by the shared
// channel (channel.ts). Imported by both sides: plain data only (no vscode, no tfjs, no DOM).
//
// One enum of message types split "to webview" / "from webview", one interface per message, and a
// union per direction; each message is a channel event of its type, whose body is the message.
// The requests are the matrix the webview opens, or at long T tiles of it. The webview never gets every L × H × T × T
// weight at once. Attention is pushed: after a run's AnalysisReady, the host sends its overview
// thumbnails layer by layer as the blocks run (OverviewLayers), unasked; the one full matrix the
// webview shows (a head, a layer's mean, the rollout) it asks for, and cancels when the user opens
// another first. Messages for a run that is no longer current are dropped on both sides. What each
// side accepts is checked in protocolChecks.ts.

import type { MessageEvents } from './channel';
import type { MatrixReply, MatrixRequest, MatrixTileReply, MatrixTileRequest } from './matrixRequests';
import type { CompareCancelMessage, CompareCloseMessage, CompareMapsMessage, CompareOpenMessage, CompareProgressMessage, CompareReadyMessage, CompareSelectHeadMessage, CompareStartedMessage } from './compareMessages';
import type { AttributionReadyMessage, ExportReportMessage, ExportTensorMessage, RunAttributionMessage, SaveExportMessage } from './exportMessages';
import type { HeadScoresMessage } from './headScoreMessages';
import type { AblateHeadsMessage, AblationReadyMessage, PatchCancelMessage, PatchReadyMessage, PatchTextsMessage } from './interventionMessages';
import type { PanelStrings } from './panelText';
import type { QuantizedArray } from './quantize';
import type { MatrixSource } from './matrixSource';
import type { Token } from './token';

export { LONG_T, type MatrixReply, type MatrixRequest, type MatrixTileReply, type MatrixTileRequest } from './matrixRequests';
export type { HeadScoreRow, HeadScoresMessage } from './headScoreMessages';
export type { AblateHeadsMessage, AblationReadyMessage, PatchCancelMessage, PatchReadyMessage, PatchTextsMessage } from './interventionMessages';
export type { CompareSideName, CompareStartedMessage, CompareProgressMessage, CompareSide, CompareRange, CompareGroup, CompareHeadRow, CompareReadyMessage, CompareMapsMessage, CompareOpenMessage, CompareSelectHeadMessage, CompareCancelMessage, CompareCloseMessage } from './compareMessages';
export type { ExportFormat, SaveExportMessage, ExportTensorMessage, ExportReportMessage, AttributionReadyMessage, RunAttributionMessage } from './exportMessages';

export enum PanelMessageType {
  // ---- to webview ----
  /** The translated UI strings; the answer to Ready, sent before anything else. */
  Init = 'init',
  /** The host is loading the model or running an analysis. */
  Busy = 'busy',
  /** An analysis: tokens, predictions, surprisal (or, while the LM head runs, not yet); no attention yet. */
  AnalysisReady = 'analysisReady',
  /** The predictions and surprisal of a run first sent with `predictionsPending`. */
  PredictionsReady = 'predictionsReady',
  /** Overview thumbnails of some layers of the current run, pushed as the layers are computed. */
  OverviewLayers = 'overviewLayers',
  /** The editor cursor moved onto a token of the current run. */
  SelectTokenInPanel = 'selectTokenInPanel',
  /** The analysed text changed in the editor: the analysis is stale. */
  TextChanged = 'textChanged',
  /** Something went wrong; the panel shows it with the given actions. */
  ShowError = 'showError',
  /** Display settings changed (colour scale, underlines). */
  SettingsChanged = 'settingsChanged',
  /** The head table of the current run: on its text (pushed after the overview), or on the probe (asked for). */
  HeadScores = 'headScores',
  /** Token attribution for the prediction at one position of the current run (the answer to RunAttribution). */
  AttributionReady = 'attributionReady',
  /** A comparison started: the panel opens its Compare section and shows both runs' progress. */
  CompareStarted = 'compareStarted',
  /** How far one side of the comparison has got (model loading, layers run, done, cancelled, failed). */
  CompareProgress = 'compareProgress',
  /** Both runs are done: tokens, alignment, surprisal, predictions and every head pair ranked. */
  CompareReady = 'compareReady',
  /** One head pair's maps on the compared token groups and their difference (the answer to CompareSelectHead). */
  CompareMaps = 'compareMaps',
  /** The answer to AblateHeads: the losses and predictions without and with the heads ablated. */
  AblationReady = 'ablationReady',
  /** The answer to PatchTexts: the recovered fractions (or why patching failed). */
  PatchReady = 'patchReady',

  // ---- from webview ----
  /** The webview has loaded; carries what it saved with setState (after a reload). */
  Ready = 'ready',
  /** The user selected a query token (and the matrix it looks at) in the panel. */
  SelectToken = 'selectToken',
  /** Analyse again (after a text change, a reload, or an error). */
  Rerun = 'rerun',
  /** Open the extension's settings. */
  OpenSettings = 'openSettings',
  /** Turn the surprisal underlines in the editor on or off. */
  SetSurprisalUnderlines = 'setSurprisalUnderlines',
  /** Move the editor cursor to a token and show it. */
  RevealToken = 'revealToken',
  /** A run's first overview or matrix is on screen (the host logs the time since the request). */
  Painted = 'painted',
  /** The user asked for the head table on the standard probe (the host pushes it as HeadScores). */
  RunProbe = 'runProbe',
  /** Save a view the webview exported (PNG, SVG, CSV, JSON) through VS Code's save dialog. */
  SaveExport = 'saveExport',
  /** Save an attention tensor of the run as .npy (the host has it in float32). */
  ExportTensor = 'exportTensor',
  /** Make the run's HTML report (the host asks which heads to pin, then where to save it). */
  ExportReport = 'exportReport',
  /** The user asked for the attribution of the prediction at the selected position (answered by AttributionReady). */
  RunAttribution = 'runAttribution',
  /** The user asked to compare from the panel ("Compare…"): the host asks what with, then starts. */
  CompareOpen = 'compareOpen',
  /** Show this head pair of the comparison (the host answers with CompareMaps). */
  CompareSelectHead = 'compareSelectHead',
  /** Cancel one side's run. */
  CompareCancel = 'compareCancel',
  /** The Compare section was closed: the host lets go of both runs and of the second model. */
  CompareClose = 'compareClose',
  /** Ablate the heads chosen in the Heads tab (the host answers with AblationReady). */
  AblateHeads = 'ablateHeads',
  /** Activation patching from a clean text into a corrupted one (the host answers with PatchReady). */
  PatchTexts = 'patchTexts',
  /** Stop the activation patching under way (the host answers with a cancelled PatchReady). */
  PatchCancel = 'patchCancel',
}

export type ColorScale = 'linear' | 'gamma';

export interface DisplaySettings {
  colorScale: ColorScale;
  surprisalUnderlines: boolean;
  editorHighlights: boolean;
}

export interface ModelSummary {
  name: string;
  nLayer: number;
  /** Query heads: the attention maps are theirs. */
  nHead: number;
  /**
   * Key/value heads (grouped-query attention when fewer than nHead: query head h reads K/V group
   * floor(h / (nHead / nKvHead))). Absent: one per query head.
   */
  nKvHead?: number;
  contextLength: number;
  vocabSize: number;
  numParams: number;
}

export interface Prediction {
  texts: string[];
  probs: number[];
  /** TopPredictions.bytes: each entry's bytes where its text cannot hold them (''); absent when every text does. */
  bytes?: string[];
  ids?: number[]; // TopPredictions.ids: what the panel asks to attribute (RunAttribution.target)
}

export interface ActualToken {
  /** Probability the model gave the actual token (NaN for the first token). */
  prob: number;
  /** 1-based rank of the actual token among the model's predictions (NaN for the first). */
  rank: number;
  /** −log₂ prob, in bits (NaN for the first). */
  surprisal: number;
}

/** Where the analysed text came from, for the panel's header and for re-runs after a reload. */
export interface AnalysisSource {
  uri: string;
  fileName: string;
  /** Document offsets of the analysed range. */
  startOffset: number;
  endOffset: number;
  startLine: number;
  endLine: number;
  /** 'selection' or 'paragraph' (no selection). */
  origin: 'selection' | 'paragraph';
}

/** What the webview stores with setState so a reload can bring it back. */
export interface PersistedState {
  source?: AnalysisSource;
  selected?: { source: MatrixSource; query: number };
  view?: 'matrix' | 'lines';
}

// ---------------------------------------------------------------- to webview

/** The panel's UI text in VS Code's display language (the webview cannot call vscode.l10n). */
export interface PanelInitMessage {
  type: PanelMessageType.Init;
  strings: PanelStrings;
  /** VS Code's display language (vscode.env.language), e.g. 'en' or 'zh-cn'. */
  language: string;
}

/** The host is working; `stage` says on what. */
export interface PanelBusyMessage {
  type: PanelMessageType.Busy;
  stage: 'model' | 'analysis';
  detail: string;
}

/**
 * An analysis whose attentions are ready. Attention is fetched afterwards, by runId. With
 * `predictionsPending` the LM head is still running: `predictions` and `actual` are empty and a
 * PredictionsReady for the same runId follows.
 */
export interface AnalysisReadyMessage {
  type: PanelMessageType.AnalysisReady;
  runId: number;
  model: ModelSummary;
  source: AnalysisSource;
  tokens: Token[];
  T: number;
  /** True when only the first T of `totalTokens` tokens were analysed. */
  truncated: boolean;
  totalTokens: number;
  /** True when the text was cut before tokenising because it was huge. */
  clippedChars: boolean;
  /** Top-k next tokens after each position (T entries). */
  predictions: Prediction[];
  /** Per position, how the model rated the token actually there (T entries, entry 0 NaN). */
  actual: ActualToken[];
  settings: DisplaySettings;
  /** Query to select first (the restored one after a reload, else the last token). */
  initialQuery?: number;
  /** Tokens [start, end) that the model generated (Explain Completion): marked in the token strip. */
  generated?: { start: number; end: number };
  /**
   * Indices of tokens the chat template wrote (an answer as chat, Explain Completion): they are
   * not in the document, so the token strip marks them and the editor shows them nowhere.
   */
  template?: number[];
  /** True while the predictions and surprisal are still being computed (see PredictionsReady). */
  predictionsPending?: boolean;
}

/** The second phase of run `runId`: its predictions and surprisal (T entries each). */
export interface PredictionsReadyMessage {
  type: PanelMessageType.PredictionsReady;
  runId: number;
  predictions: Prediction[];
  actual: ActualToken[];
}


/** The overview thumbnails' side in cells (the host makes it min(this, T)). */
export const OVERVIEW_SIZE = 48;

/**
 * Thumbnails [size × size] for layers [fromLayer, fromLayer + layers) × every head, layer-major.
 * After each AnalysisReady the host pushes a run's layers in order, from layer 0, each batch as
 * soon as its layers have run; the webview draws each batch as it comes and never asks.
 */
export interface OverviewLayersMessage {
  type: PanelMessageType.OverviewLayers;
  runId: number;
  nLayer: number;
  nHead: number;
  size: number;
  fromLayer: number;
  layers: number;
  /** layers × nHead thumbnails, index (layer − fromLayer) * nHead + head; each is scaled to its own max. */
  thumbs: QuantizedArray[];
}

export interface SelectTokenInPanelMessage {
  type: PanelMessageType.SelectTokenInPanel;
  runId: number;
  index: number;
}

export interface TextChangedMessage {
  type: PanelMessageType.TextChanged;
  runId: number;
}

export type ErrorAction = 'openSettings' | 'rerun';

export interface PanelShowErrorMessage {
  type: PanelMessageType.ShowError;
  message: string;
  code?: string;
  actions: ErrorAction[];
}

export interface SettingsChangedMessage {
  type: PanelMessageType.SettingsChanged;
  settings: DisplaySettings;
}

export type ToWebviewMessage =
  | PanelInitMessage
  | PanelBusyMessage
  | AnalysisReadyMessage
  | PredictionsReadyMessage
  | OverviewLayersMessage
  | SelectTokenInPanelMessage
  | TextChangedMessage
  | PanelShowErrorMessage
  | SettingsChangedMessage
  | HeadScoresMessage
  | AttributionReadyMessage
  | CompareStartedMessage
  | CompareProgressMessage
  | CompareReadyMessage
  | CompareMapsMessage
  | AblationReadyMessage
  | PatchReadyMessage;

// ---------------------------------------------------------------- from webview

export interface PanelReadyMessage {
  type: PanelMessageType.Ready;
  state?: PersistedState;
}


export interface SelectTokenMessage {
  type: PanelMessageType.SelectToken;
  runId: number;
  /** Query position. */
  index: number;
  source: MatrixSource;
}

export interface RerunMessage {
  type: PanelMessageType.Rerun;
}

export interface OpenSettingsMessage {
  type: PanelMessageType.OpenSettings;
}

export interface SetSurprisalUnderlinesMessage {
  type: PanelMessageType.SetSurprisalUnderlines;
  enabled: boolean;
}

export interface RevealTokenMessage {
  type: PanelMessageType.RevealToken;
  runId: number;
  index: number;
}

/** Sent once per run and kind, in the frame after the canvas was drawn. */
export interface PaintedMessage {
  type: PanelMessageType.Painted;
  runId: number;
  what: 'overview' | 'matrix';
  /** When it was painted, in ms since the Unix epoch by the webview's clock (performance.timeOrigin + now()). */
  at?: number;
}

/** Score the heads on the standard probe, for the panel's run `runId`. */
export interface RunProbeMessage {
  type: PanelMessageType.RunProbe;
  runId: number;
}

export type FromWebviewMessage =
  | PanelReadyMessage
  | SelectTokenMessage
  | RerunMessage
  | OpenSettingsMessage
  | SetSurprisalUnderlinesMessage
  | RevealTokenMessage
  | PaintedMessage
  | RunProbeMessage
  | SaveExportMessage
  | ExportTensorMessage
  | ExportReportMessage
  | RunAttributionMessage
  | CompareOpenMessage
  | CompareSelectHeadMessage
  | CompareCancelMessage
  | CompareCloseMessage
  | AblateHeadsMessage
  | PatchTextsMessage
  | PatchCancelMessage;

export type AnyMessage = ToWebviewMessage | FromWebviewMessage;

/** Handlers by message type (every type of one direction: see Channel.onEach). */
export type Handlers<M extends { type: PanelMessageType }> = {
  [K in M['type']]: (msg: Extract<M, { type: K }>) => void | Promise<void>;
};

/** What the webview answers and hears: the host's messages. */
export interface PanelWebviewProtocol {
  requests: Record<string, never>;
  events: MessageEvents<ToWebviewMessage>;
}

/** What the host answers and hears: the matrix the webview opens (or tiles of it), and the webview's messages. */
export interface PanelHostProtocol {
  requests: { matrix: { request: MatrixRequest; reply: MatrixReply }; matrixTile: { request: MatrixTileRequest; reply: MatrixTileReply } };
  events: MessageEvents<FromWebviewMessage>;
}
