// The panel's controller: holds what is shown (run, matrix source, query, view, scale), draws the
// overview layers the host pushes, asks the host for the one matrix it opens by runId (dropping
// stale replies), and keeps the components, the saved state and the editor (through SelectToken)
// in sync.
import { LONG_T, PanelMessageType, type AnalysisReadyMessage, type ColorScale, type ErrorAction, type Handlers, type PredictionsReadyMessage, type ToWebviewMessage } from '../../src/shared/protocol';
import { sourceKey, type MatrixSource } from '../../src/shared/matrixSource';
import { host, loadState, saveState, send } from './api';
import { el } from './dom';
import { ExportMenu } from './exportMenu';
import { Exporter } from './exporter';
import { AttributionView } from './attributionView';
import { AblationView } from './ablationView';
import { renderNotice, renderStatus, type StatusKind } from './statusLines';
import { HeadsTable } from './headsTable';
import { CompareView } from './compareView';
import { buildLayout, segmented, type Layout, type Segmented } from './layout';
import { Legend } from './legend';
import { LinesView } from './linesView';
import { LodMatrixView } from './lodMatrixView';
import { MatrixFetch } from './matrixFetch';
import { MatrixView } from './matrixView';
import { OverviewGrid } from './overview';
import { OverviewTabs } from './overviewTabs';
import { PaintReport } from './paintReport';
import { PatchView } from './patchView';
import { PredictionsView } from './predictions';
import { renderSrSummary } from './srSummary';
import { SurprisalStrip } from './surprisalStrip';
import { TileFetch } from './tileFetch';
import { onThemeChange, readTheme } from './theme';
import { TokenStrip } from './tokenStrip';
import { t } from './text';
import { Tooltip } from './tooltip';
import { labelTokens, type TokenLabel } from '../../src/shared/tokenLabels';

type View = 'matrix' | 'lines';

type SourceKind = MatrixSource['kind'];

export class PanelApp {
  private theme = readTheme();
  private readonly ui: Layout;
  private readonly tooltip = new Tooltip();
  private readonly tokens: TokenStrip;
  private readonly surprisal: SurprisalStrip;
  private readonly overview: OverviewGrid;
  private readonly heads: HeadsTable;
  private readonly attribution = new AttributionView({ runId: () => (this.stale ? undefined : this.run?.runId), query: () => this.query, labels: () => this.labels });
  private readonly ablation = new AblationView((i) => this.selectQuery(i));
  private readonly patching = new PatchView();
  private readonly matrix: MatrixView;
  /** The matrix view at long T (T ≥ LONG_T): an overview and a zoomed window, drawn from tiles. */
  private readonly lod: LodMatrixView;
  private readonly lines: LinesView;
  private readonly legend = new Legend();
  private readonly predictions = new PredictionsView({ choices: (q, c) => this.attribution.setChoices(q, c), pick: (rank) => this.attribution.pick(rank) });
  private readonly compare = new CompareView();
  private readonly viewToggle: Segmented<View>;
  private readonly scaleToggle: Segmented<ColorScale>;
  private readonly sourceToggle: Segmented<SourceKind>;
  private readonly underlineButton: HTMLButtonElement;
  /** What the Export menu saves: the views as shown now. */
  private readonly exporter = new Exporter(() => ({ run: this.run, labels: this.labels, source: this.source, sourceLabel: sourceText(this.source), values: this.matrices.get(this.source), query: this.query, view: this.view, gamma: this.scale === 'gamma', theme: this.theme }));

