// Small helpers for the SVG writers: escaping, numbers, the document around the content.
import type { ExportPalette } from './exportTypes';
import { hex } from './palette';
import { base64, encodePng } from './png';

export function escapeXml(s: string): string {
  // XML 1.0 forbids most C0 controls even escaped: each becomes its Control Picture (U+2400 + code, e.g. ␀);
  // a lone surrogate (half of an emoji cut by a token) becomes U+FFFD.
  return s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, (c) => String.fromCharCode(0x2400 + c.charCodeAt(0)))
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** A coordinate with at most two decimals. */
export const n2 = (x: number): string => String(Math.round(x * 100) / 100);

/** Turns RGB pixels into an image the SVG can hold: a data: URL (PNG). */
export type Rasterise = (rgb: Uint8ClampedArray, width: number, height: number) => string;

/** The default: our PNG encoder, uncompressed unless a zlib compressor is given. */
export function pngDataUrl(deflate?: (raw: Uint8Array) => Uint8Array): Rasterise {
  return (rgb, w, h) => `data:image/png;base64,${base64(encodePng(rgb, w, h, deflate))}`;
}

/** The document: size, background, font, a title and a description (said to screen readers and tools). */
export function svgDocument(width: number, height: number, p: ExportPalette, title: string, desc: string, body: string): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${n2(width)}" height="${n2(height)}" viewBox="0 0 ${n2(width)} ${n2(height)}" font-family="${escapeXml(p.font)}" font-size="11">`,
    `<title>${escapeXml(title)}</title>`,
    `<desc>${escapeXml(desc)}</desc>`,
    `<rect class="bg" x="0" y="0" width="${n2(width)}" height="${n2(height)}" fill="${hex(p.bg)}"/>`,
    body,
    '</svg>',
    '',
  ].join('\n');
}

/** Roughly how wide `s` is at 11 px (no text metrics outside a browser): for layout only. */
export function textWidth(s: string, px = 11): number {
  let w = 0;
  for (const ch of s) w += /[\u1100-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]|[\u{1f000}-\u{1faff}]/u.test(ch) ? px : px * 0.6;
  return w;
}

/** A label cut to `max` characters with an ellipsis, whitespace made visible as the panel does. */
export function shortText(s: string, max = 12): string {
  const v = s.replace(/ /g, '·').replace(/\n/g, '↵').replace(/\t/g, '→');
  const chars = Array.from(v);
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : v;
}
