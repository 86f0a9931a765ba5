// Reads canvases inside a webview frame: how much of each is painted, in how many colours.
import type { Frame } from 'playwright-core';

export interface CanvasStats {
  layer: string | null;
  head: string | null;
  width: number;
  height: number;
  /** Pixels with alpha > 0. */
  painted: number;
  /** Distinct RGBA values (capped at 256). */
  colours: number;
}

/** getImageData over every canvas matching `selector` in the frame. */
export function canvasStats(frame: Frame, selector: string): Promise<CanvasStats[]> {
  return frame.$$eval(selector, (els) =>
    (els as HTMLCanvasElement[]).map((c) => {
      const stats = {
        layer: c.getAttribute('data-layer'),
        head: c.getAttribute('data-head'),
        width: c.width,
        height: c.height,
        painted: 0,
        colours: 0,
      };
      const ctx = c.width && c.height ? c.getContext('2d') : null;
      if (!ctx) return stats;
      const px = ctx.getImageData(0, 0, c.width, c.height).data;
      const seen = new Set<number>();
      for (let i = 0; i < px.length; i += 4) {
        if (px[i + 3] > 0) stats.painted++;
        if (seen.size < 256) seen.add(((px[i] << 24) | (px[i + 1] << 16) | (px[i + 2] << 8) | px[i + 3]) >>> 0);
      }
      stats.colours = seen.size;
      return stats;
    }),
  );
}

/** A canvas shows something: painted pixels in at least two colours (a heatmap, not a fill). */
export function isNonBlank(s: CanvasStats): boolean {
  return s.painted > 0 && s.colours >= 2;
}
