// The exports' colours: the light and dark palettes (VS Code's Light Modern / Dark Modern editor
// colours, the same fallbacks the panel's theme.ts uses), the panel's ramp (background → accent →
// foreground) and the value → colour mapping, shared by the SVG writer, the report's painter and the
// panel (webview/panel/theme.ts builds its ramp here).
import type { ExportPalette, RGB, ValueScale } from './exportTypes';

const mix = (a: RGB, b: RGB, t: number): RGB => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];

/** A palette from its three base colours; the rest derived as the panel derives them. */
export function paletteFrom(name: string, bg: RGB, fg: RGB, accent: RGB, font = 'system-ui, -apple-system, "Segoe UI", sans-serif', negative?: RGB): ExportPalette {
  const light = bg[0] + bg[1] + bg[2] > 382;
  return {
    name,
    bg,
    fg,
    accent,
    muted: mix(bg, fg, 0.6).map(Math.round) as RGB,
    masked: mix(bg, fg, 0.07).map(Math.round) as RGB,
    hatch: mix(bg, fg, 0.18).map(Math.round) as RGB,
    negative: negative ?? (light ? [196, 43, 28] : [241, 76, 76]),
    font,
  };
}

export const LIGHT_PALETTE = paletteFrom('light', [255, 255, 255], [51, 51, 51], [0, 95, 184]);
export const DARK_PALETTE = paletteFrom('dark', [30, 30, 30], [212, 212, 212], [55, 148, 255]);

export function namedPalette(name: 'light' | 'dark'): ExportPalette {
  return name === 'light' ? LIGHT_PALETTE : DARK_PALETTE;
}

/** 256 colours for 0..1 (after the scale), flat RGB: background → accent (up to 0.6) → towards the foreground. */
export function makeRamp(bg: RGB, fg: RGB, accent: RGB): Uint8ClampedArray {
  const ramp = new Uint8ClampedArray(256 * 3);
  const knee = 0.6;
  for (let i = 0; i < 256; i++) {
    const t = i / 255;
    const c = t < knee ? mix(bg, accent, t / knee) : mix(accent, fg, ((t - knee) / (1 - knee)) * 0.75);
    ramp.set(c.map(Math.round), i * 3);
  }
  return ramp;
}

/** Maps a weight in [0, 1] through the colour scale: linear, or gamma 0.4 to lift small weights. */
export function applyScale(v: number, gamma: boolean): number {
  const x = v < 0 ? 0 : v > 1 ? 1 : v;
  return gamma ? Math.pow(x, 0.4) : x;
}

/** value → colour for one palette and scale (a ramp is built once per call of this). */
export function colourMap(p: ExportPalette, scale: ValueScale): (v: number) => RGB {
  if (scale.kind === 'sequential') {
    const ramp = makeRamp(p.bg, p.fg, p.accent);
    return (v) => {
      const k = Math.round(applyScale(Number.isFinite(v) ? v : 0, scale.gamma) * 255) * 3;
      return [ramp[k], ramp[k + 1], ramp[k + 2]];
    };
  }
  const limit = scale.limit > 0 ? scale.limit : 1;
  return (v) => {
    const x = Math.max(-1, Math.min(1, (Number.isFinite(v) ? v : 0) / limit));
    return mix(p.bg, x < 0 ? p.negative : p.accent, Math.abs(x)).map(Math.round) as RGB;
  };
}

export const hex = (c: RGB): string => `#${c.map((x) => Math.round(x).toString(16).padStart(2, '0')).join('')}`;
