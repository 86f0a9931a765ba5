// The Heads tab: one row per layer × head with its six scores (analysis/headScores.ts), sortable
// by any column (a click or Enter on its header; again to reverse), each header's tooltip the
// score's definition. The host pushes the run's table after its overview; "Probe" asks it for the
// table on the standard probe, and a toggle then switches between the two. A click or Enter on a
// row opens that head. With grouped-query attention a column names each head's K/V group. A tick
// box on each row chooses the heads to ablate together (ablationView.ts).
import { SCORE_NAMES, type ScoreName } from '../../src/shared/headScoreNames';
import { kvGroupOf, kvGroups } from '../../src/shared/kvGroups';
import type { HeadRef } from '../../src/shared/interventionTypes';
import type { HeadScoreRow, HeadScoresMessage } from '../../src/shared/protocol';
import { el } from './dom';
import { segmented, type Segmented } from './layout';
import { badgeShort, badgeText } from './overviewBadges';
import { t } from './text';

export type TableSource = 'text' | 'probe';
type SortKey = ScoreName | 'head';

export interface HeadsTableEvents {
  /** Open the head (as a click on its overview thumbnail does). */
  open(layer: number, head: number): void;
  /** Ask the host for the probe's table. */
  probe(): void;
  /** The table now shows another source's rows (the overview's badges follow it). */
  shown(rows: readonly HeadScoreRow[] | undefined): void;
  /** The heads ticked for ablation changed. */
  chosen(heads: HeadRef[]): void;
}

const SCORE_TEXT: Record<ScoreName, { name: Parameters<typeof t>[0]; definition: Parameters<typeof t>[0] }> = {
  previousToken: { name: 'headsPreviousToken', definition: 'headsPreviousTokenTitle' },
  induction: { name: 'headsInduction', definition: 'headsInductionTitle' },
  duplicateToken: { name: 'headsDuplicateToken', definition: 'headsDuplicateTokenTitle' },
  firstToken: { name: 'headsFirstToken', definition: 'headsFirstTokenTitle' },
  local: { name: 'headsLocal', definition: 'headsLocalTitle' },
  entropy: { name: 'headsEntropy', definition: 'headsEntropyTitle' },
};

/** Highest first, except the distance: most local first. */
const naturalDescending = (k: SortKey): boolean => k !== 'head' && k !== 'local';

function format(k: ScoreName, v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '–';
  return k === 'local' ? v.toFixed(1) : k === 'entropy' ? v.toFixed(2) : v.toFixed(3);
}

export class HeadsTable {
  readonly node: HTMLElement;
  private readonly status: HTMLElement;
  private readonly probeButton: HTMLButtonElement;
  private readonly sourceToggle: Segmented<TableSource>;
  private readonly table: HTMLTableElement;
  private readonly tables: Partial<Record<TableSource, HeadScoresMessage>> = {};
  private source: TableSource = 'text';
  private sort: { key: SortKey; descending: boolean } = { key: 'head', descending: false };
  private nHead = 0;
  private nKvHead: number | undefined;
  private probing = false;
  private focusRow = 0;
  /** The head open in the detail view ("layer.head"), marked in the table. */
  private open = '';
  /** The heads ticked for ablation ("layer.head"). */
  private readonly ticked = new Set<string>();

  constructor(private readonly events: HeadsTableEvents) {
    this.probeButton = el('button', { type: 'button', id: 'heads-probe', class: 'secondary', title: t('headsProbeTitle'), text: t('headsProbe') });
    this.probeButton.addEventListener('click', () => this.askProbe());
    this.sourceToggle = segmented<TableSource>(
      t('headsSource'),
      [
        { value: 'text', text: t('headsSourceText'), title: t('headsSourceTextTitle') },
        { value: 'probe', text: t('headsSourceProbe'), title: t('headsSourceProbeTitle') },
      ],
      (s) => this.switchTo(s),
    );
    this.status = el('span', { id: 'heads-status', class: 'heads-status muted', role: 'status', 'aria-live': 'polite' });
    this.table = el('table', { id: 'heads-table', class: 'heads-table', 'aria-label': t('headsTableAria') });
    this.table.addEventListener('click', (e) => this.onClick(e));
    this.table.addEventListener('keydown', (e) => this.onKey(e));
    this.node = el(
      'div',
      { class: 'heads' },
      el('div', { class: 'heads-bar' }, this.sourceToggle.node, this.probeButton, this.status),
      el('div', { class: 'heads-scroll' }, this.table),
    );
    this.sync();
  }

