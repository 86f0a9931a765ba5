// utf8Units (src/shared/utf8Units.ts) against TextDecoder: the same characters, one U+FFFD per error
// unit, on hand-picked invalid sequences and on seeded random bytes biased towards UTF-8's lead and
// continuation bytes; openTail, the hex helpers and bytesField.
import * as assert from 'assert';
import { bytesField, hexBytes, openTail, parseHexBytes, utf8Units } from '../../src/shared/utf8Units';
import { mulberry32 } from '../../src/shared/mulberry32';

const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
const asText = (bytes: Uint8Array): string =>
  utf8Units(bytes).map((u) => (u.cp < 0 ? '\ufffd' : String.fromCodePoint(u.cp))).join('');

describe('utf8Units', () => {
  it('decodes as TextDecoder does, invalid sequences included', () => {
    const cases: number[][] = [
      [],
      [0x41],
      [0xe8, 0x87, 0xaa], // 自
      [0xf0, 0x9f, 0x98, 0x80], // 😀
      [0xe8, 0x87], // unfinished
      [0x87, 0xaa], // continuations alone
      [0xe0, 0x80, 0x80], // overlong
      [0xed, 0xa0, 0x80], // a surrogate
      [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
      [0xc0, 0xaf, 0xff, 0xfe],
      [0xf0, 0x9f, 0x41, 0xe8, 0x87, 0xaa],
    ];
    for (const c of cases) assert.strictEqual(asText(Uint8Array.from(c)), decoder.decode(Uint8Array.from(c)), hexBytes(c));
  });

  it('covers every byte once, in order, and agrees with TextDecoder on random bytes', () => {
    const rand = mulberry32(20);
    const pick = [0x41, 0x20, 0x80, 0x8f, 0x9f, 0xa0, 0xbf, 0xc2, 0xdf, 0xe0, 0xe8, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff];
    for (let n = 0; n < 2000; n++) {
      const bytes = Uint8Array.from({ length: Math.floor(rand() * 12) }, () => (rand() < 0.7 ? pick[Math.floor(rand() * pick.length)] : Math.floor(rand() * 256)));
      const units = utf8Units(bytes);
      let at = 0;
      for (const u of units) {
        assert.strictEqual(u.start, at, hexBytes(bytes));
        assert.ok(u.end > u.start);
        at = u.end;
      }
      assert.strictEqual(at, bytes.length);
      assert.strictEqual(asText(bytes), decoder.decode(bytes), hexBytes(bytes));
    }
  });

  it('openTail: the bytes of a character still waiting for more', () => {
    const tail = (b: number[]): number[] => [...openTail(Uint8Array.from(b))];
    assert.deepStrictEqual(tail([0x61, 0xe8, 0x87]), [0xe8, 0x87]);
    assert.deepStrictEqual(tail([0xe8]), [0xe8]);
    assert.deepStrictEqual(tail([0xf0, 0x9f, 0x98]), [0xf0, 0x9f, 0x98]);
    assert.deepStrictEqual(tail([0xe8, 0x87, 0xaa]), []); // finished
    assert.deepStrictEqual(tail([0x87, 0xaa]), []); // nothing began
    assert.deepStrictEqual(tail([0xe0, 0x80]), []); // cannot become a character
    assert.deepStrictEqual(tail([]), []);
  });

  it('hex helpers and bytesField', () => {
    assert.strictEqual(hexBytes([0xe8, 0x87, 0x0a]), 'E8 87 0A');
    assert.deepStrictEqual([...parseHexBytes('E8 87 0a')!], [0xe8, 0x87, 0x0a]);
    assert.deepStrictEqual([...parseHexBytes('')!], []);
    assert.strictEqual(parseHexBytes('E887'), undefined);
    assert.strictEqual(parseHexBytes('zz'), undefined);
    assert.strictEqual(bytesField(new TextEncoder().encode('自 x')), undefined);
    assert.strictEqual(bytesField(Uint8Array.of(0xe8, 0x87)), 'E8 87');
    assert.strictEqual(bytesField(Uint8Array.of(0x20, 0xf0, 0x9f)), '20 F0 9F');
  });
});
