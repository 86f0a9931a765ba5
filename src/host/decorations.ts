// Attention on the text itself: background decorations on the analysed range whose opacity
// follows the weight the selected query gives each token, an outline on the query token, GLTR
// surprisal underlines, cursor → token sync, and detection of edits under the analysis. Updates
// are batched (decorationBatch.ts): one per frame, only the kinds that changed; the underlines of a
// run are made once and kept until the run, its place or the setting changes.
import * as vscode from 'vscode';
import { placedIndexAt } from '../analysis/chatExplain';
import { surprisalBucket, type SurprisalBucket } from '../analysis/gltr';
import { adjustSpanForEdits, editTouchesSpan, tokenIndexAtOffset, type Span } from '../analysis/tokenMapping';
import type { ActualToken } from '../shared/protocol';
import { attentionLevels, DecorationBatch } from './decorationBatch';
import { documentColumn } from './editorColumns';
import type { Token } from '../shared/token';
import { labelAt } from '../shared/tokenLabels';

/** Opacity levels of the attention background; weights are binned relative to the row's max. */
const LEVELS = 8;
const MIN_SHOWN = 0.04;

const BUCKET_COLORS: Record<SurprisalBucket, string> = {
  top10: '#3fb950',
  top100: '#d29922',
  top1000: '#f85149',
  beyond: '#a371f7',
};

/** What the editor needs to know about the current analysis. */
export interface DecoratedRun {
  runId: number;
  uri: vscode.Uri;
  /** Document offset where the analysed text starts. */
  base: number;
  /** Length of the analysed text (UTF-16 units). */
  length: number;
  /** Length of the range the user asked for (longer than `length` when truncated). */
  requestedLength: number;
  tokens: Token[];
  actual: ActualToken[];
  /**
   * Where each token is, relative to `base`, when that is not its own offsets (a chat run: the
   * tokens are the chat prompt's and the answer's); null for a token not in the document.
   */
  places?: (Span | null)[];
}

export interface TokenAttention {
  query: number;
  /** Weights of the query's row, T entries (keys after the query are 0). */
  row: Float32Array;
  label: string;
  /** Apply a gamma curve (matches the panel's "gamma" colour scale). */
  gamma: boolean;
}

export class EditorAttention implements vscode.Disposable {
  private readonly levels: vscode.TextEditorDecorationType[] = [];
  private readonly queryType: vscode.TextEditorDecorationType;
  private readonly bucketTypes = new Map<SurprisalBucket, vscode.TextEditorDecorationType>();
  private readonly disposables: vscode.Disposable[] = [];
  private run: DecoratedRun | undefined;
  /** The analysed span, followed through edits even after they made the analysis stale. */
  private tracked: { uri: string; span: Span } | undefined;
  private attention: TokenAttention | undefined;
  private underlines = false;
  private enabled = true;
  /** Set while we move the cursor ourselves, so the selection event is not echoed. */
  private revealing = false;
  private readonly batch = new DecorationBatch<Kind>((kinds) => this.render(kinds));
  /** The underlines made for a run at a base offset, kept while neither changes. */
  private underlineCache: { run: DecoratedRun; base: number; byBucket: Map<SurprisalBucket, vscode.DecorationOptions[]> } | undefined;

  private readonly cursorEmitter = new vscode.EventEmitter<{ runId: number; index: number }>();
  /** The editor cursor moved onto token `index` of the analysed range. */
  readonly onDidMoveCursorToToken = this.cursorEmitter.event;
  private readonly staleEmitter = new vscode.EventEmitter<{ runId: number }>();
  /** An edit touched the analysed text; decorations are gone. */
  readonly onDidChangeAnalysedText = this.staleEmitter.event;

  constructor() {
    for (let i = 1; i <= LEVELS; i++) {
      const a = (0.07 + (0.55 * i) / LEVELS).toFixed(3);
      this.levels.push(
        vscode.window.createTextEditorDecorationType({
          dark: { backgroundColor: `rgba(86, 156, 214, ${a})` },
          light: { backgroundColor: `rgba(0, 95, 184, ${(Number(a) * 0.8).toFixed(3)})` },
          borderRadius: '2px',
          rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
        }),
      );
    }
    this.queryType = vscode.window.createTextEditorDecorationType({
      border: '1px solid',
      borderColor: new vscode.ThemeColor('focusBorder'),
      borderRadius: '2px',
      rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
    });
    for (const [bucket, color] of Object.entries(BUCKET_COLORS) as [SurprisalBucket, string][]) {
      this.bucketTypes.set(
        bucket,
        vscode.window.createTextEditorDecorationType({ textDecoration: `underline 2px ${color}`, rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed }),
      );
    }
    this.disposables.push(
      this.cursorEmitter,
      this.staleEmitter,
      vscode.window.onDidChangeTextEditorSelection((e) => this.onSelection(e)),
      vscode.workspace.onDidChangeTextDocument((e) => this.onDocumentChange(e)),
      vscode.window.onDidChangeVisibleTextEditors(() => this.batch.request('attention', 'underlines')),
    );
  }