  /** A new run: its shape; both tables are dropped (the probe's comes back from the host's cache). */
  reset(nHead: number, nKvHead: number | undefined): void {
    this.nHead = nHead;
    this.nKvHead = nKvHead;
    delete this.tables.text;
    delete this.tables.probe;
    this.probing = false;
    this.source = 'text';
    this.ticked.clear();
    this.events.chosen([]);
    this.sync();
  }

  /** A table the host pushed. */
  set(m: HeadScoresMessage): void {
    if (m.which === 'probe') {
      this.probing = false;
      if (m.error) {
        this.sync(m.error);
        return;
      }
      this.tables.probe = m;
      this.source = 'probe'; // the user asked for it: show it
    } else this.tables.text = m;
    this.sync();
  }

  /** Marks the row of the head open in the detail view (none for a layer mean or the rollout). */
  setOpen(layer: number, head: number | undefined): void {
    this.open = head === undefined ? '' : `${layer}.${head}`;
    for (const tr of this.table.tBodies[0]?.rows ?? []) this.markOpen(tr);
  }

  private markOpen(tr: HTMLTableRowElement): void {
    const on = `${tr.dataset.layer}.${tr.dataset.head}` === this.open;
    tr.classList.toggle('open', on);
    tr.setAttribute('aria-current', String(on));
  }

  private askProbe(): void {
    if (this.tables.probe) return this.switchTo('probe');
    if (this.probing) return;
    this.probing = true;
    this.sync();
    this.events.probe();
  }

  private switchTo(s: TableSource): void {
    if (s === 'probe' && !this.tables.probe) return this.askProbe();
    this.source = s;
    this.sync();
  }

  private sync(error?: string): void {
    const shown = this.tables[this.source];
    this.sourceToggle.set(this.source);
    this.sourceToggle.node.hidden = !this.tables.probe;
    this.probeButton.hidden = this.tables.probe !== undefined;
    this.probeButton.disabled = this.probing;
    this.status.textContent = error ?? (this.probing ? t('headsProbing') : shown ? t(this.source === 'probe' ? 'headsOnProbe' : 'headsOnText', shown.T) : t('headsWaiting'));
    this.status.classList.toggle('error', error !== undefined);
    this.render(shown?.rows);
    this.events.shown(shown?.rows);
  }

