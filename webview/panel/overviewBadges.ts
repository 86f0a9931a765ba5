// Badges on the overview's head thumbnails: a letter for each score of the head table that passes
// its threshold (analysis/headScores.ts BADGE_THRESHOLDS), for the table the Heads tab shows, and
// their legend. A badge is part of its thumbnail: a click on it opens that head.
import { BADGE_THRESHOLDS } from '../../src/analysis/headScores';
import { BADGE_NAMES, type BadgeName } from '../../src/shared/headScoreNames';
import type { HeadScoreRow } from '../../src/shared/protocol';
import { el } from './dom';
import { t } from './text';

const SHORT: Record<BadgeName, Parameters<typeof t>[0]> = {
  previousToken: 'badgePreviousTokenShort',
  induction: 'badgeInductionShort',
  firstToken: 'badgeFirstTokenShort',
  duplicateToken: 'badgeDuplicateTokenShort',
};
const NAME: Record<BadgeName, Parameters<typeof t>[0]> = {
  previousToken: 'badgePreviousToken',
  induction: 'badgeInduction',
  firstToken: 'badgeFirstToken',
  duplicateToken: 'badgeDuplicateToken',
};

/** The badge's letter on a thumbnail. */
export const badgeShort = (b: BadgeName): string => t(SHORT[b]);
/** The badge's name with its threshold, e.g. "induction head (induction ≥ 0.3)". */
export const badgeText = (b: BadgeName): string => t('badgeWithThreshold', t(NAME[b]), BADGE_THRESHOLDS[b]);

export class OverviewBadges {
  /** The legend under the overview (hidden while no head has a badge). */
  readonly legend: HTMLElement;
  private slots: HTMLElement[] = [];
  private nHead = 0;
  private byCell = new Map<number, BadgeName[]>();

  constructor() {
    this.legend = el(
      'div',
      { id: 'badge-legend', class: 'badge-legend', hidden: true },
      el('span', { class: 'muted', text: t('badgeLegend') }),
      ...BADGE_NAMES.map((b) => el('span', { class: 'badge-item' }, el('span', { class: `badge badge-${b}`, text: badgeShort(b) }), badgeText(b))),
    );
  }

  /** A new grid: one (empty) slot per head thumbnail, to go beside it. */
  build(nLayer: number, nHead: number): void {
    this.nHead = nHead;
    this.byCell.clear();
    this.slots = Array.from({ length: nLayer * nHead }, (_, i) =>
      el('span', { class: 'ov-badges', 'data-layer': Math.floor(i / nHead), 'data-head': i % nHead }),
    );
    this.legend.hidden = true;
  }

  slot(layer: number, head: number): HTMLElement | undefined {
    return this.slots[layer * this.nHead + head];
  }

  /** The badges of a table's rows (none when undefined). */
  set(rows: readonly HeadScoreRow[] | undefined): void {
    this.byCell.clear();
    for (const r of rows ?? []) if (r.badges.length) this.byCell.set(r.layer * this.nHead + r.head, r.badges);
    this.slots.forEach((s, i) => {
      const badges = this.byCell.get(i) ?? [];
      s.replaceChildren(...badges.map((b) => el('span', { class: `badge badge-${b}`, 'data-badge': b, title: badgeText(b), text: badgeShort(b) })));
    });
    this.legend.hidden = this.byCell.size === 0;
  }

  /** The badges' names of one head, for its tooltip and aria-label. */
  names(layer: number, head: number): string[] {
    return (this.byCell.get(layer * this.nHead + head) ?? []).map(badgeText);
  }
}
