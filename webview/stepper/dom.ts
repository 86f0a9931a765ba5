// Tiny DOM helpers: elements with classes, text and attributes; never innerHTML with data.

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  cls?: string,
  text?: string,
  attrs: Record<string, string> = {},
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

/** A number for a table cell: 4 decimals, −∞ for a masked score. */
export function fixed(v: number, digits = 4): string {
  if (v === -Infinity) return '−∞';
  if (v === Infinity) return '∞';
  if (Number.isNaN(v)) return 'NaN';
  return v.toFixed(digits);
}

/** The exact float32 value, for tooltips. */
export function exact(v: number): string {
  if (!Number.isFinite(v)) return fixed(v);
  return String(v);
}
