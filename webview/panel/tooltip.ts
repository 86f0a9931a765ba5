// The one hover tooltip (#tooltip), positioned beside the pointer and kept inside the window.
import { el } from './dom';

export class Tooltip {
  readonly node: HTMLElement;

  constructor() {
    this.node = el('div', { id: 'tooltip', role: 'tooltip', class: 'tooltip', hidden: true });
    document.body.append(this.node);
  }

  /** Shows rows of [label, value] (or plain lines) near client position (x, y). */
  show(x: number, y: number, rows: (string | [string, string])[]): void {
    this.node.replaceChildren(
      ...rows.map((r) =>
        typeof r === 'string' ? el('div', { class: 'tt-line', text: r }) : el('div', { class: 'tt-row' }, el('span', { class: 'tt-label', text: r[0] }), el('span', { class: 'tt-value', text: r[1] })),
      ),
    );
    this.node.hidden = false;
    const pad = 12;
    const { width, height } = this.node.getBoundingClientRect();
    let left = x + pad;
    let top = y + pad;
    if (left + width > window.innerWidth - 4) left = Math.max(4, x - width - pad);
    if (top + height > window.innerHeight - 4) top = Math.max(4, y - height - pad);
    this.node.style.left = `${left}px`;
    this.node.style.top = `${top}px`;
  }

  hide(): void {
    this.node.hidden = true;
  }
}
