// Draws a step's blocks: vectors as compact colour strips (canvas; the exact number of the cell
// under the pointer in a tooltip), score and weight rows as small tables, the token list and the
// read-out. Colours come from the theme's --vscode-* variables.
import type { StepperStrings } from '../../src/shared/explanations';
import { el, exact, fixed } from './dom';
import type { Block, GridBlock, ReadoutBlock, StripsBlock, TableBlock, TokensBlock, VectorBlock } from './steps';

/** Pixels per value in a strip. */
const CELL = 6;
const STRIP_HEIGHT = 14;

let tooltip: HTMLDivElement | undefined;

function showTip(text: string, x: number, y: number): void {
  if (!tooltip) {
    tooltip = el('div', 'tooltip');
    tooltip.setAttribute('role', 'tooltip');
    document.body.append(tooltip);
  }
  tooltip.textContent = text;
  tooltip.hidden = false;
  const w = tooltip.offsetWidth;
  tooltip.style.left = `${Math.max(2, Math.min(x + 12, window.innerWidth - w - 4))}px`;
  tooltip.style.top = `${y + 14}px`;
}

export function hideTip(): void {
  if (tooltip) tooltip.hidden = true;
}

function themeColor(name: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(name).trim();
  return v || fallback;
}

/** One row of colour cells for `values`, scaled to ±`scale`; hover shows "[i] value". */
function strip(values: ArrayLike<number>, scale: number, label: string): HTMLCanvasElement {
  const n = values.length;
  const canvas = el('canvas', 'strip', undefined, { 'aria-label': `${label} [${n}]` });
  const width = Math.max(1, n * CELL);
  const dpr = window.devicePixelRatio || 1;
  canvas.width = width * dpr;
  canvas.height = STRIP_HEIGHT * dpr;
  canvas.style.width = `${width}px`;
  canvas.style.height = `${STRIP_HEIGHT}px`;
  const ctx = canvas.getContext('2d');
  if (ctx) {
    ctx.scale(dpr, dpr);
    const pos = themeColor('--vscode-charts-orange', '#d18616');
    const neg = themeColor('--vscode-charts-blue', '#3794ff');
    for (let i = 0; i < n; i++) {
      const v = values[i];
      ctx.globalAlpha = scale > 0 ? Math.min(1, Math.abs(v) / scale) : 0;
      ctx.fillStyle = v >= 0 ? pos : neg;
      ctx.fillRect(i * CELL, 0, CELL, STRIP_HEIGHT);
    }
  }
  canvas.addEventListener('mousemove', (e) => {
    const i = Math.floor(e.offsetX / CELL);
    if (i >= 0 && i < n) showTip(`${label} [${i}] = ${exact(values[i])}`, e.clientX, e.clientY);
  });
  canvas.addEventListener('mouseleave', hideTip);
  return canvas;
}

function maxAbs(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) m = Math.max(m, Math.abs(values[i]));
  return m;
}

function stats(values: ArrayLike<number>): string {
  let min = Infinity;
  let max = -Infinity;
  let sq = 0;
  for (let i = 0; i < values.length; i++) {
    min = Math.min(min, values[i]);
    max = Math.max(max, values[i]);
    sq += values[i] * values[i];
  }
  return `min ${fixed(min)} · max ${fixed(max)} · ‖x‖ ${fixed(Math.sqrt(sq))}`;
}

function header(label: string, shape: string): HTMLElement {
  const h = el('div', 'block-head');
  h.append(el('span', 'block-label', label), el('span', 'block-shape', shape));
  return h;
}

function vector(b: VectorBlock): HTMLElement {
  const box = el('div', 'block vector');
  const shown = Array.from({ length: Math.min(8, b.values.length) }, (_, i) => fixed(b.values[i]));
  const preview = el('div', 'preview', `[${shown.join(', ')}${b.values.length > 8 ? ', …' : ''}]`);
  const wrap = el('div', 'strip-wrap');
  wrap.append(strip(b.values, maxAbs(b.values), b.label));
  box.append(header(b.label, b.shape), wrap, preview, el('div', 'stats', stats(b.values)));
  return box;
}

function strips(b: StripsBlock): HTMLElement {
  const box = el('div', 'block strips');
  box.append(header(b.label, b.shape));
  const scale = Math.max(...b.rows.map((r) => maxAbs(r.values)), 0);
  const grid = el('div', 'strip-grid');
  for (const r of b.rows) {
    const wrap = el('div', 'strip-wrap');
    wrap.append(strip(r.values, scale, r.label));
    grid.append(el('div', 'strip-label', r.label), wrap);
  }
  box.append(grid);
  return box;
}

