// Streams text into an editor as one undo step: the first edit (which also removes the selection
// being replaced) opens an undo group with undoStopBefore, later edits join it (no undo stops), and
// finish() closes it. Text that arrives while an edit is in flight is coalesced into the next one.
// An edit by anyone else in the document, or the editor/document closing, stops the stream and
// keeps what was already inserted.
//
// Saves: VS Code closes the document's open undo group before and after running its save
// participants, so an edit of ours landing during a save (e.g. an auto save, on by default in VS
// Code for the Web, of what the user typed just before asking for a completion) would split the
// completion into two undo steps. Edits wait while the document is being saved. With auto save
// after a delay, a stream that stalls longer than the delay (a slow model, a loaded machine, the
// prefill of a long prompt) would be saved mid-stream: while it is open, the stream keeps auto save
// postponed with a "touch", an edit that writes a character over itself (see keepAlive).
import * as vscode from 'vscode';
import { touchOffset } from './touchOffset';

export type InsertStop = 'document-changed' | 'cursor-moved' | 'document-closed' | 'editor-closed' | 'read-only';

export interface InsertResult {
  /** The text now in the document where the insertion happened. */
  inserted: string;
  /** Document offsets of the inserted text. */
  start: number;
  end: number;
  /** Why it stopped early, if it did. */
  stopped?: InsertStop;
  /** The document version after the last edit of this insertion. */
  version: number;
  /** Saves of the document between the first edit and the end (each closes VS Code's undo group: one more undo step). */
  savesDuring: number;
  /** Each of those saves: why (TextDocumentSaveReason) and how long after our last edit it started (ms). */
  saves: { reason: string; afterEditMs: number }[];
}

/** True when the document's file system says it cannot be written. */
export function isReadOnlyDocument(doc: vscode.TextDocument): boolean {
  return vscode.workspace.fs.isWritableFileSystem(doc.uri.scheme) === false;
}

/**
 * With `files.autoSave: afterDelay` (VS Code for the Web's default), a dirty document is about to be
 * saved; a save landing while a completion streams would split its undo step (see above). Saving it
 * now, before the first edit, is what auto save would do within the delay anyway; the stream's own
 * edits then keep postponing the next auto save until they stop. Other modes are left alone.
 */
export async function settleAutoSave(doc: vscode.TextDocument): Promise<void> {
  if (!doc.isDirty || doc.isUntitled || doc.isClosed) return;
  if (vscode.workspace.getConfiguration('files', doc.uri).get<string>('autoSave') !== 'afterDelay') return;
  await Promise.resolve(doc.save()).catch(() => false);
}

/** files.autoSaveDelay when auto save is afterDelay for this document (else undefined). */
function autoSaveDelay(doc: vscode.TextDocument): number | undefined {
  const files = vscode.workspace.getConfiguration('files', doc.uri);
  if (files.get<string>('autoSave') !== 'afterDelay') return undefined;
  const delay = files.get<number>('autoSaveDelay');
  return typeof delay === 'number' && Number.isFinite(delay) && delay > 0 ? delay : 1000;
}

/** How long edits wait for a save to report that it is done (a failed save never does). */
const SAVE_WAIT_MS = 3000;

/** Our in-flight edit: where it changes the document, what it writes, and what the document got. */
interface Expected {
  offset: number;
  length: number;
  text: string;
  seen?: string;
}

/** Text with every line break as \n: VS Code writes line breaks as the document's. */
const oneEol = (t: string): string => t.replace(/\r\n|\r/g, '\n');

export class StreamingInsert implements vscode.Disposable {
  private readonly doc: vscode.TextDocument;
  /** Document offset where the inserted text starts. */
  readonly start: number;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly stopEmitter = new vscode.EventEmitter<InsertStop>();
  /** Fires once, when the stream stops early (the caller then cancels the generation). */
  readonly onDidStop = this.stopEmitter.event;

  private text = '';
  private pending = '';
  private started = false;
  private replace: vscode.Range | undefined;
  private chain: Promise<void> = Promise.resolve();
  private inFlight = false;
  /**
   * Where our in-flight edit changes the document: a change there is ours (its text may differ
   * from what we sent: VS Code turns line breaks into the document's), any other is someone else's.
   */
  private expected: Expected | undefined;
  private _stopped: InsertStop | undefined;
  private savesDuring = 0;
  private readonly saves: InsertResult['saves'] = [];
  /** When our last edit was applied (performance.now()). */
  private lastEditAt = 0;
  private version: number;
  /** Resolves when the save of the document in progress is done (undefined: none). */
  private saving: Promise<void> | undefined;
  private endSaving: (() => void) | undefined;
  /** finish() has begun: no more touches. */
  private finishing = false;

