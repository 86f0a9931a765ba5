// Where StreamingInsert may "touch" a document (write one character over itself) to postpone auto
// save without changing the text. No vscode import: unit-tested.

/**
 * A document offset near `end` whose character can be written over itself: one UTF-16 unit that is
 * not a line break or half of a surrogate pair (VS Code normalises those), looking back from `end`
 * and then forward; undefined when there is none within `reach`.
 */
export function touchOffset(text: string, end: number, reach = 256): number | undefined {
  const steady = (i: number): boolean => {
    const c = text.charCodeAt(i);
    return c !== 0x0a && c !== 0x0d && (c < 0xd800 || c > 0xdfff);
  };
  for (let i = end - 1; i >= Math.max(0, end - reach); i--) if (steady(i)) return i;
  for (let i = end; i < Math.min(text.length, end + reach); i++) if (steady(i)) return i;
  return undefined;
}