  private run: AnalysisReadyMessage | undefined;
  /** What each token of the run shows (labelTokens): part of a character as that character, marked. */
  private labels: TokenLabel[] = [];
  private readonly paint = new PaintReport();
  private stale = false;
  private source: MatrixSource = { kind: 'head', layer: 0, head: 0 };
  private lastHead = { layer: 0, head: 0 };
  private query = 0;
  private view: View = 'matrix';
  private scale: ColorScale = 'linear';
  private underlines = false;
  private readonly matrices = new MatrixFetch((key) => {
    if (key !== sourceKey(this.source)) return;
    this.showMatrix();
    this.paint.report(this.run?.runId, 'matrix');
  });
  private readonly tiles = new TileFetch((slot) => (slot === 'row' ? this.schedule() : this.lod.tileArrived()));
  /** The run is long: the panel asks for tiles (the query's row, the view's window), never a whole matrix. */
  private long = false;
  private frame = 0;

  constructor(root: HTMLElement) {
    this.ui = buildLayout(root);
    const detail = {
      selectQuery: (i: number) => this.selectQuery(i),
      activate: (i: number) => this.reveal(i),
      escape: () => this.overview.focus(),
    };
    this.tokens = new TokenStrip({ select: (i) => this.selectQuery(i), activate: (i) => this.reveal(i), escape: () => this.overview.focus() });
    this.surprisal = new SurprisalStrip(this.tooltip, (i) => this.selectQuery(i));
    this.overview = new OverviewGrid({ open: (s, focus) => this.setSource(s, focus) }, this.tooltip);
    this.matrix = new MatrixView(detail, this.tooltip);
    this.lod = new LodMatrixView(detail, this.tooltip, this.tiles, () => this.paint.report(this.run?.runId, 'matrix'));
    this.lines = new LinesView(detail, this.tooltip);
    this.ui.tokensCard.append(this.tokens.node, this.surprisal.node);
    this.heads = new HeadsTable({
      open: (layer, head) => this.setSource({ kind: 'head', layer, head }),
      probe: () => this.run && send({ type: PanelMessageType.RunProbe, runId: this.run.runId }),
      shown: (rows) => {
        this.overview.setBadges(rows);
        this.exporter.setHeadRows(rows);
      },
      chosen: (heads) => this.ablation.setChosen(heads),
    });
    this.ui.overviewCard.append(new OverviewTabs([this.overview.node, this.overview.badges.legend], el('div', {}, this.heads.node, this.ablation.node, this.patching.node), () => this.schedule()).node);
    this.ui.detailBody.append(this.matrix.node, this.lod.node, this.lines.node, this.legend.node);
    this.ui.predictionsCard.append(this.predictions.node, this.attribution.node);

    this.viewToggle = segmented<View>(t('view'), [{ value: 'matrix', text: t('viewMatrix') }, { value: 'lines', text: t('viewLines') }], (v) => this.setView(v));
    this.scaleToggle = segmented<ColorScale>(
      t('colourScale'),
      [
        { value: 'linear', text: t('scaleLinear'), title: t('scaleLinearTitle') },
        { value: 'gamma', text: t('scaleGamma'), title: t('scaleGammaTitle') },
      ],
      (v) => this.setScale(v),
    );
    this.sourceToggle = segmented<SourceKind>(
      t('matrix'),
      [
        { value: 'head', text: t('sourceHead'), title: t('sourceHeadTitle') },
        { value: 'layerMean', text: t('sourceLayerMean'), title: t('sourceLayerMeanTitle') },
        { value: 'rollout', text: t('sourceRollout'), title: t('sourceRolloutTitle') },
      ],
      (k) => this.setSource(k === 'head' ? { kind: 'head', ...this.lastHead } : { kind: k, layer: this.source.layer }),
    );
    this.underlineButton = el('button', { type: 'button', class: 'toggle', 'aria-pressed': 'false', title: t('underlinesTitle'), text: t('underlines') });
    this.underlineButton.addEventListener('click', () => send({ type: PanelMessageType.SetSurprisalUnderlines, enabled: !this.underlines }));
    this.ui.toolbar.append(this.viewToggle.node, this.scaleToggle.node, this.underlineButton, new ExportMenu(this.exporter).node);
    this.ui.detailHead.append(this.sourceToggle.node);
    this.compare.mount(this.ui);

    const saved = loadState();
    if (saved?.view) this.view = saved.view;
    if (saved?.selected) {
      this.source = saved.selected.source;
      this.query = saved.selected.query;
    }
    this.syncControls();
    onThemeChange(() => {
      this.theme = readTheme();
      this.schedule();
    });
    new ResizeObserver(() => this.schedule()).observe(this.ui.content);
    host.onEach(this.handlers);
    this.setStatus(t('waiting'), 'busy');
  }

