// Reads a SWORD zText module (compressed Bible text, as Debian's sword-text-* packages ship it).
// Per testament ("ot", "nt") there are three files, all little-endian:
//   X.bzs  blocks: [offset u32, compressedSize u32, uncompressedSize u32] into X.bzz
//   X.bzz  zlib-compressed blocks (CompressType=ZIP); with BlockType=BOOK one block per book
//   X.bzv  verses: [block u32, offsetInBlock u32, size u16], in versification order
// Verse texts carry OSIS markup, which the caller strips.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';

/** The verses of one block (a book with BlockType=BOOK), in order, with their raw OSIS markup. */
export interface SwordBlock {
  testament: 'ot' | 'nt';
  block: number;
  verses: string[];
}

export function readZText(moduleDir: string): SwordBlock[] {
  const out: SwordBlock[] = [];
  for (const testament of ['ot', 'nt'] as const) {
    const bzs = join(moduleDir, `${testament}.bzs`);
    if (!existsSync(bzs)) continue;
    const blocksIdx = readFileSync(bzs);
    const data = readFileSync(join(moduleDir, `${testament}.bzz`));
    const versesIdx = readFileSync(join(moduleDir, `${testament}.bzv`));
    const decoded = new Map<number, Buffer>();
    const block = (b: number): Buffer => {
      let buf = decoded.get(b);
      if (!buf) {
        const off = blocksIdx.readUInt32LE(b * 12);
        const size = blocksIdx.readUInt32LE(b * 12 + 4);
        buf = inflateSync(data.subarray(off, off + size));
        decoded.set(b, buf);
      }
      return buf;
    };
    const byBlock = new Map<number, string[]>();
    for (let p = 0; p + 10 <= versesIdx.length; p += 10) {
      const b = versesIdx.readUInt32LE(p);
      const off = versesIdx.readUInt32LE(p + 4);
      const size = versesIdx.readUInt16LE(p + 8);
      if (size === 0 || b * 12 + 12 > blocksIdx.length) continue;
      const text = block(b).subarray(off, off + size).toString('utf8');
      let list = byBlock.get(b);
      if (!list) byBlock.set(b, (list = []));
      list.push(text);
    }
    for (const [b, verses] of [...byBlock].sort((x, y) => x[0] - y[0])) out.push({ testament, block: b, verses });
  }
  return out;
}
