// The level-of-detail matrix view's zoom buttons (−, +, back to the selected query) and the line
// saying which rows and keys the window shows (read out politely to screen readers).
import { el } from './dom';
import { t } from './text';
import type { ZoomWindow } from './viewport';

export interface ZoomEvents {
  zoom(dir: 1 | -1): void;
  /** Put the window back on the selected query. */
  follow(): void;
}

export class ZoomControls {
  readonly node: HTMLElement;
  private readonly where: HTMLElement;
  private readonly zoomIn: HTMLButtonElement;
  private readonly zoomOut: HTMLButtonElement;

  constructor(events: ZoomEvents) {
    const button = (text: string, title: string, run: () => void): HTMLButtonElement => {
      const b = el('button', { type: 'button', class: 'secondary zoom-button', title, 'aria-label': title, text });
      b.addEventListener('click', run);
      return b;
    };
    this.zoomOut = button('−', t('zoomOut'), () => events.zoom(1));
    this.zoomIn = button('+', t('zoomIn'), () => events.zoom(-1));
    const follow = button(t('ttQuery'), t('zoomFollow'), () => events.follow()); // a word: symbol glyphs are missing from some fonts
    this.where = el('span', { class: 'zoom-where', 'aria-live': 'polite' });
    this.node = el('div', { class: 'zoom-controls', role: 'group', 'aria-label': t('zoomGroup') }, this.zoomOut, this.zoomIn, follow, this.where);
  }

  /** Shows where `w` is on a map of T tokens; the buttons off at the ends of the zoom range. */
  set(w: ZoomWindow, T: number, smallest: number, largest: number): void {
    const last = (x: number): number => Math.min(T, x + w.size) - 1;
    const text = t('zoomWhere', w.row0, last(w.row0), w.col0, last(w.col0), w.size);
    if (this.where.textContent !== text) this.where.textContent = text; // a live region: said only when it changes
    this.zoomIn.disabled = w.size <= smallest;
    this.zoomOut.disabled = w.size >= Math.min(largest, T);
  }
}
