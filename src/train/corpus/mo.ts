// Reads GNU gettext's binary message catalogues (.mo), as Debian packages ship them under
// usr/share/locale/<lang>/LC_MESSAGES/. Our own code: the format is a fixed header and two tables of
// (length, offset) pairs (gettext manual, "The Format of GNU MO Files"), a dozen lines to read, and
// no npm package for it is among our dependencies.

/** One message: its msgid (with `msgctxt\x04` when it has a context) and its translations. */
export interface MoMessage {
  /** The original string; plural forms after the first are dropped. */
  id: string;
  /** msgctxt, when the entry has one. */
  context?: string;
  /** The translated strings: one, or one per plural form. */
  strs: string[];
}

const MAGIC = 0x950412de;

/** Parses a .mo file; `name` is used in error messages. Strings are decoded as UTF-8. */
export function readMo(buf: Buffer, name = '.mo file'): MoMessage[] {
  if (buf.length < 28) throw new Error(`${name}: too short for a .mo header (${buf.length} bytes)`);
  const le = buf.readUInt32LE(0) === MAGIC;
  if (!le && buf.readUInt32BE(0) !== MAGIC) throw new Error(`${name}: not a .mo file (bad magic number)`);
  const u32 = (off: number): number => (le ? buf.readUInt32LE(off) : buf.readUInt32BE(off));
  const revision = u32(4) >>> 16; // major revision: 0 and 1 share this layout
  if (revision > 1) throw new Error(`${name}: unsupported .mo revision ${revision}`);
  const count = u32(8);
  const origTable = u32(12);
  const transTable = u32(16);
  if (origTable + 8 * count > buf.length || transTable + 8 * count > buf.length) {
    throw new Error(`${name}: string tables run past the end of the file`);
  }
  const str = (table: number, i: number): string => {
    const len = u32(table + 8 * i);
    const off = u32(table + 8 * i + 4);
    if (off + len > buf.length) throw new Error(`${name}: string ${i} runs past the end of the file`);
    return buf.toString('utf8', off, off + len);
  };
  const out: MoMessage[] = [];
  for (let i = 0; i < count; i++) {
    const orig = str(origTable, i).split('\0')[0];
    const ctx = orig.indexOf('\x04');
    out.push({
      id: ctx >= 0 ? orig.slice(ctx + 1) : orig,
      ...(ctx >= 0 ? { context: orig.slice(0, ctx) } : {}),
      strs: str(transTable, i).split('\0'),
    });
  }
  return out;
}

/** Builds a little-endian .mo file (revision 0, no hash table): for tests and fixtures. */
export function writeMo(messages: readonly MoMessage[]): Buffer {
  const sorted = [...messages].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const n = sorted.length;
  const origTable = 28;
  const transTable = origTable + 8 * n;
  let offset = transTable + 8 * n;
  const header = Buffer.alloc(offset);
  const bodies: Buffer[] = [];
  header.writeUInt32LE(MAGIC, 0);
  header.writeUInt32LE(n, 8);
  header.writeUInt32LE(origTable, 12);
  header.writeUInt32LE(transTable, 16);
  const put = (table: number, i: number, s: string): void => {
    const b = Buffer.from(s, 'utf8');
    header.writeUInt32LE(b.length, table + 8 * i);
    header.writeUInt32LE(offset, table + 8 * i + 4);
    bodies.push(b, Buffer.alloc(1));
    offset += b.length + 1;
  };
  sorted.forEach((m, i) => put(origTable, i, key(m)));
  sorted.forEach((m, i) => put(transTable, i, m.strs.join('\0')));
  return Buffer.concat([header, ...bodies]);
}

function key(m: MoMessage): string {
  return m.context !== undefined ? `${m.context}\x04${m.id}` : m.id;
}