  /** The run on the text (its tokens' places), while it is decorated. */
  get decoratedRun(): DecoratedRun | undefined {
    return this.run;
  }

  /** The analysed span in document offsets, moved and resized by the edits since the analysis. */
  get span(): Span | undefined {
    return this.tracked ? { ...this.tracked.span } : undefined;
  }

  setRun(run: DecoratedRun | undefined): void {
    this.run = run;
    this.tracked = run ? { uri: run.uri.toString(), span: { start: run.base, end: run.base + run.requestedLength } } : undefined;
    this.attention = undefined;
    this.batch.request('attention', 'underlines');
  }

  setAttention(a: TokenAttention | undefined): void {
    this.attention = a;
    this.batch.request('attention');
  }

  setOptions(o: { underlines: boolean; enabled: boolean }): void {
    this.underlines = o.underlines;
    this.enabled = o.enabled;
    this.batch.request('attention', 'underlines');
  }

  /**
   * Selects token `index` in the editor (moving the cursor there) and scrolls to it; a document no
   * longer shown opens in a group other than `panelColumn`'s, so that it does not cover the panel.
   */
  async reveal(index: number, panelColumn?: number): Promise<void> {
    const run = this.run;
    const tok = run ? placeOf(run, index) : undefined;
    if (!run || !tok) return;
    const doc = await vscode.workspace.openTextDocument(run.uri);
    const visible = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === run.uri.toString());
    const to = documentColumn({ visible: visible?.viewColumn, panel: panelColumn, groups: vscode.window.tabGroups.all.length });
    const editor = await vscode.window.showTextDocument(doc, { viewColumn: to === 'beside' ? vscode.ViewColumn.Beside : to, preserveFocus: false });
    const range = new vscode.Range(doc.positionAt(run.base + tok.start), doc.positionAt(run.base + tok.end));
    this.revealing = true;
    try {
      editor.selection = new vscode.Selection(range.start, range.start);
      editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    } finally {
      setTimeout(() => (this.revealing = false), 0);
    }
  }

  clear(): void {
    this.tracked = undefined;
    this.hide();
  }

  /** Removes the decorations but keeps following the span (for a re-run). */
  private hide(): void {
    this.run = undefined;
    this.attention = undefined;
    this.batch.request('attention', 'underlines');
  }

  dispose(): void {
    this.clear();
    this.batch.flushNow();
    this.batch.dispose();
    for (const t of [...this.levels, this.queryType, ...this.bucketTypes.values()]) t.dispose();
    for (const d of this.disposables) d.dispose();
  }

  private editors(): vscode.TextEditor[] {
    const run = this.run;
    if (!run) return [];
    const key = run.uri.toString();
    return vscode.window.visibleTextEditors.filter((e) => e.document.uri.toString() === key);
  }

  /** Sets the decoration types of `kinds` on every visible editor: the run's editors get them, the others none. */
  private render(kinds: ReadonlySet<Kind>): void {
    const editors = this.editors();
    const doc = editors[0]?.document;
    const byLevel = kinds.has('attention') ? this.attentionOptions(doc) : undefined;
    const byBucket = kinds.has('underlines') ? this.underlineOptions(doc) : undefined;
    for (const e of vscode.window.visibleTextEditors) {
      const mine = editors.includes(e);
      if (byLevel) {
        this.levels.forEach((t, i) => e.setDecorations(t, mine ? byLevel.levels[i] : []));
        e.setDecorations(this.queryType, mine ? byLevel.query : []);
      }
      if (byBucket) for (const [b, t] of this.bucketTypes) e.setDecorations(t, mine ? (byBucket.get(b) ?? []) : []);
    }
  }

  /** The highlights of the selected query's row, by level, and the query's outline. */
  private attentionOptions(doc: vscode.TextDocument | undefined): { levels: vscode.DecorationOptions[][]; query: vscode.DecorationOptions[] } {
    const levels: vscode.DecorationOptions[][] = this.levels.map(() => []);
    const query: vscode.DecorationOptions[] = [];
    const run = this.run;
    if (!run || !doc || !this.enabled || !this.attention) return { levels, query };
    const { row, query: q, label, gamma } = this.attention;
    const qShown = run.tokens[q] ? visible(labelAt(run.tokens, q).text) : q; // part of a character as 自¹⁄₃, never U+FFFD
    const qPlace = placeOf(run, q);
    if (qPlace) query.push({ range: this.range(doc, run, qPlace), hoverMessage: vscode.l10n.t('Attention Lens: query token ({0})', label) });
    const level = attentionLevels(row, q, run.tokens.length, gamma, LEVELS, MIN_SHOWN);
    level.forEach((l, j) => {
      const place = l >= 0 ? placeOf(run, j) : undefined;
      if (!place) return;
      levels[l].push({
        range: this.range(doc, run, place),
        hoverMessage: vscode.l10n.t('Attention Lens: weight {0} from "{1}" ({2})', row[j].toFixed(3), qShown, label),
      });
    });
    return { levels, query };
  }

  /** The surprisal underlines by bucket: made once per run and place, while the setting is on. */
  private underlineOptions(doc: vscode.TextDocument | undefined): Map<SurprisalBucket, vscode.DecorationOptions[]> {
    const run = this.run;
    if (!run || !doc || !this.underlines) return new Map();
    const c = this.underlineCache;
    if (c && c.run === run && c.base === run.base) return c.byBucket;
    const byBucket = new Map<SurprisalBucket, vscode.DecorationOptions[]>();
    run.actual.forEach((a, i) => {
      const b = surprisalBucket(a.rank);
      const place = placeOf(run, i);
      if (!b || !place) return;
      const list = byBucket.get(b) ?? [];
      list.push({
        range: this.range(doc, run, place),
        hoverMessage: vscode.l10n.t('Attention Lens: rank {0}, p = {1}, {2} bits', a.rank, a.prob.toPrecision(3), a.surprisal.toFixed(1)),
      });
      byBucket.set(b, list);
    });
    this.underlineCache = { run, base: run.base, byBucket };
    return byBucket;
  }

  private range(doc: vscode.TextDocument, run: DecoratedRun, t: { start: number; end: number }): vscode.Range {
    return new vscode.Range(doc.positionAt(run.base + t.start), doc.positionAt(run.base + t.end));
  }

  private onSelection(e: vscode.TextEditorSelectionChangeEvent): void {
    const run = this.run;
    if (!run || this.revealing || e.textEditor.document.uri.toString() !== run.uri.toString()) return;
    if (e.kind === vscode.TextEditorSelectionChangeKind.Command) return; // e.g. an edit or a command; not a user's cursor
    const offset = e.textEditor.document.offsetAt(e.selections[0].active) - run.base;
    const index = run.places ? placedIndexAt(run.places, offset) : tokenIndexAtOffset(run.tokens, offset);
    if (index >= 0) this.cursorEmitter.fire({ runId: run.runId, index });
  }

  private onDocumentChange(e: vscode.TextDocumentChangeEvent): void {
    const tracked = this.tracked;
    if (!tracked || e.contentChanges.length === 0 || e.document.uri.toString() !== tracked.uri) return;
    // VS Code reports a batch's changes against the document before the batch; apply the last
    // first so that each one's offsets are still valid.
    const edits = [...e.contentChanges].sort((a, b) => b.rangeOffset - a.rangeOffset);
    const before = tracked.span;
    tracked.span = adjustSpanForEdits(before, edits);
    const run = this.run;
    if (!run) return;
    if (edits.some((c) => editTouchesSpan(before, c))) {
      this.hide();
      this.staleEmitter.fire({ runId: run.runId });
    } else run.base = tracked.span.start;
  }
}

/** What one batched update sets: the query's highlights, or the surprisal underlines. */
type Kind = 'attention' | 'underlines';

/** Where token `i` is, relative to the run's base; undefined when it is not in the document. */
/** Where token `i` of `run` is, relative to its base (undefined: not in the document). */
export function placeOf(run: DecoratedRun, i: number): Span | undefined {
  return (run.places ? run.places[i] : run.tokens[i]) ?? undefined;
}

function visible(s: string): string {
  return s.replace(/\n/g, '↵').replace(/\t/g, '→');
}
