// Tiny DOM helpers. Text always goes in through textContent (never innerHTML): token texts are
// the user's document.
import { partMarker, shownChar, type TokenLabel } from '../../src/shared/tokenLabels';
import { hexBytes } from '../../src/shared/utf8Units';

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | undefined> = {},
  ...children: (Node | string | undefined)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === 'class') e.className = String(v);
    else if (k === 'text') e.textContent = String(v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== undefined) e.append(c);
  return e;
}

/** Sizes a canvas for the device pixel ratio and returns its context, scaled to CSS pixels. */
export function sizeCanvas(c: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D {
  const dpr = Math.max(1, Math.min(3, window.devicePixelRatio || 1));
  const w = Math.max(1, Math.round(width));
  const h = Math.max(1, Math.round(height));
  c.width = Math.round(w * dpr);
  c.height = Math.round(h * dpr);
  c.style.width = `${w}px`;
  c.style.height = `${h}px`;
  const ctx = c.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas context');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

/** The token's text with whitespace made visible: · for a space, ↵ newline, → tab. */
export function visibleText(s: string): string {
  let out = '';
  for (const ch of s) {
    if (ch === ' ') out += '·';
    else if (ch === '\n') out += '↵';
    else if (ch === '\r') out += '␍';
    else if (ch === '\t') out += '→';
    else if (ch === '\u00a0') out += '⍽';
    else if (ch.charCodeAt(0) < 0x20) out += String.fromCharCode(0x2400 + ch.charCodeAt(0));
    else out += ch;
  }
  return out;
}

/** Appends the token's text to `parent`, with visible whitespace wrapped in <span class="ws">. */
export function appendTokenText(parent: HTMLElement, s: string): void {
  let run = '';
  const flush = (): void => {
    if (run) parent.append(run);
    run = '';
  };
  for (const ch of s) {
    const v = visibleText(ch);
    if (v !== ch) {
      flush();
      parent.append(el('span', { class: 'ws', text: v }));
    } else run += ch;
  }
  flush();
  if (!s) parent.append(el('span', { class: 'ws', text: '∅' }));
}

/**
 * Appends a token's label: whole characters as appendTokenText does, a part of a character as the
 * character and its marker (<span class="part">¹⁄₃</span>), bytes that form none as <span class="bytes">.
 */
export function appendLabel(parent: HTMLElement, label: TokenLabel): void {
  if (!label.partial) return appendTokenText(parent, label.text);
  for (const p of label.pieces) {
    if (p.kind === 'text') appendTokenText(parent, p.text);
    else if (p.kind === 'part') parent.append(shownChar(p.cp), el('span', { class: 'part', text: partMarker(p.from, p.to, p.of) }));
    else parent.append(el('span', { class: 'bytes', text: `‹${hexBytes(p.bytes)}›` }));
  }
}

export function quote(s: string): string {
  return `“${visibleText(s)}”`;
}

export function fmt3(v: number): string {
  return Number.isFinite(v) ? v.toFixed(3) : '–';
}

export function pct(p: number): string {
  if (!Number.isFinite(p)) return '–';
  return p >= 0.1 ? `${(p * 100).toFixed(1)}%` : p >= 0.001 ? `${(p * 100).toFixed(2)}%` : `${(p * 100).toExponential(1)}%`;
}