  private readonly handlers: Handlers<ToWebviewMessage> = {
    [PanelMessageType.Init]: () => undefined, // main.ts builds the app from it
    ...this.compare.handlers,
    [PanelMessageType.Busy]: (m) => this.setStatus(m.detail, 'busy'),
    [PanelMessageType.AnalysisReady]: (m) => this.onAnalysis(m),
    [PanelMessageType.PredictionsReady]: (m) => this.onPredictions(m),
    [PanelMessageType.OverviewLayers]: (m) => {
      if (m.runId !== this.run?.runId) return; // an older run: dropped
      performance.mark('al:overview-layers');
      this.overview.setThumbs(m);
      this.overview.draw(this.theme, this.scale, m.fromLayer, m.fromLayer + m.layers);
      this.paint.report(this.run?.runId, 'overview');
    },
    [PanelMessageType.SelectTokenInPanel]: (m) => {
      if (m.runId === this.run?.runId) this.selectQuery(m.index, true);
    },
    [PanelMessageType.TextChanged]: (m) => {
      if (m.runId !== this.run?.runId) return;
      this.stale = true;
      this.ui.content.classList.add('stale');
      this.showNotice();
    },
    [PanelMessageType.ShowError]: (m) => this.setStatus(m.message, 'error', m.actions),
    [PanelMessageType.SettingsChanged]: (m) => {
      this.underlines = m.settings.surprisalUnderlines;
      this.syncControls();
    },
    [PanelMessageType.HeadScores]: (m) => {
      if (m.runId === this.run?.runId) this.heads.set(m); // an older run's: dropped
    },
    [PanelMessageType.AttributionReady]: (m) => {
      if (m.runId === this.run?.runId) this.attribution.set(m);
    },
    [PanelMessageType.AblationReady]: (m) => this.ablation.show(m),
    [PanelMessageType.PatchReady]: (m) => this.patching.show(m),
  };

