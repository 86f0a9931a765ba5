// `node dist/cli.js compare`: its files, checked against the attention the in-process session gives.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineSession } from '../../src/engine/session';
import { assertOneLineFailure, cli, ensureBuilt } from './cliRun';

const ROOT = join(__dirname, '..', '..');
const TINY = join(ROOT, 'test', 'fixtures', 'tiny-model');
const BUNDLED = join(ROOT, 'media', 'model');
/** float32 sums of a few terms against float64 recomputation. */
const TOL = 1e-6;

interface Summary {
  mode: string;
  alignment: string;
  G: number;
  onlyA: number;
  onlyB: number;
  layersRelative: boolean;
  headsRelative: boolean;
  a: { T: number; nLayer: number; nHead: number };
  b: { T: number; nLayer: number; nHead: number };
  heads: { layerA: number; headA: number; layerB: number; headB: number; meanAbsDiff: number | null }[];
  diffHeads?: number[][];
}
type Group = { kind: string; a: [number, number]; b: [number, number]; textA: string; textB: string };

function readF32(file: string): Float32Array {
  const b = readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

describe('cli compare', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'al-compare-'));
    writeFileSync(join(dir, 'a.txt'), 'The cat sat on the mat. 你好');
    writeFileSync(join(dir, 'b.txt'), 'The black cat sat on the mat. 你好');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('two texts under one model: the diff of the token ids, and B − A of the heads asked for', async () => {
    const out = join(dir, 'texts');
    const r = cli('compare', '--model', TINY, '--text-file', join(dir, 'a.txt'), '--text-file-b', join(dir, 'b.txt'), '--out', out, '--attentions', '1:0,0.1');
    assert.equal(r.status, 0, r.stderr);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
    assert.equal(s.mode, 'texts');
    assert.equal(s.alignment, 'diff');
    assert.equal(s.onlyA, 0);
    assert.ok(s.onlyB > 0);
    assert.equal(s.G, s.a.T); // every token of A kept: "black" was only inserted
    assert.equal(s.heads.length, s.a.nLayer * s.a.nHead);
    const d = s.heads.map((h) => h.meanAbsDiff ?? -1);
    assert.deepEqual(d, [...d].sort((x, y) => y - x), 'heads sorted by meanAbsDiff, largest first');
    assert.deepEqual(s.diffHeads, [
      [1, 0, 1, 0],
      [0, 1, 0, 1],
    ]);
    const groups = JSON.parse(readFileSync(join(out, 'alignment.json'), 'utf8')) as Group[];
    assert.equal(groups.filter((g) => g.kind === 'onlyB').map((g) => g.textB).join(''), ' black');

    // B − A straight from the session's maps: with one token per group, cell (g, h) is attB[bq, bk] − attA[aq, ak]
    const diff = readF32(join(out, 'diff.f32'));
    const G = s.G;
    assert.equal(diff.length, 2 * G * G);
    const session = await EngineSession.load(TINY);
    try {
      const ra = await session.analyze(readFileSync(join(dir, 'a.txt'), 'utf8'), { topK: 1 });
      const rb = await session.analyze(readFileSync(join(dir, 'b.txt'), 'utf8'), { topK: 1 });
      const kept = groups.filter((g) => g.kind === 'same');
      [
        [1, 0],
        [0, 1],
      ].forEach(([layer, head], n) => {
        const A = session.attention(ra.runId, layer, head);
        const B = session.attention(rb.runId, layer, head);
        for (let g = 0; g < G; g++) {
          for (let h = 0; h < G; h++) {
            const want = B[kept[g].b[0] * rb.T + kept[h].b[0]] - A[kept[g].a[0] * ra.T + kept[h].a[0]];
            const got = diff[n * G * G + g * G + h];
            if (!(Math.abs(got - want) <= TOL)) assert.fail(`diff[${n}, ${g}, ${h}] = ${got}, expected ${want}`);
          }
        }
      });
    } finally {
      session.dispose();
    }
  });

  it('one text under two models with different tokenizers and depths: spans and relative depth', () => {
    const out = join(dir, 'models');
    const r = cli('compare', '--model', BUNDLED, '--model-b', TINY, '--text-file', join(dir, 'a.txt'), '--out', out);
    assert.equal(r.status, 0, r.stderr);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
    assert.equal(s.mode, 'models');
    assert.equal(s.alignment, 'spans');
    assert.equal(s.layersRelative, true); // 4 layers against 2
    assert.equal(s.heads.length, Math.min(s.a.nLayer, s.b.nLayer) * Math.min(s.a.nHead, s.b.nHead));
    assert.ok(s.heads.every((h) => h.meanAbsDiff !== null && h.meanAbsDiff > 0));
    assert.equal(existsSync(join(out, 'diff.f32')), false, 'no --attentions, no diff.f32');
    const groups = JSON.parse(readFileSync(join(out, 'alignment.json'), 'utf8')) as Group[];
    for (const g of groups) if (g.kind === 'same' || g.kind === 'merged') assert.equal(g.textA, g.textB);
    assert.ok(groups.some((g) => g.textA === '你'), 'a Chinese character split into bytes is aligned whole');
  });

  it('fails with one line: neither or both of --model-b / --text-file-b, a head the model lacks', () => {
    const a = join(dir, 'a.txt');
    assertOneLineFailure(cli('compare', '--model', TINY, '--text-file', a, '--out', join(dir, 'x')), '--model-b');
    assertOneLineFailure(cli('compare', '--model', TINY, '--model-b', TINY, '--text-file', a, '--text-file-b', a, '--out', join(dir, 'x')), '--text-file-b');
    assertOneLineFailure(cli('compare', '--model', TINY, '--model-b', TINY, '--text-file', a, '--out', join(dir, 'x'), '--attentions', '7:0'), 'layer 7');
    assertOneLineFailure(cli('compare', '--model', TINY, '--model-b', TINY, '--text-file', a, '--out', join(dir, 'x'), '--attentions', '1-0'), '1-0');
  });
});
