// float32 arrays as the little-endian files dump writes.
import { endianness } from 'node:os';

/** float32 little-endian bytes of `a` (a copy only on a big-endian machine). */
export function f32le(a: Float32Array): Buffer {
  const buf = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  if (endianness() === 'LE') return buf;
  const copy = Buffer.from(buf);
  copy.swap32();
  return copy;
}
