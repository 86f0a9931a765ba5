// Grouped-query attention, as the views label it: nHead query heads read nKvHead key/value heads,
// query head h reading K/V head floor(h / (nHead / nKvHead)) (Hugging Face's repeat_kv order).
// Multi-head attention is the case nKvHead = nHead: every head its own group of one.

/** One K/V group: its index and the query heads [first, last] that read it. */
export interface KvGroup {
  group: number;
  first: number;
  last: number;
}

/** Query heads per K/V head; 1 when nKvHead is absent, not a positive divisor of nHead, or equal to it. */
export function headsPerKv(nHead: number, nKvHead: number | undefined): number {
  if (nKvHead === undefined || !Number.isInteger(nKvHead) || nKvHead < 1 || nHead % nKvHead !== 0) return 1;
  return nHead / nKvHead;
}

/** The K/V group query head `head` reads. */
export function kvGroupOf(head: number, nHead: number, nKvHead: number | undefined): KvGroup {
  const g = headsPerKv(nHead, nKvHead);
  const group = Math.floor(head / g);
  return { group, first: group * g, last: group * g + g - 1 };
}

/** Every K/V group in order; one per head without grouped-query attention. */
export function kvGroups(nHead: number, nKvHead: number | undefined): KvGroup[] {
  const g = headsPerKv(nHead, nKvHead);
  return Array.from({ length: nHead / g }, (_, group) => ({ group, first: group * g, last: group * g + g - 1 }));
}
