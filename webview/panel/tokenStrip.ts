// The analysed text as the model's tokens (`.token[data-index]` chips, whitespace made visible).
// The selected query is outlined; the other chips are tinted by the weight the query gives them.
// Keyboard: ←/→ (and Home/End) move the query, Enter shows the token in the editor.
import type { ColorScale } from '../../src/shared/protocol';
import { appendLabel, el, visibleText } from './dom';
import { applyScale, css, type Theme } from './theme';
import { labelWords, t } from './text';
import type { Token } from '../../src/shared/token';
import { describeLabel, type TokenLabel } from '../../src/shared/tokenLabels';

export interface TokenStripEvents {
  select(index: number): void;
  activate(index: number): void;
  escape(): void;
}

export class TokenStrip {
  readonly node: HTMLElement;
  private chips: HTMLElement[] = [];
  /** What setWeights last wrote on each chip. */
  private tints: string[] = [];
  private future: boolean[] = [];
  private selected = -1;

  constructor(private readonly events: TokenStripEvents) {
    this.node = el('div', { class: 'token-strip', role: 'listbox', 'aria-label': t('tokensAria'), 'aria-orientation': 'horizontal' });
    this.node.addEventListener('click', (e) => {
      const i = this.indexOf(e.target);
      if (i >= 0) this.events.select(i);
    });
    this.node.addEventListener('dblclick', (e) => {
      const i = this.indexOf(e.target);
      if (i >= 0) this.events.activate(i);
    });
    this.node.addEventListener('keydown', (e) => this.onKey(e));
  }

  /**
   * `generated`: tokens [start, end) the model wrote (Explain Completion), marked as such;
   * `template`: indices of tokens a chat template wrote (not in the document), marked too.
   * `labels`: what each token shows (labelTokens): part of a character as the character, marked.
   */
  render(tokens: readonly Token[], labels: readonly TokenLabel[], generated?: { start: number; end: number }, template: readonly number[] = []): void {
    const fromTemplate = new Set(template);
    const words = labelWords();
    this.chips = tokens.map((tok, i) => {
      const gen = generated !== undefined && i >= generated.start && i < generated.end;
      const tpl = !gen && fromTemplate.has(i);
      const label = labels[i];
      const detail = describeLabel(label, words);
      const shown = detail.length ? `${visibleText(label.text)} (${detail.join('; ')})` : visibleText(label.text);
      const title = gen ? t('tokenTitleGenerated', i, tok.id) : tpl ? t('tokenTitleTemplate', i, tok.id) : t('tokenTitle', i, tok.id);
      const chip = el('span', {
        class: gen ? 'token generated' : tpl ? 'token template' : 'token',
        role: 'option',
        'data-index': i,
        tabindex: -1,
        'aria-selected': 'false',
        'aria-label': gen ? t('tokenAriaGenerated', i, shown) : tpl ? t('tokenAriaTemplate', i, shown) : t('tokenAria', i, shown),
        title: [title, ...detail].join('\n'),
      });
      if (label.partial) chip.classList.add('partial');
      appendLabel(chip, label);
      return chip;
    });
    const nodes: HTMLElement[] = [];
    const br = (): HTMLElement => el('span', { class: 'line-break', 'aria-hidden': 'true' });
    tokens.forEach((t, i) => {
      // mirror the text's lines: break after a token ending in a newline, else before one holding it
      const nl = t.text.lastIndexOf('\n');
      if (nl >= 0 && nl < t.text.length - 1 && i > 0) nodes.push(br());
      nodes.push(this.chips[i]);
      if (nl >= 0 && nl === t.text.length - 1) nodes.push(br());
    });
    this.node.replaceChildren(...nodes);
    this.tints = this.chips.map(() => '');
    this.future = this.chips.map(() => false);
    this.selected = -1;
  }

  setSelected(i: number, focus = false): void {
    const prev = this.chips[this.selected];
    if (prev) {
      prev.classList.remove('selected');
      prev.setAttribute('aria-selected', 'false');
      prev.tabIndex = -1;
    }
    this.selected = i;
    const chip = this.chips[i];
    if (!chip) return;
    chip.classList.add('selected');
    chip.setAttribute('aria-selected', 'true');
    chip.tabIndex = 0;
    this.node.setAttribute('aria-activedescendant', '');
    if (focus) chip.focus({ preventScroll: true });
    chip.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }

  /**
   * Tints every chip by the query row's weights (relative to the row's max); undefined clears. Only
   * chips whose tint changed are touched: at thousands of tokens a style write per chip per query
   * would restyle the whole strip on every arrow key.
   */
  setWeights(row: Float32Array | undefined, query: number, theme: Theme, scale: ColorScale): void {
    let max = 0;
    if (row) for (let j = 0; j <= query && j < row.length; j++) max = Math.max(max, row[j]);
    this.chips.forEach((chip, j) => {
      const future = !!row && j > query;
      let tint = '';
      if (row && !future && max > 0) {
        const a = applyScale(row[j] / max, scale);
        tint = a < 0.03 ? '' : css(theme.accent, Math.min(0.85, a * 0.75));
      }
      if (this.tints[j] !== tint) {
        chip.style.backgroundColor = tint;
        this.tints[j] = tint;
      }
      if (this.future[j] !== future) {
        chip.classList.toggle('future', future);
        this.future[j] = future;
      }
    });
  }

  private indexOf(target: EventTarget | null): number {
    const chip = (target as HTMLElement | null)?.closest?.('.token');
    return chip ? Number((chip as HTMLElement).dataset.index) : -1;
  }

  private onKey(e: KeyboardEvent): void {
    const n = this.chips.length;
    if (!n) return;
    let i = this.selected;
    switch (e.key) {
      case 'ArrowLeft':
      case 'ArrowUp':
        i = Math.max(0, i - 1);
        break;
      case 'ArrowRight':
      case 'ArrowDown':
        i = Math.min(n - 1, i + 1);
        break;
      case 'Home':
        i = 0;
        break;
      case 'End':
        i = n - 1;
        break;
      case 'Enter':
        if (i >= 0) this.events.activate(i);
        e.preventDefault();
        return;
      case 'Escape':
        this.events.escape();
        e.preventDefault();
        return;
      default:
        return;
    }
    e.preventDefault();
    this.events.select(i);
    this.chips[i]?.focus({ preventScroll: true });
  }
}
