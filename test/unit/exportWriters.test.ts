// The exports' pure writers (src/export/): SVG that parses as XML with one rect per cell (or one
// image for a large map, said so), CSV that round-trips, .npy byte-identical to what numpy writes
// (fixtures from test/fixtures/export/gen_npy.py), PNG chunks a reader accepts, and the report: no
// network URL, under the size bound for 256 tokens on GPT-2 small's shape.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { parseCsv, toCsv } from '../../src/export/csv';
import type { ExportToken, HeatmapData } from '../../src/export/exportTypes';
import { gridSvg, tableSvg } from '../../src/export/gridSvg';
import { heatmapSvg, MAX_RECT_CELLS } from '../../src/export/heatmapSvg';
import { npyBytes } from '../../src/export/npy';
import { DARK_PALETTE, LIGHT_PALETTE } from '../../src/export/palette';
import { crc32, encodePng } from '../../src/export/png';
import { buildReport } from '../../src/export/reportBuild';
import { reportHtml } from '../../src/export/reportHtml';
import { zlibRasterise } from '../../src/export/reportFile';
import { HEATMAP_CSV_COLUMNS, heatmapCsvRows, heatmapJson } from '../../src/export/tables';
import type { StepperModelFacts } from '../../src/shared/stepperProtocol';
import { mulberry32 } from '../../src/shared/mulberry32';

// sax comes with @vscode/vsce (through xml2js); a strict SAX parse is a well-formedness check.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sax = require('sax') as {
  parser(strict: boolean): { onerror: (e: Error) => void; onopentag: (t: { name: string; attributes: Record<string, string> }) => void; ontext: (t: string) => void; write(s: string): { close(): void } };
};

/** Parses `xml` strictly; the elements by name, with attributes, and all text. Throws on malformed XML. */
function parseXml(xml: string): { tags: { name: string; attributes: Record<string, string> }[]; text: string } {
  const p = sax.parser(true);
  const tags: { name: string; attributes: Record<string, string> }[] = [];
  let text = '';
  p.onerror = (e) => {
    throw e;
  };
  p.onopentag = (t) => tags.push(t);
  p.ontext = (t) => (text += t);
  p.write(xml).close();
  return { tags, text };
}

const TRICKY = ['Hello', ',', ' "quoted"', '\n', ' 自', '😀', '=SUM(A1)', 'a,b\r\nc', '<tag>&amp;'];

function tokens(n: number): ExportToken[] {
  let at = 0;
  return Array.from({ length: n }, (_, i) => {
    const text = TRICKY[i % TRICKY.length];
    const t = { text, label: text, start: at, end: at + text.length };
    at += text.length;
    return t;
  });
}

/** A causal attention map [T × T]: each row a softmax-like distribution over keys ≤ query. */
function causalMap(T: number, seed = 1): Float32Array {
  const rand = mulberry32(seed);
  const m = new Float32Array(T * T);
  for (let i = 0; i < T; i++) {
    let sum = 0;
    for (let j = 0; j <= i; j++) sum += m[i * T + j] = rand();
    for (let j = 0; j <= i; j++) m[i * T + j] /= sum;
  }
  return m;
}

function heatmap(T: number): HeatmapData {
  const toks = tokens(T);
  return { title: 'Layer 3 · Head 7', rowTokens: toks, colTokens: toks, values: causalMap(T), causal: true, scale: { kind: 'sequential', gamma: false }, selectedRow: T - 1 };
}

