// Reads character vectors out of an installed R package's lazy-load data base (data/Rdata.rdx +
// data/Rdata.rdb), which is how Debian's r-cran-janeaustenr ships Austen's novels.
//   Rdata.rdx  a gzip-compressed serialized list(variables = list(name = c(offset, length)), …)
//   Rdata.rdb  at each offset: a 4-byte big-endian length, then the zlib-compressed serialization
//              (R's default `compress = TRUE`; bzip2/xz entries start with a type byte, unsupported)
// The serialization is R's XDR format ("X\n", big-endian), of which this reads the subset that
// data sets of strings use: NULL, symbols, pairlists, character/logical/integer/double vectors, lists,
// attributes and back-references.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, inflateSync } from 'node:zlib';

/** A decoded R value: strings vector, numbers, a (named) list, or null. */
export type RValue = null | string | (string | null)[] | number[] | RList;
export interface RList {
  items: RValue[];
  names?: (string | null)[];
}

const NILVALUE = 254;
const REFSXP = 255;
const GLOBALENV = 253;
const EMPTYENV = 242;
const BASEENV = 241;
const MISSINGARG = 251;
const BASENAMESPACE = 247;
const UNBOUNDVALUE = 252;

class Reader {
  private pos = 0;
  private readonly refs: RValue[] = [];
  constructor(private readonly buf: Buffer) {}

  int(): number {
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  header(): void {
    const magic = this.buf.subarray(0, 2).toString('latin1');
    if (magic !== 'X\n') throw new Error(`unsupported R serialization format ${JSON.stringify(magic)}`);
    this.pos = 2;
    const version = this.int();
    this.int(); // writer's R version
    this.int(); // oldest reader version
    if (version === 3) {
      const n = this.int(); // native encoding name
      this.pos += n;
    }
  }

  private charsxp(): string | null {
    const len = this.int();
    if (len === -1) return null;
    const s = this.buf.subarray(this.pos, this.pos + len).toString('utf8');
    this.pos += len;
    return s;
  }

  item(): RValue {
    const flags = this.int();
    const type = flags & 0xff;
    const hasAttr = (flags & 0x200) !== 0;
    const hasTag = (flags & 0x400) !== 0;
    switch (type) {
      case NILVALUE:
      case GLOBALENV:
      case EMPTYENV:
      case BASEENV:
      case MISSINGARG:
      case BASENAMESPACE:
      case UNBOUNDVALUE:
        return null;
      case REFSXP:
        return this.refs[(flags >> 8) - 1];
      case 1: {
        // SYMSXP: a CHARSXP follows; remembered for later back-references.
        this.int();
        const name = this.charsxp();
        this.refs.push(name);
        return name;
      }
      case 2: {
        // LISTSXP (pairlist): attributes?, tag?, car, cdr — returned as a named list.
        const items: RValue[] = [];
        const names: (string | null)[] = [];
        let f = flags;
        for (;;) {
          if ((f & 0x200) !== 0) this.item();
          names.push((f & 0x400) !== 0 ? (this.item() as string | null) : null);
          items.push(this.item());
          f = this.int();
          if ((f & 0xff) !== 2) {
            if ((f & 0xff) !== NILVALUE) throw new Error(`pairlist ends in type ${f & 0xff}`);
            break;
          }
        }
        return { items, names };
      }
      case 9:
        return this.charsxp();
      case 10:
      case 13: {
        const n = this.int();
        const v = Array.from({ length: n }, () => this.int());
        return this.withAttr(v, hasAttr);
      }
      case 14: {
        const n = this.int();
        const v: number[] = [];
        for (let i = 0; i < n; i++, this.pos += 8) v.push(this.buf.readDoubleBE(this.pos));
        return this.withAttr(v, hasAttr);
      }
      case 16: {
        const n = this.int();
        const v: (string | null)[] = [];
        for (let i = 0; i < n; i++) {
          this.int(); // CHARSXP flags
          v.push(this.charsxp());
        }
        return this.withAttr(v, hasAttr);
      }
      case 19: {
        const n = this.int();
        const items = Array.from({ length: n }, () => this.item());
        const list: RList = { items };
        if (hasAttr) list.names = namesOf(this.item());
        return list;
      }
      default:
        throw new Error(`unsupported R type ${type}${hasTag ? ' (tagged)' : ''}`);
    }
  }

  private withAttr<T extends RValue>(v: T, hasAttr: boolean): T {
    if (hasAttr) this.item(); // names/class/dim: not needed for plain vectors
    return v;
  }
}

function namesOf(attrs: RValue): (string | null)[] | undefined {
  if (!attrs || typeof attrs !== 'object' || Array.isArray(attrs)) return undefined;
  const i = attrs.names?.indexOf('names') ?? -1;
  return i >= 0 ? (attrs.items[i] as (string | null)[]) : undefined;
}

/** Parses one serialized R object (uncompressed bytes). */
export function unserialize(buf: Buffer): RValue {
  const r = new Reader(buf);
  r.header();
  return r.item();
}

/** Reads every variable of `<pkgDir>/data/Rdata.{rdx,rdb}` that is a character vector. */
export function readLazyLoadStrings(pkgDir: string): Map<string, (string | null)[]> {
  const index = unserialize(gunzipSync(readFileSync(join(pkgDir, 'data', 'Rdata.rdx'))));
  const db = readFileSync(join(pkgDir, 'data', 'Rdata.rdb'));
  if (!index || typeof index !== 'object' || Array.isArray(index)) throw new Error('Rdata.rdx: not a list');
  const variables = index.items[index.names?.indexOf('variables') ?? -1] as RList | undefined;
  if (!variables?.names) throw new Error('Rdata.rdx: no variables');
  const out = new Map<string, (string | null)[]>();
  variables.items.forEach((loc, i) => {
    const [offset, length] = loc as number[];
    const entry = db.subarray(offset, offset + length);
    const value = unserialize(inflateSync(entry.subarray(4)));
    const name = variables.names![i];
    if (name && Array.isArray(value) && value.every((x) => x === null || typeof x === 'string')) {
      out.set(name, value as (string | null)[]);
    }
  });
  return out;
}