  /**
   * Prepares an insertion at `range.start`, replacing `range` (empty for a plain insertion at the
   * cursor). Nothing changes in the document until begin() or the first push().
   */
  constructor(
    private readonly editor: vscode.TextEditor,
    range: vscode.Range,
  ) {
    this.doc = editor.document;
    this.start = this.doc.offsetAt(range.start);
    this.replace = range.isEmpty ? undefined : range;
    this.version = this.doc.version;
    this.lastEditAt = performance.now();
    this.disposables.push(
      this.stopEmitter,
      vscode.workspace.onDidChangeTextDocument((e) => this.onChange(e)),
      vscode.workspace.onDidCloseTextDocument((d) => {
        if (d === this.doc) this.stop('document-closed');
      }),
      // The user moving the cursor in the document (a click, the arrow keys) stops the stream: VS
      // Code ends the undo group at a cursor move, so the insertion would no longer undo in one
      // step. Our own edits move it too, but not as Mouse or Keyboard.
      vscode.window.onDidChangeTextEditorSelection((e) => {
        const byUser = e.kind === vscode.TextEditorSelectionChangeKind.Mouse || e.kind === vscode.TextEditorSelectionChangeKind.Keyboard;
        if (byUser && e.textEditor.document === this.doc && this.started) this.stop('cursor-moved');
      }),
      vscode.workspace.onWillSaveTextDocument((e) => {
        if (e.document === this.doc) this.saveStarted(e.reason);
      }),
      vscode.workspace.onDidSaveTextDocument((d) => {
        if (d === this.doc) this.saveEnded();
      }),
    );
    const delay = autoSaveDelay(this.doc);
    if (delay !== undefined) {
      const quiet = Math.max(20, Math.floor(delay / 3));
      const timer = setInterval(() => this.keepAlive(quiet), quiet);
      this.disposables.push({ dispose: () => clearInterval(timer) });
    }
  }

  get stopped(): InsertStop | undefined {
    return this._stopped;
  }

  /** What is in the document so far. */
  get inserted(): string {
    return this.text;
  }

  /** Makes the first edit now (removing the replaced selection) without waiting for text. */
  begin(): Promise<void> {
    if (!this.started) this.enqueue('', true);
    return this.chain;
  }

  /** Queues text; it is inserted after what came before, coalesced with other queued text. */
  push(text: string): void {
    if (this._stopped || text.length === 0) return;
    this.pending += text;
    if (!this.inFlight) this.enqueue('', false);
  }

