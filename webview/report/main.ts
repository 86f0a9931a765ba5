// The HTML report's painter (bundled to dist/webview/report.js and inlined into each report by
// src/export/reportHtml.ts): reads the report's JSON and builds the page — model facts, the text,
// the token strip tinted by surprisal with each position's predictions, the overview thumbnails
// and the pinned heads on canvases. Runs in any browser, offline; loads nothing.
import type { RGB } from '../../src/export/exportTypes';
import { colourMap, hex } from '../../src/export/palette';
import { fill } from '../../src/export/reportText';
import type { ReportData } from '../../src/export/reportTypes';
import { shortText } from '../../src/export/svg';

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: { class?: string; text?: string; title?: string } = {}, ...kids: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (props.class) e.className = props.class;
  if (props.text !== undefined) e.textContent = props.text;
  if (props.title) e.title = props.title;
  e.append(...kids);
  return e;
}

function bytesOf(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Decoded uint16 little-endian weights → [0, 1]. */
function weightsOf(b64: string): Float32Array {
  const b = bytesOf(b64);
  const out = new Float32Array(b.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = (b[2 * i] | (b[2 * i + 1] << 8)) / 65535;
  return out;
}

/** Draws `values` [rows × cols] one pixel per cell, then scales it up without smoothing. */
function paintCells(canvas: HTMLCanvasElement, values: ArrayLike<number>, n: number, colour: (v: number) => RGB, masked: RGB | undefined, side: number): void {
  const img = new ImageData(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const c = masked && j > i ? masked : colour(values[i * n + j]);
      const o = (i * n + j) * 4;
      img.data[o] = c[0];
      img.data[o + 1] = c[1];
      img.data[o + 2] = c[2];
      img.data[o + 3] = 255;
    }
  }
  const off = document.createElement('canvas');
  off.width = n;
  off.height = n;
  off.getContext('2d')?.putImageData(img, 0, 0);
  canvas.width = side;
  canvas.height = side;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(off, 0, 0, side, side);
}

/** One head: cells at 2× for sharp output, token labels (thinned when cells are small) on both axes. */
function drawHead(canvas: HTMLCanvasElement, values: Float32Array, labels: string[], colour: (v: number) => RGB, masked: RGB, muted: string, font: string): void {
  const T = labels.length;
  const cell = Math.max(1, Math.min(14, Math.floor(560 / T)));
  const margin = 72;
  const side = cell * T;
  const cells = document.createElement('canvas');
  paintCells(cells, values, T, colour, masked, side * 2);
  const W = margin + side + 4;
  canvas.width = W * 2;
  canvas.height = W * 2;
  canvas.style.width = `${W}px`;
  canvas.style.height = `${W}px`;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.scale(2, 2);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(cells, margin, margin, side, side);
  ctx.font = `10px ${font}`;
  ctx.fillStyle = muted;
  ctx.textBaseline = 'middle';
  const stride = Math.max(1, Math.ceil(11 / cell));
  for (let i = 0; i < T; i += stride) {
    ctx.textAlign = 'right';
    ctx.fillText(labels[i], margin - 4, margin + (i + 0.5) * cell, margin - 6);
    ctx.save();
    ctx.translate(margin + (i + 0.5) * cell, margin - 4);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = 'left';
    ctx.fillText(labels[i], 0, 0, margin - 6);
    ctx.restore();
  }
}

function main(): void {
  const raw = document.getElementById('report-data')?.textContent;
  const root = document.getElementById('report');
  if (!raw || !root) return;
  const d = JSON.parse(raw) as ReportData;
  const s = d.strings;
  const p = d.palette;
  const colour = colourMap(p, { kind: 'sequential', gamma: d.gamma });
  const T = d.tokens.length;

  root.append(el('h1', { text: d.title }), el('p', { class: 'muted', text: fill(s.made, new Date(d.created).toLocaleString()) }));

  // model facts and card
  root.append(el('h2', { text: `${s.model}: ${d.model.name}` }), el('table', { class: 'facts' }, ...d.model.facts.map(([k, v]) => el('tr', {}, el('th', { text: k }), el('td', { text: v })))));
  if (d.model.card) root.append(el('details', {}, el('summary', { text: s.card }), el('div', { class: 'card', text: d.model.card })));

  root.append(el('h2', { text: s.text }), el('pre', { text: d.text }));

  // token strip tinted by surprisal, and the predictions after the selected token
  const maxS = Math.max(1, ...d.surprisal.map((x) => x ?? 0));
  const strip = el('div', { class: 'tokens' });
  strip.id = 'tokens';
  const predictions = el('div', { class: 'predictions' });
  predictions.id = 'predictions';
  const chips: HTMLElement[] = [];
  const select = (i: number): void => {
    chips.forEach((c, k) => c.setAttribute('aria-pressed', String(k === i)));
    const pr = d.predictions[i];
    predictions.replaceChildren(el('h3', { text: fill(s.predictionsAfter, i, JSON.stringify(d.tokens[i].label)) }));
    if (pr) predictions.append(el('table', {}, el('tr', {}, el('th', { text: '' }), el('th', { text: s.probability })), ...pr.texts.map((t, k) => el('tr', {}, el('td', { text: JSON.stringify(t) }), el('td', { class: 'num', text: pr.probs[k].toFixed(4) })))));
  };
  d.tokens.forEach((t, i) => {
    const sur = d.surprisal[i];
    const chip = el('span', { class: 'tok', text: t.label.replace(/\n/g, '↵'), title: `#${i} [${t.start}, ${t.end})${sur === null ? '' : ` · ${s.surprisal} ${sur.toFixed(2)} bits`}` });
    chip.dataset.index = String(i);
    chip.setAttribute('role', 'button');
    chip.setAttribute('aria-pressed', 'false');
    const c = colour(sur === null ? 0 : sur / maxS);
    chip.style.background = hex(c);
    chip.style.color = c[0] * 0.299 + c[1] * 0.587 + c[2] * 0.114 > 140 ? '#000000' : '#ffffff';
    chip.addEventListener('click', () => select(i));
    chips.push(chip);
    strip.append(chip);
  });
  root.append(el('h2', { text: s.tokens }), el('p', { class: 'muted', text: s.tokensHelp }), strip, el('h2', { text: s.predictions }), predictions);
  if (T) select(T - 1);

  // overview
  const ov = d.overview;
  const grid = el('div', { class: 'grid' });
  grid.id = 'overview';
  grid.style.gridTemplateColumns = `auto repeat(${ov.nHead}, 48px)`;
  grid.style.justifyContent = 'start';
  grid.append(el('span'), ...Array.from({ length: ov.nHead }, (_, h) => el('span', { class: 'muted', text: `H${h}` })));
  for (let l = 0; l < ov.nLayer; l++) {
    grid.append(el('span', { class: 'muted', text: `L${l}` }));
    for (let h = 0; h < ov.nHead; h++) {
      const c = el('canvas', { title: fill(s.head, l, h) });
      c.dataset.layer = String(l);
      c.dataset.head = String(h);
      c.style.width = '48px';
      c.style.height = '48px';
      paintCells(c, Array.from(bytesOf(ov.thumbs[l * ov.nHead + h]), (x) => x / 255), ov.size, colour, undefined, 96);
      grid.append(c);
    }
  }
  root.append(el('h2', { text: s.overview }), el('p', { class: 'muted', text: s.overviewHelp }), grid);

  // pinned heads, full size with token labels on both axes
  const heads = el('div', { class: 'heads' });
  heads.id = 'heads';
  const labels = d.tokens.map((t) => shortText(t.label, 10));
  for (const h of d.heads) {
    const c = el('canvas');
    c.className = 'head-map';
    c.dataset.layer = String(h.layer);
    c.dataset.head = String(h.head);
    drawHead(c, weightsOf(h.data), labels, colour, p.masked, hex(p.muted), p.font);
    heads.append(el('figure', { class: 'head' }, el('figcaption', { text: fill(s.head, h.layer, h.head) }), c));
  }
  root.append(el('h2', { text: s.heads }), d.heads.length ? heads : el('p', { class: 'muted', text: s.headsNone }));
  document.body.dataset.painted = 'true';
}

main();