function table(b: TableBlock, s: StepperStrings, selectedHead: number): HTMLElement {
  const box = el('div', `block table ${b.name}`);
  box.append(header(b.label, b.shape));
  const scroll = el('div', 'table-scroll');
  const t = el('table', `scores ${b.name}`, undefined, { 'data-name': b.name });
  const head = el('tr');
  head.append(el('th', 'corner', `${s.head} \\ ${s.token}`));
  for (const c of b.columns) head.append(el('th', c.masked ? 'masked' : '', `${c.token} ${c.text}`, { 'data-key': String(c.token) }));
  if (b.rows.some((r) => r.sum !== undefined)) head.append(el('th', 'sum', s.sum));
  t.append(head);
  const isWeights = b.name === 'weights';
  for (const r of b.rows) {
    const tr = el('tr', r.head === selectedHead ? 'selected' : '', undefined, { 'data-head': String(r.head) });
    tr.append(el('th', '', r.label));
    r.values.forEach((v, j) => {
      const td = el('td', b.columns[j].masked ? 'masked' : '', fixed(v), {
        'data-key': String(j),
        title: `${r.label}, ${s.token} ${b.columns[j].token}: ${exact(v)}`,
      });
      if (isWeights && Number.isFinite(v)) td.style.setProperty('--w', String(v));
      tr.append(td);
    });
    if (r.sum !== undefined) tr.append(el('td', 'sum', fixed(r.sum), { title: exact(r.sum) }));
    t.append(tr);
  }
  scroll.append(t);
  box.append(scroll);
  return box;
}

function tokens(b: TokensBlock, s: StepperStrings, query: number): HTMLElement {
  const box = el('div', 'block tokens');
  const t = el('table', 'token-table');
  const head = el('tr');
  head.append(el('th', '', s.position), el('th', '', s.token), el('th', '', s.tokenId));
  t.append(head);
  for (const r of b.rows) {
    const tr = el('tr', r.index === query ? 'selected' : '');
    tr.append(el('td', 'num', String(r.index)), el('td', 'tok', r.text), el('td', 'num', String(r.id)));
    t.append(tr);
  }
  box.append(t);
  return box;
}

function readout(b: ReadoutBlock, s: StepperStrings): HTMLElement {
  const box = el('div', 'block readout');
  const t = el('table', 'readout-table');
  const head = el('tr');
  head.append(el('th', '', s.token), el('th', '', s.tokenId), el('th', '', s.logit));
  if (b.showProbs) head.append(el('th', '', s.probability));
  t.append(head);
  b.rows.forEach((r, i) => {
    const tr = el('tr', i === 0 ? 'selected' : '');
    tr.append(el('td', 'tok', r.text, r.detail.length ? { title: r.detail.join('\n') } : {}), el('td', 'num', String(r.id)), el('td', 'num', fixed(r.logit), { title: exact(r.logit) }));
    if (b.showProbs) {
      const td = el('td', 'num prob', fixed(r.prob), { title: exact(r.prob) });
      td.style.setProperty('--w', String(r.prob));
      tr.append(td);
    }
    t.append(tr);
  });
  box.append(t);
  return box;
}

/** A figure in a grid: integers as they are, tiny values (RoPE's slow frequencies) in exponent form. */
function gridNumber(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential(3) : fixed(v);
}

function grid(b: GridBlock): HTMLElement {
  const box = el('div', `block grid ${b.name}`);
  box.append(header(b.label, b.shape));
  const scroll = el('div', 'table-scroll');
  const t = el('table', `grid ${b.name}`, undefined, { 'data-name': b.name });
  const head = el('tr');
  for (const h of b.header) head.append(el('th', '', h));
  t.append(head);
  for (const r of b.rows) {
    const tr = el('tr', r.selected ? 'selected' : '');
    for (const v of r.cells) tr.append(typeof v === 'number' ? el('td', 'num', gridNumber(v), { title: exact(v) }) : el('td', '', v));
    t.append(tr);
  }
  scroll.append(t);
  box.append(scroll);
  return box;
}

/** One block as DOM. */
export function renderBlock(b: Block, s: StepperStrings, ctx: { query: number; head: number }): HTMLElement {
  switch (b.kind) {
    case 'vector':
      return vector(b);
    case 'strips':
      return strips(b);
    case 'table':
      return table(b, s, ctx.head);
    case 'tokens':
      return tokens(b, s, ctx.query);
    case 'readout':
      return readout(b, s);
    case 'grid':
      return grid(b);
  }
}