  private onAnalysis(m: AnalysisReadyMessage): void {
    performance.mark('al:analysis');
    const fresh = m.runId !== this.run?.runId;
    this.run = m;
    this.stale = false;
    this.ui.content.classList.remove('stale');
    this.setStatus('', 'none');
    this.underlines = m.settings.surprisalUnderlines;
    if (fresh) {
      this.matrices.setRun(m.runId);
      this.attribution.reset();
      this.tiles.setRun(m.runId);
      this.paint.reset();
      if (this.scale === 'linear' && m.settings.colorScale === 'gamma') this.scale = 'gamma';
    }
    const { nLayer, nHead } = m.model;
    const s = this.source;
    if (s.layer >= nLayer || (s.kind === 'head' && s.head >= nHead)) this.source = { kind: 'head', layer: 0, head: 0 };
    if (this.source.kind === 'head') this.lastHead = { layer: this.source.layer, head: this.source.head };
    this.long = m.T >= LONG_T;
    // Ask first, then build: the reply's round trip overlaps the building and drawing below (the
    // overview's layers are on their way already: the host pushes them after this message).
    if (!this.long) this.matrices.want(this.source);
    this.query = Math.max(0, Math.min(m.initialQuery ?? m.T - 1, m.T - 1));
    this.ui.title.textContent = t('titleWithModel', m.model.name);
    const lines = m.source.startLine === m.source.endLine ? t('metaLine', m.source.startLine + 1) : t('metaLines', m.source.startLine + 1, m.source.endLine + 1);
    const origin = t(m.source.origin === 'selection' ? 'originSelection' : 'originParagraph');
    const meta = t('meta', m.source.fileName, lines, origin, m.T, nLayer, nHead, formatParams(m.model.numParams));
    const kv = m.model.nKvHead;
    this.ui.meta.textContent = kv !== undefined && kv < nHead ? `${meta} · ${t('metaKvGroups', nHead, kv)}` : meta;
    this.ui.content.hidden = false;
    this.labels = labelTokens(m.tokens);
    this.tokens.render(m.tokens, this.labels, m.generated, m.template);
    this.surprisal.set(this.labels, m.actual);
    this.markPredictionsPending(m.predictionsPending === true);
    this.overview.build(nLayer, nHead, this.ui.overviewCard.clientWidth || 360, m.model.nKvHead);
    this.ablation.reset(m.runId, nLayer, nHead, this.labels);
    this.patching.reset(m.runId, m.tokens.map((x) => x.text).join(''));
    this.heads.reset(nHead, m.model.nKvHead); // the host pushes the run's table after its overview
    this.heads.setOpen(this.source.layer, this.source.kind === 'head' ? this.source.head : undefined);
    this.overview.setSelected(this.source);
    this.showNotice();
    this.syncControls();
    this.showMatrix();
    this.selectQuery(this.query, false, true);
    this.drawAll();
  }

  /** The second phase of the current run: predictions and surprisal fill in what is shown. */
  private onPredictions(m: PredictionsReadyMessage): void {
    const run = this.run;
    if (!run || m.runId !== run.runId || m.predictions.length !== run.T) return; // an older run: dropped
    // JSON turns the first token's NaN into null.
    const actual = m.actual.map((a) => ({ prob: a.prob ?? NaN, rank: a.rank ?? NaN, surprisal: a.surprisal ?? NaN }));
    this.run = { ...run, predictions: m.predictions, actual, predictionsPending: false };
    this.surprisal.set(this.labels, actual);
    this.markPredictionsPending(false);
    this.predictions.render(run.tokens, this.labels, m.predictions, actual, this.query);
    this.surprisal.draw(this.theme);
  }

  private markPredictionsPending(pending: boolean): void {
    this.ui.predictionsCard.setAttribute('aria-busy', String(pending));
    this.surprisal.node.setAttribute('aria-busy', String(pending));
  }

  /** Shows the current source's matrix, asking the host for it if it is not here yet. */
  private showMatrix(): void {
    const run = this.run;
    if (!run) return;
    const values = this.long ? undefined : this.matrices.get(this.source);
    const label = sourceText(this.source);
    this.ui.detailTitle.textContent = label;
    if (this.long) this.lod.set(this.labels, this.source, label);
    else this.matrix.set(this.labels, values, label);
    this.lines.set(this.labels, (q) => this.rowOf(q), label);
    if (!this.long) this.matrices.want(this.source);
    this.ui.detailCard.classList.toggle('loading', !this.long && !values);
    this.updateQueryViews();
  }

  private setSource(s: MatrixSource, focusDetail = false): void {
    this.source = s;
    if (s.kind === 'head') this.lastHead = { layer: s.layer, head: s.head };
    this.overview.setSelected(s);
    this.heads.setOpen(s.layer, s.kind === 'head' ? s.head : undefined);
    this.syncControls();
    this.showMatrix();
    this.notifyHost();
    this.persist();
    if (focusDetail) (this.view === 'lines' ? this.lines.canvas : this.long ? this.lod.canvas : this.matrix.canvas).focus();
  }

