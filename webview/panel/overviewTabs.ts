// The overview card's two tabs: "Overview" (the thumbnails and their badges' legend) and "Heads"
// (the head table). ARIA tabs: ←/→ (and Home/End) move between them, the selected one is the only
// one in the Tab order.
import { el } from './dom';
import { t } from './text';

export type OverviewTab = 'overview' | 'heads';

export class OverviewTabs {
  readonly node: HTMLElement;
  private readonly tabs: Record<OverviewTab, HTMLButtonElement>;
  private readonly panels: Record<OverviewTab, HTMLElement>;
  private selected: OverviewTab = 'overview';

  constructor(overview: HTMLElement[], heads: HTMLElement, private readonly onChange: (tab: OverviewTab) => void = () => undefined) {
    const tab = (id: OverviewTab, text: string): HTMLButtonElement =>
      el('button', { type: 'button', role: 'tab', id: `tab-${id}`, class: 'tab', 'aria-controls': `tabpanel-${id}`, text });
    this.tabs = { overview: tab('overview', t('tabOverview')), heads: tab('heads', t('tabHeads')) };
    const panel = (id: OverviewTab, ...children: HTMLElement[]): HTMLElement =>
      el('div', { role: 'tabpanel', id: `tabpanel-${id}`, 'aria-labelledby': `tab-${id}` }, ...children);
    this.panels = { overview: panel('overview', ...overview), heads: panel('heads', heads) };
    const list = el('div', { role: 'tablist', class: 'tabs', 'aria-label': t('tabsAria') }, this.tabs.overview, this.tabs.heads);
    list.addEventListener('click', (e) => {
      const b = (e.target as HTMLElement).closest<HTMLButtonElement>('[role="tab"]');
      if (b) this.select(b === this.tabs.heads ? 'heads' : 'overview');
    });
    list.addEventListener('keydown', (e) => {
      const next: OverviewTab | undefined = { ArrowLeft: 'overview', Home: 'overview', ArrowRight: 'heads', End: 'heads' }[e.key] as OverviewTab | undefined;
      if (!next) return;
      e.preventDefault();
      this.select(next);
      this.tabs[next].focus();
    });
    this.node = el('div', { class: 'overview-tabs' }, list, this.panels.overview, this.panels.heads);
    this.select('overview');
  }

  get current(): OverviewTab {
    return this.selected;
  }

  select(tab: OverviewTab): void {
    const changed = tab !== this.selected;
    this.selected = tab;
    for (const k of ['overview', 'heads'] as const) {
      const on = k === tab;
      this.tabs[k].setAttribute('aria-selected', String(on));
      this.tabs[k].tabIndex = on ? 0 : -1;
      this.panels[k].hidden = !on;
    }
    if (changed) this.onChange(tab);
  }
}