  /**
   * Waits for queued edits, then makes the inserted text equal `finalText` when given (the
   * engine's decoding of all tokens, which differs from the streamed text only when a character
   * was split across tokens), and closes the undo group.
   */
  async finish(finalText?: string): Promise<InsertResult> {
    this.finishing = true;
    await this.chain;
    if (finalText !== undefined) finalText = finalText.replace(/\r\n|\r|\n/g, this.doc.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n');
    if (!this._stopped && finalText !== undefined && finalText !== this.text) {
      if (finalText.startsWith(this.text)) this.pending = finalText.slice(this.text.length);
      else await this.edit(this.text.length, finalText, false);
    }
    if (this.pending) this.enqueue('', false);
    await this.chain;
    if (this.started && !this._stopped) {
      // An empty edit whose only job is the undo stop after the group.
      await Promise.resolve(this.editor.edit(() => undefined, { undoStopBefore: false, undoStopAfter: true })).catch(() => false);
    }
    return { inserted: this.text, start: this.start, end: this.start + this.text.length, stopped: this._stopped, version: this.version, savesDuring: this.savesDuring, saves: this.saves.slice() };
  }

  dispose(): void {
    this.saveEnded();
    for (const d of this.disposables) d.dispose();
  }

  private saveStarted(reason?: vscode.TextDocumentSaveReason): void {
    if (this.started && !this._stopped) {
      this.savesDuring++;
      const why = reason === undefined ? 'unknown' : (vscode.TextDocumentSaveReason[reason] ?? String(reason));
      this.saves.push({ reason: why, afterEditMs: Math.round(performance.now() - this.lastEditAt) });
    }
    if (this.saving) return;
    let end!: () => void;
    this.saving = new Promise<void>((resolve) => (end = resolve));
    const timer = setTimeout(() => this.saveEnded(), SAVE_WAIT_MS);
    this.endSaving = () => {
      clearTimeout(timer);
      end();
    };
  }

  private saveEnded(): void {
    const end = this.endSaving;
    this.saving = undefined;
    this.endSaving = undefined;
    end?.();
  }

  /**
   * Auto save (afterDelay) saves a document `files.autoSaveDelay` ms after its last change, and a
   * save closes the undo group the stream is building. When nothing of ours has changed the
   * document for `quiet` ms (a third of the delay), a touch changes it without changing its text:
   * one character replaced by itself. VS Code applies that as an edit (a content change, which
   * postpones the auto save) inside our open undo group, and undoing the group is unaffected.
   */
  private keepAlive(quiet: number): void {
    if (!this.started || this._stopped || this.finishing || this.inFlight || this.pending || this.saving) return;
    if (performance.now() - this.lastEditAt < quiet) return;
    this.lastEditAt = performance.now(); // one touch in the chain at a time
    this.chain = this.chain.then(() => this.touch());
  }

  private async touch(): Promise<void> {
    if (this._stopped || this.finishing || this.pending) return;
    const at = touchOffset(this.doc.getText(), this.start + this.text.length);
    if (at === undefined) return;
    const range = new vscode.Range(this.doc.positionAt(at), this.doc.positionAt(at + 1));
    const text = this.doc.getText(range);
    this.inFlight = true;
    const expected: Expected = { offset: at, length: 1, text };
    this.expected = expected;
    try {
      await this.editor.edit((b) => b.replace(range, text), { undoStopBefore: false, undoStopAfter: false });
    } catch {
      // The editor went away: the next edit, or finish(), finds out.
    } finally {
      this.inFlight = false;
      this.expected = undefined;
    }
    if (expected.seen !== undefined) {
      this.version = this.doc.version;
      this.lastEditAt = performance.now();
    }
    if (this.pending && !this._stopped) this.enqueue('', false);
  }

  private enqueue(extra: string, force: boolean): void {
    this.chain = this.chain.then(async () => {
      if (this.saving) await this.saving; // text arriving meanwhile joins this edit
      const text = this.pending + extra;
      this.pending = '';
      if (this._stopped || (!force && text.length === 0)) return;
      await this.edit(0, text, true);
    });
  }

  /** Replaces `replaceLength` characters at the end of the inserted text with `text`. */
  private async edit(replaceLength: number, text: string, append: boolean): Promise<void> {
    if (this.saving) await this.saving;
    if (this._stopped) return;
    const first = !this.started;
    const at = this.start + this.text.length - (append ? 0 : replaceLength);
    const removeLength = first && this.replace ? this.doc.offsetAt(this.replace.end) - this.start : append ? 0 : replaceLength;
    const range = new vscode.Range(this.doc.positionAt(at), this.doc.positionAt(at + removeLength));
    this.inFlight = true;
    const expected: Expected = { offset: at, length: removeLength, text };
    this.expected = expected;
    let ok: boolean;
    try {
      ok = await this.editor.edit((b) => (range.isEmpty ? b.insert(range.start, text) : b.replace(range, text)), {
        undoStopBefore: first,
        undoStopAfter: false,
      });
    } catch {
      ok = false;
      this.stop(this.doc.isClosed ? 'document-closed' : 'editor-closed');
    } finally {
      this.inFlight = false;
      this.expected = undefined;
    }
    // What the document now holds there (line breaks normalised); nothing seen = nothing changed.
    const written = expected.seen ?? (text.length === 0 && removeLength === 0 ? '' : undefined);
    if (this._stopped) {
      // Stopped while the edit was on its way (the user moved the cursor, say): if it landed, it
      // is in the document and counts as inserted.
      if (ok && written !== undefined) this.landed(written, append, replaceLength);
      return;
    }
    if (!ok || written === undefined) {
      // Nothing of ours landed yet: the editor refused the edit (a read-only editor, e.g.
      // files.readonlyInclude, accepts the empty first edit and then silently drops the text).
      this.stop(first || this.text.length === 0 ? 'read-only' : 'document-changed');
      return;
    }
    this.landed(written, append, replaceLength);
    if (this.pending && !this.inFlight) this.enqueue('', false);
  }

  /** Records an edit of ours that is in the document. */
  private landed(written: string, append: boolean, replaceLength: number): void {
    this.started = true;
    this.replace = undefined;
    this.text = append ? this.text + written : this.text.slice(0, this.text.length - replaceLength) + written;
    this.version = this.doc.version;
    this.lastEditAt = performance.now();
  }

  private onChange(e: vscode.TextDocumentChangeEvent): void {
    if (e.document !== this.doc || e.contentChanges.length === 0) return;
    const x = this.expected;
    // The user typing at the end of the inserted text changes the same place: the text tells.
    const ours =
      x !== undefined &&
      x.seen === undefined &&
      e.contentChanges.length === 1 &&
      e.contentChanges[0].rangeOffset === x.offset &&
      e.contentChanges[0].rangeLength === x.length &&
      oneEol(e.contentChanges[0].text) === oneEol(x.text);
    if (ours) {
      x.seen = e.contentChanges[0].text; // one change per edit (also after a stop: it counts as inserted)
      return;
    }
    this.stop('document-changed');
  }

  private stop(why: InsertStop): void {
    if (this._stopped) return;
    this._stopped = why;
    this.pending = '';
    this.stopEmitter.fire(why);
  }
}
