// UTF-8 at the level of bytes, for the token labels: which bytes make which character, and the hex
// form of bytes that a text cannot hold (the `bytes` field of a token that splits a character).
//
// Why our own decoder and not TextDecoder? TextDecoder says what the characters are, not which bytes
// each came from, and a label needs the byte span of every character to say which part of it a
// token holds. This one follows the WHATWG decoder's error rule (each maximal invalid subpart is one
// error), so its characters and errors are exactly TextDecoder's characters and U+FFFDs.

/** A character of a byte string (`cp` ≥ 0) or a run of bytes that forms none (`cp` −1), over bytes [start, end). */
export interface Utf8Unit {
  start: number;
  end: number;
  cp: number;
}

/** The length a lead byte announces, and the range its first continuation byte must fall in; undefined: not a lead byte. */
function lead(b: number): { need: number; lo: number; hi: number } | undefined {
  if (b >= 0xc2 && b <= 0xdf) return { need: 1, lo: 0x80, hi: 0xbf };
  if (b === 0xe0) return { need: 2, lo: 0xa0, hi: 0xbf };
  if (b === 0xed) return { need: 2, lo: 0x80, hi: 0x9f };
  if (b >= 0xe1 && b <= 0xef) return { need: 2, lo: 0x80, hi: 0xbf };
  if (b === 0xf0) return { need: 3, lo: 0x90, hi: 0xbf };
  if (b === 0xf4) return { need: 3, lo: 0x80, hi: 0x8f };
  if (b >= 0xf1 && b <= 0xf3) return { need: 3, lo: 0x80, hi: 0xbf };
  return undefined;
}

/** The characters and errors of `bytes`, in order, covering every byte once. */
export function utf8Units(bytes: Uint8Array): Utf8Unit[] {
  const out: Utf8Unit[] = [];
  const n = bytes.length;
  for (let i = 0; i < n; ) {
    const b0 = bytes[i];
    if (b0 < 0x80) {
      out.push({ start: i, end: i + 1, cp: b0 });
      i++;
      continue;
    }
    const l = lead(b0);
    if (!l) {
      out.push({ start: i, end: i + 1, cp: -1 });
      i++;
      continue;
    }
    let cp = b0 & (l.need === 1 ? 0x1f : l.need === 2 ? 0x0f : 0x07);
    let j = i + 1;
    let ok = true;
    for (let k = 0; k < l.need; k++, j++) {
      const lo = k === 0 ? l.lo : 0x80;
      const hi = k === 0 ? l.hi : 0xbf;
      if (j >= n || bytes[j] < lo || bytes[j] > hi) {
        ok = false; // the byte at j is not consumed: it starts the next unit
        break;
      }
      cp = (cp << 6) | (bytes[j] & 0x3f);
    }
    out.push({ start: i, end: j, cp: ok ? cp : -1 });
    i = j;
  }
  return out;
}

/**
 * The bytes at the end of `bytes` that begin a character still waiting for its continuation bytes
 * (empty when the bytes end on a whole character or on bytes that can form none).
 */
export function openTail(bytes: Uint8Array): Uint8Array {
  for (let back = 1; back <= 3 && back <= bytes.length; back++) {
    const at = bytes.length - back;
    const l = lead(bytes[at]);
    if (l) {
      if (back > l.need) return bytes.subarray(bytes.length);
      const units = utf8Units(bytes.subarray(at));
      // a valid prefix decodes as one error unit covering all of it (nothing left over)
      return units.length === 1 && units[0].cp < 0 ? bytes.slice(at) : bytes.subarray(bytes.length);
    }
    if (bytes[at] < 0x80 || bytes[at] > 0xbf) break;
  }
  return bytes.subarray(bytes.length);
}

const HEX = '0123456789ABCDEF';

/** "E8 87": the bytes in upper-case hex, space-separated. */
export function hexBytes(bytes: ArrayLike<number>): string {
  const parts: string[] = [];
  for (let i = 0; i < bytes.length; i++) parts.push(HEX[bytes[i] >> 4] + HEX[bytes[i] & 15]);
  return parts.join(' ');
}

/** The bytes of a hexBytes string; undefined when it is not one. */
export function parseHexBytes(s: string): Uint8Array | undefined {
  if (!/^(?:[0-9A-Fa-f]{2}(?: [0-9A-Fa-f]{2})*)?$/.test(s)) return undefined;
  return Uint8Array.from(s.split(' ').filter((x) => x !== '').map((x) => Number.parseInt(x, 16)));
}

/**
 * The `bytes` field of a token whose text cannot hold them: hexBytes when they are not whole UTF-8
 * characters (so the text shows U+FFFD), undefined when the text is exactly their decoding.
 */
export function bytesField(bytes: Uint8Array): string | undefined {
  return utf8Units(bytes).every((u) => u.cp >= 0) ? undefined : hexBytes(bytes);
}