  private sortedRows(rows: readonly HeadScoreRow[]): HeadScoreRow[] {
    const { key, descending } = this.sort;
    if (key === 'head') return descending ? [...rows].reverse() : [...rows];
    const v = (r: HeadScoreRow): number => r.scores[key] ?? NaN;
    return [...rows].sort((a, b) => {
      const x = v(a);
      const y = v(b);
      if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) ? (Number.isNaN(y) ? 0 : 1) : -1; // nothing to average over: last
      return descending ? y - x : x - y;
    });
  }

  private render(rows: readonly HeadScoreRow[] | undefined): void {
    const grouped = kvGroups(this.nHead, this.nKvHead).length < this.nHead;
    const header = (key: SortKey, text: string, title: string): HTMLTableCellElement => {
      const on = this.sort.key === key;
      const button = el('button', { type: 'button', class: 'heads-sort', 'data-sort': key, title, text: on ? `${text} ${this.sort.descending ? '▼' : '▲'}` : text });
      return el('th', { scope: 'col', 'data-score': key === 'head' ? undefined : key, 'aria-sort': on ? (this.sort.descending ? 'descending' : 'ascending') : 'none' }, button);
    };
    const head = el(
      'tr',
      {},
      el('th', { scope: 'col', title: t('headsAblateTitle'), text: t('headsAblate') }),
      header('head', t('headsHead'), t('headsHeadTitle')),
      grouped ? el('th', { scope: 'col', title: t('headsKvTitle'), text: t('headsKv') }) : undefined,
      ...SCORE_NAMES.map((k) => header(k, t(SCORE_TEXT[k].name), t(SCORE_TEXT[k].definition))),
      el('th', { scope: 'col', title: t('headsBadgesTitle'), text: t('headsBadges') }),
    );
    const body = el('tbody');
    this.sortedRows(rows ?? []).forEach((r, i) => {
      const label = t('labelHead', r.layer, r.head);
      const group = grouped ? kvGroupOf(r.head, this.nHead, this.nKvHead).group : undefined;
      const tr = el(
        'tr',
        { tabindex: i === this.focusRow ? 0 : -1, 'data-layer': r.layer, 'data-head': r.head, 'data-kv-group': group, 'aria-label': label },
        el('td', { class: 'tick' }, el('input', { type: 'checkbox', class: 'ablate-tick', 'aria-label': t('headsAblateAria', r.layer, r.head), checked: this.ticked.has(`${r.layer}.${r.head}`) })),
        el('th', { scope: 'row', text: `L${r.layer}H${r.head}` }),
        group !== undefined ? el('td', { class: 'kv', text: t('overviewKvGroup', group) }) : undefined,
        ...SCORE_NAMES.map((k) => el('td', { class: 'num', text: format(k, r.scores[k]) })),
        el('td', {}, ...r.badges.map((b) => el('span', { class: `badge badge-${b}`, title: badgeText(b), text: badgeShort(b) }))),
      );
      this.markOpen(tr);
      body.append(tr);
    });
    this.table.replaceChildren(el('thead', {}, head), body);
    if (!body.rows[this.focusRow]) this.focusRow = 0;
    body.rows[this.focusRow]?.setAttribute('tabindex', '0');
  }

  private setSort(key: SortKey): void {
    this.sort = this.sort.key === key ? { key, descending: !this.sort.descending } : { key, descending: naturalDescending(key) };
    this.focusRow = 0;
    this.render(this.tables[this.source]?.rows);
    this.table.querySelector<HTMLButtonElement>(`button[data-sort="${key}"]`)?.focus();
  }

  private onClick(e: MouseEvent): void {
    const target = e.target as HTMLElement;
    if (target instanceof HTMLInputElement && target.classList.contains('ablate-tick')) return this.tick(target);
    const sort = target.closest<HTMLButtonElement>('button[data-sort]');
    if (sort) return this.setSort(sort.dataset.sort as SortKey);
    const tr = target.closest<HTMLTableRowElement>('tbody tr');
    if (tr) this.openRow(tr);
  }

  private tick(box: HTMLInputElement): void {
    const tr = box.closest<HTMLTableRowElement>('tbody tr');
    if (!tr) return;
    const key = `${tr.dataset.layer}.${tr.dataset.head}`;
    if (box.checked) this.ticked.add(key);
    else this.ticked.delete(key);
    this.events.chosen([...this.ticked].map((k) => ({ layer: Number(k.split('.')[0]), head: Number(k.split('.')[1]) })).sort((a, b) => a.layer - b.layer || a.head - b.head));
  }

  private openRow(tr: HTMLTableRowElement): void {
    this.moveFocus(tr.sectionRowIndex, false);
    this.events.open(Number(tr.dataset.layer), Number(tr.dataset.head));
  }

  private moveFocus(i: number, focus: boolean): void {
    const rows = this.table.tBodies[0]?.rows;
    if (!rows || !rows[i]) return;
    rows[this.focusRow]?.setAttribute('tabindex', '-1');
    this.focusRow = i;
    rows[i].setAttribute('tabindex', '0');
    if (focus) rows[i].focus();
  }

  /** ↑/↓ move between rows, Home/End to the first and last, Enter or Space opens the row's head. */
  private onKey(e: KeyboardEvent): void {
    const tr = (e.target as HTMLElement).closest<HTMLTableRowElement>('tbody tr');
    if (!tr || e.target instanceof HTMLInputElement) return; // the tick box handles its own keys
    const last = (this.table.tBodies[0]?.rows.length ?? 1) - 1;
    const at = tr.sectionRowIndex;
    const to = { ArrowDown: Math.min(last, at + 1), ArrowUp: Math.max(0, at - 1), Home: 0, End: last }[e.key];
    if (to !== undefined) this.moveFocus(to, true);
    else if (e.key === 'Enter' || e.key === ' ') this.openRow(tr);
    else return;
    e.preventDefault();
  }
}