describe('export: writers', () => {
  it('a heatmap SVG parses as XML, holds one rect per cell, its token texts as text and no CSS variable', () => {
    const T = 9;
    const { svg, cells } = heatmapSvg(heatmap(T), DARK_PALETTE);
    assert.equal(cells, 'rects');
    const { tags, text } = parseXml(svg);
    assert.equal(tags[0].name, 'svg');
    const cellRects = tags.filter((t) => t.name === 'rect' && t.attributes.class === 'c');
    assert.equal(cellRects.length, T * T);
    const masked = cellRects.filter((r) => r.attributes.fill === 'url(#hatch)');
    assert.equal(masked.length, (T * (T - 1)) / 2, 'the masked upper triangle is hatched');
    for (const r of cellRects) if (r.attributes.fill !== 'url(#hatch)') assert.match(r.attributes.fill, /^#[0-9a-f]{6}$/);
    assert.ok(text.includes('<tag>&amp;'), 'token text is kept as text, escaped for XML');
    assert.ok(text.includes('Layer 3 · Head 7'));
    assert.doesNotMatch(svg, /var\(--/);
    assert.equal(tags.filter((t) => t.name === 'image').length, 0);
  });

  it('light and dark SVGs differ in colour and the diverging scale (a difference map) goes both ways', () => {
    const d = heatmap(4);
    const light = heatmapSvg(d, LIGHT_PALETTE).svg;
    const dark = heatmapSvg(d, DARK_PALETTE).svg;
    assert.match(light, /class="bg"[^>]*fill="#ffffff"/);
    assert.match(dark, /class="bg"[^>]*fill="#1e1e1e"/);
    const diff: HeatmapData = { ...d, causal: false, values: Float32Array.from([-1, 0, 1, 0.5, -0.5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), scale: { kind: 'diverging', limit: 1 } };
    const fills = parseXml(heatmapSvg(diff, LIGHT_PALETTE).svg).tags.filter((t) => t.attributes.class === 'c').map((t) => t.attributes.fill);
    assert.equal(fills[1], '#ffffff', '0 is the background');
    assert.notEqual(fills[0], fills[2], '−1 and +1 have different colours');
  });

  it('a map over MAX_RECT_CELLS is one embedded PNG image, and the SVG says so', () => {
    const T = Math.floor(Math.sqrt(MAX_RECT_CELLS)) + 1;
    const { svg, cells } = heatmapSvg(heatmap(T), LIGHT_PALETTE, { rasterise: zlibRasterise, imageNote: 'drawn as an image' });
    assert.equal(cells, 'image');
    const { tags, text } = parseXml(svg);
    assert.equal(tags.filter((t) => t.attributes.class === 'c').length, 0);
    const images = tags.filter((t) => t.name === 'image');
    assert.equal(images.length, 1);
    const png = Buffer.from(images[0].attributes.href.replace(/^data:image\/png;base64,/, ''), 'base64');
    assert.equal(png.readUInt32BE(16), T, 'image width = T');
    assert.match(text, /embedded PNG image/);
    assert.ok(text.includes('drawn as an image'));
  });

  it('the overview SVG holds one rect per thumbnail cell when small, images when large; the heads table is text', () => {
    const small = { title: 'Overview', nLayer: 2, nHead: 3, size: 4, thumbs: Array.from({ length: 6 }, (_, k) => causalMap(4, k + 1)), gamma: true };
    const s = parseXml(gridSvg(small, LIGHT_PALETTE).svg).tags;
    assert.equal(s.filter((t) => t.attributes.class === 'c').length, 6 * 16);
    const big = { ...small, nLayer: 12, nHead: 12, size: 48, thumbs: Array.from({ length: 144 }, (_, k) => causalMap(48, k + 1)) };
    const b = gridSvg(big, DARK_PALETTE, { rasterise: zlibRasterise });
    assert.equal(b.cells, 'image');
    assert.equal(parseXml(b.svg).tags.filter((t) => t.name === 'image').length, 144);
    const table = parseXml(tableSvg({ title: 'Heads', columns: ['layer', 'head', 'induction'], rows: [[0, 1, 0.25], [2, 3, null]] }, LIGHT_PALETTE));
    assert.ok(table.text.includes('0.250') && table.text.includes('induction'));
  });

  it('CSV round-trips: token texts with commas, quotes, line breaks and emoji, and every float32 value exactly', () => {
    const d = heatmap(TRICKY.length * 2);
    const rows = heatmapCsvRows(d);
    const back = parseCsv(toCsv(rows));
    assert.deepEqual(back[0], HEATMAP_CSV_COLUMNS);
    assert.equal(back.length - 1, (d.rowTokens.length * (d.rowTokens.length + 1)) / 2, 'one row per shown (unmasked) cell');
    back.slice(1).forEach((r, k) => {
      const src = rows[k + 1];
      assert.deepEqual(r.slice(0, 8), src.slice(0, 8).map(String), `row ${k + 1}`);
      const [i, j] = [Number(r[0]), Number(r[4])];
      assert.equal(Math.fround(Number(r[8])), d.values[i * d.colTokens.length + j], `value of row ${k + 1}`);
    });
    const json = JSON.parse(heatmapJson(d)) as { values: (number | null)[][]; keys: ExportToken[] };
    assert.equal(json.values[0][1], null, 'a masked cell is null in JSON');
    assert.equal(json.keys[3].start, d.colTokens[3].start);
  });

  it('.npy files are byte for byte what numpy.save writes (header and data)', () => {
    for (const [name, shape] of [['f32_2x3x4', [2, 3, 4]], ['f32_5', [5]], ['f32_12x12x7x7', [12, 12, 7, 7]]] as const) {
      const n = shape.reduce((a: number, b: number) => a * b, 1);
      const a = Float32Array.from({ length: n }, (_, i) => Math.fround(Math.fround(i / 7) - 1.5));
      const ours = Buffer.from(npyBytes(a, shape));
      const numpy = readFileSync(join(__dirname, '..', 'fixtures', 'export', `${name}.npy`));
      const headerLen = numpy.readUInt16LE(8);
      assert.equal(ours.subarray(0, 10 + headerLen).toString('latin1'), numpy.subarray(0, 10 + headerLen).toString('latin1'), `${name}: header`);
      assert.ok(ours.equals(numpy), `${name}: data`);
    }
    assert.throws(() => npyBytes(new Float32Array(5), [2, 3]), /holds 6 values, got 5/);
  });

  it('PNG: valid chunk CRCs, and the image data inflates back to the filtered rows (stored and zlib)', () => {
    const rgb = Uint8Array.from({ length: 3 * 2 * 3 }, (_, i) => (i * 37) % 256);
    for (const png of [encodePng(rgb, 3, 2), encodePng(rgb, 3, 2, (raw) => zlibDeflate(raw))]) {
      const b = Buffer.from(png);
      let o = 8;
      let idat: Buffer | undefined;
      while (o < b.length) {
        const len = b.readUInt32BE(o);
        const type = b.subarray(o + 4, o + 8).toString('latin1');
        assert.equal(b.readUInt32BE(o + 8 + len), crc32(b.subarray(o + 4, o + 8 + len)), `${type} CRC`);
        if (type === 'IDAT') idat = b.subarray(o + 8, o + 8 + len);
        o += 12 + len;
      }
      const raw = inflateSync(idat ?? Buffer.alloc(0));
      assert.deepEqual([...raw.subarray(1, 10)], [...rgb.subarray(0, 9)]);
      assert.deepEqual([...raw.subarray(11, 20)], [...rgb.subarray(9, 18)]);
    }
  });
});

/** zlib's own compressor, for the second PNG above. */
function zlibDeflate(raw: Uint8Array): Uint8Array {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return new Uint8Array((require('node:zlib') as typeof import('node:zlib')).deflateSync(raw));
}

describe('export: report', function () {
  this.timeout(60_000);
  let script = '';
  before(() => {
    // the painter, bundled as esbuild.config.mjs bundles it (not read from dist/: no build needed)
    const r = esbuild.buildSync({ entryPoints: [join(__dirname, '..', '..', 'webview', 'report', 'main.ts')], bundle: true, minify: true, format: 'iife', target: 'es2020', write: false, logLevel: 'silent' });
    script = r.outputFiles[0].text;
  });

  const facts: StepperModelFacts = {
    name: 'gpt2', nLayer: 12, nHead: 12, nEmbd: 768, nInner: 3072, vocabSize: 50257, contextLength: 1024, numParams: 124_439_808,
    activation: 'gelu_new', layerNormEps: 1e-5, family: 'gpt2', nKvHead: 12, headDim: 64, norm: 'layernorm', normPlacement: 'pre',
    finalNorm: true, qkNorm: false, qkvBias: true, mlp: 'mlp', tiedHead: true, bundled: false, card: 'A card with <b>markup</b> and </script> in it.',
  };

  function report(T: number, pinned: number) {
    const toks = tokens(T).map((t, i) => ({ ...t, id: i }));
    return buildReport({
      created: new Date('2026-01-02T03:04:05Z'), language: 'en', palette: LIGHT_PALETTE, gamma: false, facts,
      text: toks.map((t) => t.text).join(''), tokens: toks,
      surprisal: toks.map((_, i) => (i === 0 ? NaN : (i % 13) + 0.123456)),
      predictions: toks.map(() => ({ texts: [' the', ',', ' a', '\n', ' of'], probs: [0.3, 0.2, 0.1, 0.05, 0.01] })),
      overview: { nLayer: 12, nHead: 12, size: 48, thumbs: Array.from({ length: 144 }, (_, k) => causalMap(48, k + 1)) },
      heads: Array.from({ length: pinned }, (_, k) => ({ layer: k, head: k, values: causalMap(T, 100 + k) })),
    });
  }

  it('holds no http(s) URL, its script and style by CSP hash only, and stays under 5 MB for 256 tokens on GPT-2 small with 8 pinned heads', () => {
    const sha = (s: string): string => createHash('sha256').update(s, 'utf8').digest('base64');
    const html = reportHtml(report(256, 8), script, sha);
    assert.doesNotMatch(html, /https?:\/\//i);
    assert.doesNotMatch(html, /\s(src|href)=/i, 'nothing is loaded from a file or URL');
    const bytes = Buffer.byteLength(html);
    assert.ok(bytes < 5 * 1024 * 1024, `${bytes} bytes`);
    const csp = /Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
    assert.match(csp, /default-src 'none'/);
    const inline = /<script>([\s\S]*)<\/script>\s*<\/body>/.exec(html)?.[1] ?? '';
    assert.ok(csp.includes(`'sha256-${sha(inline)}'`), 'the CSP names the inline script by its hash');
    assert.equal((html.match(/<\/script>/gi) ?? []).length, 2, "the card's </script> cannot end a script element");
  });

  it('keeps the pinned heads within 16-bit precision, the surprisal and the facts', () => {
    const r = report(20, 2);
    const codes = Buffer.from(r.heads[1].data, 'base64');
    const want = causalMap(20, 101);
    for (let i = 0; i < 400; i++) assert.ok(Math.abs(codes.readUInt16LE(2 * i) / 65535 - want[i]) <= 1 / 65535, `cell ${i}`);
    assert.equal(r.surprisal[0], null);
    assert.equal(r.surprisal[1], 1.123);
    assert.deepEqual(r.model.facts.find(([k]) => k === 'Parameters'), ['Parameters', '124.4M']);
    assert.equal(buildReport({ ...inputOf(r), language: 'zh-cn' }).strings.lang, 'zh-CN');
  });

  /** Rebuilds an input from a report's numbers (for the language check). */
  function inputOf(r: ReturnType<typeof report>) {
    return {
      created: new Date(r.created), palette: r.palette, gamma: r.gamma, facts, text: r.text,
      tokens: r.tokens.map((t, i) => ({ id: i, text: t.text, start: t.start, end: t.end })),
      surprisal: r.surprisal.map((x) => x ?? NaN), predictions: r.predictions,
      overview: { nLayer: 12, nHead: 12, size: 48, thumbs: Array.from({ length: 144 }, () => new Float32Array(48 * 48)) }, heads: [],
    };
  }
});
