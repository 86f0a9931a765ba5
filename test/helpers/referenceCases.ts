// The reference fixtures' folders and files, as the conformance tests read them
// (test/fixtures/conformance, test/fixtures/families: see test/fixtures/README.md).
import * as fs from 'fs';
import * as path from 'path';

/** A float32 little-endian file (logits.f32, attentions.f32) as an array. */
export function readF32(file: string): Float32Array {
  const buf = fs.readFileSync(file);
  const out = new Float32Array(buf.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = buf.readFloatLE(i * 4);
  return out;
}

/** The case folders under `dir` that hold a reference.json, sorted; none when `dir` is missing. */
export function referenceCases(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => fs.existsSync(path.join(dir, n, 'reference.json'))).sort() : [];
}
