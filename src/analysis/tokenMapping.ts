// Mapping between the model's tokens and the document. Tokens carry UTF-16 offsets into the
// analysed text; the analysed text starts at a document offset `base`. Pure functions, no vscode.

export interface Span {
  start: number;
  end: number;
}

/**
 * Index of the token that holds `offset` (an offset into the analysed text), or -1. An offset at
 * a token's end belongs to the next token, except at the very end (the cursor after the last
 * character selects the last token). Tokens must be sorted and non-overlapping.
 */
export function tokenIndexAtOffset(tokens: readonly Span[], offset: number): number {
  const n = tokens.length;
  if (n === 0 || offset < tokens[0].start || offset > tokens[n - 1].end) return -1;
  let lo = 0;
  let hi = n - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const t = tokens[mid];
    if (offset < t.start) hi = mid - 1;
    else if (offset >= t.end) lo = mid + 1;
    else return mid;
  }
  return offset === tokens[n - 1].end ? n - 1 : -1;
}

/** Document offsets of each token, given the document offset where the analysed text starts. */
export function tokensToDocumentSpans(tokens: readonly Span[], base: number): Span[] {
  return tokens.map((t) => ({ start: base + t.start, end: base + t.end }));
}

/** One content change, in document offsets before the change (as VS Code reports them). */
export interface OffsetEdit {
  rangeOffset: number;
  rangeLength: number;
  text: string;
}

/** True when the edit touches [span.start, span.end) or inserts strictly inside it. */
export function editTouchesSpan(span: Span, e: OffsetEdit): boolean {
  const eStart = e.rangeOffset;
  const eEnd = e.rangeOffset + e.rangeLength;
  if (e.rangeLength === 0) return eStart > span.start && eStart < span.end;
  return eStart < span.end && eEnd > span.start;
}

/**
 * Where the span is after the edits (applied in order, each in the coordinates left by the
 * previous one). Text inserted inside the span grows it; edits before it shift it; a deletion
 * that covers part of it clips it.
 */
export function adjustSpanForEdits(span: Span, edits: readonly OffsetEdit[]): Span {
  let { start, end } = span;
  for (const e of edits) {
    const eStart = e.rangeOffset;
    const eEnd = e.rangeOffset + e.rangeLength;
    const delta = e.text.length - e.rangeLength;
    if (eEnd <= start) {
      start += delta;
      end += delta;
    } else if (eStart >= end) {
      // after the span: nothing moves
    } else {
      const newStart = Math.min(start, eStart);
      const newEnd = eEnd >= end ? eStart + e.text.length : end + delta;
      start = newStart;
      end = Math.max(newStart, newEnd);
    }
  }
  return { start, end };
}
