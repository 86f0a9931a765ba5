// CSV as RFC 4180 writes it (comma, CRLF, fields with a comma, quote or line break quoted and
// quotes doubled) and its reader (for the round-trip test and for anyone reading an export back).
// Token texts are written as they are (a text starting with "=" stays so): the file is data for
// tools (pandas, R, numpy) and round-trips exactly; it is not made safe to open as a spreadsheet.

export type CsvValue = string | number | null;

function field(v: CsvValue): string {
  if (v === null) return '';
  const s = typeof v === 'number' ? (Number.isNaN(v) ? 'NaN' : String(v)) : v;
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(rows: readonly (readonly CsvValue[])[]): string {
  return rows.map((r) => r.map(field).join(',')).join('\r\n') + '\r\n';
}

/** Every field as a string (quotes removed); the trailing line break does not make an empty row. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let f = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        f += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else f += c;
      i++;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(f);
      f = '';
    } else if (c === '\r' || c === '\n') {
      row.push(f);
      rows.push(row);
      row = [];
      f = '';
      if (c === '\r' && text[i + 1] === '\n') i++;
    } else f += c;
    i++;
  }
  if (quoted) throw new Error('parseCsv: a quoted field is not closed');
  if (f !== '' || row.length) {
    row.push(f);
    rows.push(row);
  }
  return rows;
}
