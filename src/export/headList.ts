// A list of heads as people write it: "5.3, 11:0" (layer and head from 0; "." or ":"), for the
// CLI's --attentions/--heads and the panel's "Export Report…" alike.

const HEAD = /^(\d+)[:.](\d+)$/;

/** The heads in the order given, or the first item that is not layer.head. An empty list is []. */
export function parseHeadList(value: string): { heads: [number, number][] } | { bad: string } {
  const heads: [number, number][] = [];
  if (value.trim() === '') return { heads };
  for (const item of value.split(',')) {
    const m = HEAD.exec(item.trim());
    if (!m) return { bad: item };
    heads.push([Number(m[1]), Number(m[2])]);
  }
  return { heads };
}

/** The first head outside the model's shape, described in English; undefined when all fit. */
export function headOutOfRange(heads: readonly [number, number][], nLayer: number, nHead: number): { head: [number, number]; what: 'layer' | 'head' } | undefined {
  for (const h of heads) {
    if (h[0] >= nLayer) return { head: h, what: 'layer' };
    if (h[1] >= nHead) return { head: h, what: 'head' };
  }
  return undefined;
}

export const formatHeadList = (heads: readonly [number, number][]): string => heads.map(([l, h]) => `${l}.${h}`).join(', ');
