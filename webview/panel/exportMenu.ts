// The panel's Export menu (a toolbar button and its popup): the colours to export in (the current
// theme, light or dark), then for the detail, the overview and the heads table a row of formats —
// PNG, SVG, CSV, JSON, NPY (attention tensors), Copy image — and "Export Report…". Escape or a
// click elsewhere closes it; a copy's outcome is said in its status line.
import { el } from './dom';
import type { Exporter, ExportTarget, ExportTheme } from './exporter';
import { segmented, type Segmented } from './layout';
import { t } from './text';

type Action = 'png' | 'svg' | 'csv' | 'json' | 'npy' | 'copy';

type Key = Parameters<typeof t>[0];
/** Each action's button: the keys of its text and of its title in the panel's table. */
const ACTIONS: { action: Action; textKey: Key; titleKey: Key }[] = [
  { action: 'png', textKey: 'exportPng', titleKey: 'exportPngTitle' },
  { action: 'svg', textKey: 'exportSvg', titleKey: 'exportSvgTitle' },
  { action: 'csv', textKey: 'exportCsv', titleKey: 'exportCsvTitle' },
  { action: 'json', textKey: 'exportJson', titleKey: 'exportJsonTitle' },
  { action: 'npy', textKey: 'exportNpy', titleKey: 'exportNpyTitle' },
  { action: 'copy', textKey: 'exportCopy', titleKey: 'exportCopyTitle' },
];

export class ExportMenu {
  readonly node: HTMLElement;
  private readonly button: HTMLButtonElement;
  private readonly menu: HTMLElement;
  private readonly status: HTMLElement;
  private readonly labels = new Map<ExportTarget, HTMLElement>();
  private readonly themeToggle: Segmented<ExportTheme>;
  private theme: ExportTheme = 'current';

  constructor(private readonly exporter: Exporter) {
    this.button = el('button', { type: 'button', id: 'export-button', class: 'toggle', 'aria-haspopup': 'true', 'aria-expanded': 'false', title: t('exportTitle'), text: `${t('export')} ▾` });
    this.themeToggle = segmented<ExportTheme>(
      t('exportColours'),
      [
        { value: 'current', text: t('exportThemeCurrent') },
        { value: 'light', text: t('exportThemeLight') },
        { value: 'dark', text: t('exportThemeDark') },
      ],
      (v) => {
        this.theme = v;
        this.themeToggle.set(v);
      },
    );
    this.themeToggle.node.id = 'export-theme';
    this.themeToggle.set(this.theme);
    const rows = (['detail', 'overview', 'heads'] as const).map((target) => this.row(target));
    const report = el('button', { type: 'button', class: 'secondary', 'data-export': 'report', title: t('exportReportTitle'), text: t('exportReport') });
    report.addEventListener('click', () => {
      this.exporter.report(this.theme);
      this.close();
    });
    this.status = el('p', { class: 'export-status', role: 'status', 'aria-live': 'polite' });
    this.menu = el(
      'div',
      { id: 'export-menu', class: 'export-menu', role: 'dialog', 'aria-label': t('export'), hidden: true },
      el('div', { class: 'export-theme' }, el('span', { text: `${t('exportColours')}:` }), this.themeToggle.node),
      ...rows,
      el('div', { class: 'export-report' }, report),
      this.status,
    );
    this.node = el('div', { class: 'export' }, this.button, this.menu);
    this.button.addEventListener('click', () => (this.menu.hidden ? this.open() : this.close()));
    this.menu.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        this.close();
        this.button.focus();
      }
    });
    document.addEventListener('mousedown', (e) => {
      if (!this.menu.hidden && !this.node.contains(e.target as Node)) this.close();
    });
  }

  private row(target: ExportTarget): HTMLElement {
    const label = el('span', { class: 'export-label' });
    this.labels.set(target, label);
    const buttons = ACTIONS.filter((a) => a.action !== 'npy' || target !== 'heads').map((a) => {
      const b = el('button', { type: 'button', class: 'seg', 'data-export': `${target}:${a.action}`, title: t(a.titleKey), text: t(a.textKey) });
      b.addEventListener('click', () => void this.run(target, a.action));
      return b;
    });
    return el('div', { class: 'export-row', 'data-target': target }, label, el('div', { class: 'export-actions' }, ...buttons));
  }

  private open(): void {
    this.labels.get('detail')!.textContent = this.exporter.detailLabel();
    this.labels.get('overview')!.textContent = t('exportOverview');
    this.labels.get('heads')!.textContent = t('exportHeadsTable');
    for (const [target] of this.labels) {
      const ok = this.exporter.ready(target);
      for (const b of this.menu.querySelectorAll<HTMLButtonElement>(`[data-export^="${target}:"]`)) {
        b.disabled = !ok;
        if (!ok) b.title = t('exportNotReady');
      }
    }
    this.status.textContent = '';
    this.menu.hidden = false;
    this.button.setAttribute('aria-expanded', 'true');
    this.menu.querySelector<HTMLButtonElement>('button:not([disabled])')?.focus();
  }

  private close(): void {
    this.menu.hidden = true;
    this.button.setAttribute('aria-expanded', 'false');
  }

  private async run(target: ExportTarget, action: Action): Promise<void> {
    try {
      if (action === 'copy') {
        await this.exporter.copy(target, this.theme);
        this.status.textContent = t('exportCopied');
        return;
      }
      if (action === 'npy') this.exporter.tensor(target === 'overview' ? 'overview' : 'detail');
      else if (action === 'png') this.exporter.save(await this.exporter.png(target, this.theme));
      else if (action === 'svg') this.exporter.save(this.exporter.svg(target, this.theme));
      else this.exporter.save(this.exporter.numbers(target, action));
      this.close();
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      this.status.textContent = action === 'copy' ? t('exportCopyFailed', msg) : t('exportFailed', msg);
    }
  }
}
