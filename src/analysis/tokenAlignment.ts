// Aligning two token sequences for Compare: the same text under two tokenizers (by character spans),
// or two texts under one tokenizer (a diff of the token ids). Both give the same shape: a list of
// groups in order, each a range of A's tokens and a range of B's; a group with tokens on both sides
// is compared, a group with tokens on one side only is marked (deleted from A / inserted in B, or
// a token the other tokenizer has no span for, such as a BOS it adds). Pure functions on plain arrays.

/** [from, to): a range of token indices of one side. */
export type TokenRange = [number, number];

export type GroupKind =
  /** One token on each side, the same (same id in a diff; the same character span across tokenizers). */
  | 'same'
  /** Tokens on both sides covering the same characters, split differently (different tokenizers). */
  | 'merged'
  /** Tokens of A only: deleted (two texts), or with no counterpart in B (an empty-span special token). */
  | 'onlyA'
  /** Tokens of B only: inserted (two texts), or with no counterpart in A. */
  | 'onlyB';

export interface AlignedGroup {
  kind: GroupKind;
  a: TokenRange;
  b: TokenRange;
}

/** What the span alignment reads of a token: its UTF-16 offsets into the shared text. */
export interface TokenSpan {
  start: number;
  end: number;
}

const isEmpty = (t: TokenSpan): boolean => !(t.end > t.start);

/**
 * Aligns two tokenizations of ONE text by their character spans: the smallest groups whose spans
 * cover the same characters (a token of A overlapping a token of B puts them in one group, and so
 * on transitively). Byte tokens that share the span of the character they belong to (自 as three
 * tokens of span [k, k+1)) fall into that character's group. A token with an empty span (a BOS or
 * other special token a tokenizer adds) and a token overlapping nothing on the other side
 * (characters the other tokenizer dropped) are groups of one side.
 */
export function alignBySpans(a: readonly TokenSpan[], b: readonly TokenSpan[]): AlignedGroup[] {
  const out: AlignedGroup[] = [];
  let i = 0;
  let j = 0;
  const onlyA = (): void => void out.push({ kind: 'onlyA', a: [i, ++i], b: [j, j] });
  const onlyB = (): void => void out.push({ kind: 'onlyB', a: [i, i], b: [j, ++j] });
  while (i < a.length || j < b.length) {
    if (i < a.length && isEmpty(a[i])) onlyA();
    else if (j < b.length && isEmpty(b[j])) onlyB();
    else if (j >= b.length || (i < a.length && a[i].end <= b[j].start)) onlyA();
    else if (i >= a.length || b[j].end <= a[i].start) onlyB();
    else {
      // a[i] and b[j] overlap: grow the group while a next token starts inside its characters
      const from: [number, number] = [i, j];
      let end = Math.max(a[i].end, b[j].end);
      i++;
      j++;
      for (let grew = true; grew; ) {
        grew = false;
        while (i < a.length && a[i].start < end && !(isEmpty(a[i]) && a[i].start === end)) {
          end = Math.max(end, a[i++].end);
          grew = true;
        }
        while (j < b.length && b[j].start < end && !(isEmpty(b[j]) && b[j].start === end)) {
          end = Math.max(end, b[j++].end);
          grew = true;
        }
      }
      const one = i - from[0] === 1 && j - from[1] === 1 && a[from[0]].start === b[from[1]].start && a[from[0]].end === b[from[1]].end;
      out.push({ kind: one ? 'same' : 'merged', a: [from[0], i], b: [from[1], j] });
    }
  }
  return out;
}

/**
 * The shortest edit script between two id sequences (Myers 1986, "An O(ND) difference algorithm"),
 * as groups: each kept token a 'same' group of one token per side, each deleted token an 'onlyA'
 * group, each inserted one an 'onlyB' group, in order (a deletion before the insertion that
 * replaces it). Written here rather than taken from jsdiff: that package reaches node_modules only
 * as mocha's dependency, and this is 40 lines. Past `maxEdits` differences (texts that share
 * little) the middle is given as deleted then inserted, which bounds the trace's memory (≈ D²).
 */
export function diffTokens(a: readonly number[], b: readonly number[], maxEdits = 4096): AlignedGroup[] {
  // common prefix and suffix first: most paraphrases differ in the middle
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const A = a.slice(pre, a.length - suf);
  const B = b.slice(pre, b.length - suf);
  const ops = myers(A, B, maxEdits); // 0 keep, 1 delete, 2 insert
  const out: AlignedGroup[] = [];
  for (let k = 0; k < pre; k++) out.push({ kind: 'same', a: [k, k + 1], b: [k, k + 1] });
  let i = pre;
  let j = pre;
  for (const op of ops) {
    if (op === 0) out.push({ kind: 'same', a: [i, ++i], b: [j, ++j] });
    else if (op === 1) out.push({ kind: 'onlyA', a: [i, ++i], b: [j, j] });
    else out.push({ kind: 'onlyB', a: [i, i], b: [j, ++j] });
  }
  for (let k = 0; k < suf; k++, i++, j++) out.push({ kind: 'same', a: [i, i + 1], b: [j, j + 1] });
  return out;
}

/** Myers' greedy forward search with its trace, then the path walked back: ops 0 keep, 1 delete, 2 insert. */
function myers(a: readonly number[], b: readonly number[], maxEdits: number): number[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  if (max === 0) return [];
  const off = max;
  const v = new Int32Array(2 * max + 2); // v[k + off]: furthest x on diagonal k
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= Math.min(max, maxEdits); d++) {
    trace.push(v.slice(off - d, off + d + 2)); // v before step d, diagonals −d..d+1
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[off + k - 1] < v[off + k + 1]) ? v[off + k + 1] : v[off + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[off + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
    if (found >= 0) break;
  }
  if (found < 0) return [...new Array<number>(n).fill(1), ...new Array<number>(m).fill(2)];
  const ops: number[] = [];
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    const prev = trace[d]; // v as it was before step d; index k + d
    const at = (k: number): number => prev[k + d];
    const k = x - y;
    const down = k === -d || (k !== d && at(k - 1) < at(k + 1)); // came by an insertion
    const pk = down ? k + 1 : k - 1;
    const px = at(pk);
    const py = px - pk;
    while (x > (down ? px : px + 1) && y > (down ? py + 1 : py)) {
      ops.push(0);
      x--;
      y--;
    }
    ops.push(down ? 2 : 1);
    x = px;
    y = py;
  }
  while (x > 0 && y > 0) {
    ops.push(0);
    x--;
    y--;
  }
  return ops.reverse();
}