  private selectQuery(i: number, fromEditor = false, force = false): void {
    const run = this.run;
    if (!run) return;
    const q = Math.max(0, Math.min(i, run.T - 1));
    if (q === this.query && !force && !fromEditor) return;
    this.query = q;
    this.tokens.setSelected(q);
    this.matrix.setQuery(q);
    if (this.long) this.lod.setQuery(q);
    this.lines.setQuery(q);
    this.surprisal.setSelected(q);
    this.ablation.setQuery(q);
    this.predictions.render(run.tokens, this.labels, run.predictions, run.actual, q);
    this.updateQueryViews();
    if (!fromEditor) this.notifyHost();
    this.persist();
  }

  /** Token tints and the screen-reader list for the selected query. */
  private updateQueryViews(): void {
    const run = this.run;
    if (!run) return;
    const row = this.rowOf(this.query);
    this.tokens.setWeights(row, this.query, this.theme, this.scale);
    renderSrSummary(this.ui.srSummary, this.labels, this.query, row, sourceText(this.source));
  }

  /** Row `q` of the shown matrix: from the whole matrix, or at long T its own tile (asked for when not here). */
  private rowOf(q: number): Float32Array | undefined {
    const T = this.run?.T ?? 0;
    if (!this.long) return this.matrices.get(this.source)?.subarray(q * T, q * T + T);
    const rect = { row0: q, row1: q + 1, col0: 0, col1: T, stride: 1 };
    const tile = this.tiles.get('row', this.source, rect);
    if (!tile) this.tiles.want('row', this.source, rect);
    return tile?.values;
  }

  private notifyHost(): void {
    if (this.run && !this.stale) send({ type: PanelMessageType.SelectToken, runId: this.run.runId, index: this.query, source: this.source });
  }

  private reveal(i: number): void {
    if (this.run) send({ type: PanelMessageType.RevealToken, runId: this.run.runId, index: i });
  }

  private setView(v: View): void {
    this.view = v;
    this.syncControls();
    this.persist();
    this.schedule();
  }

  private setScale(s: ColorScale): void {
    this.scale = s;
    this.syncControls();
    this.updateQueryViews();
    this.schedule();
  }

  private syncControls(): void {
    this.viewToggle.set(this.view);
    this.scaleToggle.set(this.scale);
    this.sourceToggle.set(this.source.kind);
    this.underlineButton.setAttribute('aria-pressed', String(this.underlines));
    this.matrix.node.hidden = this.view !== 'matrix' || this.long;
    this.lod.node.hidden = this.view !== 'matrix' || !this.long;
    this.lines.node.hidden = this.view !== 'lines';
  }

  private showNotice(): void {
    renderNotice(this.ui.notice, this.run, this.stale);
  }

  private setStatus(text: string, kind: StatusKind, actions: ErrorAction[] = []): void {
    renderStatus(this.ui.status, text, kind, actions);
  }

  private persist(): void {
    saveState({ source: this.run?.source, selected: { source: this.source, query: this.query }, view: this.view });
  }

  private schedule(): void {
    cancelAnimationFrame(this.frame);
    this.frame = requestAnimationFrame(() => this.drawAll());
  }

  private drawAll(): void {
    if (!this.run) return;
    const w = Math.max(200, this.ui.detailBody.clientWidth);
    this.overview.draw(this.theme, this.scale);
    if (this.view === 'matrix' && this.long) this.lod.draw(this.theme, this.scale, w);
    else if (this.view === 'matrix') this.matrix.draw(this.theme, this.scale, w);
    else this.lines.draw(this.theme, this.scale, w);
    this.legend.draw(this.theme, this.scale, w);
    this.surprisal.draw(this.theme);
    this.updateQueryViews();
  }
}

/** The translated label of a matrix source, e.g. "Layer 3 · Head 7". */
function sourceText(s: MatrixSource): string {
  if (s.kind === 'head') return t('labelHead', s.layer, s.head);
  return s.kind === 'layerMean' ? t('labelLayerMean', s.layer) : t('labelRollout', s.layer);
}

function formatParams(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)}K`;
  return String(n);
}
