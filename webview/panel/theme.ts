// Colours from the VS Code theme (--vscode-* variables), re-read when the theme changes (VS Code
// swaps body's class: vscode-light / vscode-dark / vscode-high-contrast[-light]), as
// vscode-js-profile-visualizer does.
import type { ColorScale } from '../../src/shared/protocol';
import { makeRamp } from '../../src/export/palette';

export type RGB = [number, number, number];

export interface Theme {
  kind: 'light' | 'dark' | 'hc-dark' | 'hc-light';
  bg: RGB;
  fg: RGB;
  accent: RGB;
  focus: string;
  muted: string;
  fgCss: string;
  bgCss: string;
  font: string;
  /** 256 colours for 0..1 (after the scale), flat RGB. */
  ramp: Uint8ClampedArray;
  /** Fill of masked (future) cells and their hatch lines. */
  masked: RGB;
  hatch: string;
  gltr: Record<'top10' | 'top100' | 'top1000' | 'beyond', string>;
}

let probe: CanvasRenderingContext2D | null = null;

/** Any CSS colour → RGB (through a 1×1 canvas); `fallback` when unparsable or empty. */
export function parseColor(css: string, fallback: RGB): RGB {
  if (!css.trim()) return fallback;
  probe ??= document.createElement('canvas').getContext('2d', { willReadFrequently: true });
  if (!probe) return fallback;
  probe.clearRect(0, 0, 1, 1);
  probe.fillStyle = '#000';
  probe.fillStyle = css;
  probe.fillRect(0, 0, 1, 1);
  const d = probe.getImageData(0, 0, 1, 1).data;
  return [d[0], d[1], d[2]];
}

const mix = (a: RGB, b: RGB, t: number): RGB => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
export const css = (c: RGB, alpha = 1): string =>
  alpha >= 1 ? `rgb(${c.map(Math.round).join(',')})` : `rgba(${c.map(Math.round).join(',')},${alpha})`;

export function readTheme(): Theme {
  const s = getComputedStyle(document.body);
  const v = (name: string): string => s.getPropertyValue(name).trim();
  const cls = document.body.classList;
  const kind: Theme['kind'] = cls.contains('vscode-high-contrast-light')
    ? 'hc-light'
    : cls.contains('vscode-high-contrast')
      ? 'hc-dark'
      : cls.contains('vscode-light')
        ? 'light'
        : 'dark';
  const light = kind === 'light' || kind === 'hc-light';
  const bg = parseColor(v('--vscode-editor-background'), light ? [255, 255, 255] : [30, 30, 30]);
  const fg = parseColor(v('--vscode-editor-foreground'), light ? [51, 51, 51] : [212, 212, 212]);
  const accent = parseColor(v('--vscode-charts-blue') || v('--vscode-textLink-foreground'), light ? [0, 95, 184] : [55, 148, 255]);
  const ramp = makeRamp(bg, fg, accent); // the exports build theirs the same way (src/export/palette.ts)
  return {
    kind,
    bg,
    fg,
    accent,
    focus: v('--vscode-focusBorder') || css(accent),
    muted: v('--vscode-descriptionForeground') || css(mix(bg, fg, 0.6)),
    fgCss: css(fg),
    bgCss: css(bg),
    font: v('--vscode-font-family') || 'system-ui, sans-serif',
    ramp,
    masked: mix(bg, fg, kind.startsWith('hc') ? 0.2 : 0.07),
    hatch: css(mix(bg, fg, kind.startsWith('hc') ? 0.45 : 0.18)),
    gltr: {
      top10: v('--vscode-charts-green') || '#3fb950',
      top100: v('--vscode-charts-yellow') || '#d29922',
      top1000: v('--vscode-charts-red') || '#f85149',
      beyond: v('--vscode-charts-purple') || '#a371f7',
    },
  };
}

/** Calls `cb` whenever VS Code changes the theme; returns a function that stops listening. */
export function onThemeChange(cb: () => void): () => void {
  const mo = new MutationObserver(() => cb());
  mo.observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-id'] });
  return () => mo.disconnect();
}

/** Maps a weight in [0, 1] through the colour scale: linear, or gamma 0.4 to lift small weights. */
export function applyScale(v: number, scale: ColorScale): number {
  const x = v < 0 ? 0 : v > 1 ? 1 : v;
  return scale === 'gamma' ? Math.pow(x, 0.4) : x;
}

/** The ramp colour for a (scaled) value in [0, 1]. */
export function rampAt(theme: Theme, t: number): RGB {
  const i = Math.max(0, Math.min(255, Math.round(t * 255))) * 3;
  return [theme.ramp[i], theme.ramp[i + 1], theme.ramp[i + 2]];
}
