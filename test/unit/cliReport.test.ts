// `node dist/cli.js report`: one self-contained HTML file with the pinned heads asked for (L.H and
// L:H), nothing fetched from anywhere; bad flags fail in one line before the model loads.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertOneLineFailure, cli, ensureBuilt } from './cliRun';

const MODEL = join(__dirname, '..', 'fixtures', 'tiny-model');

describe('CLI report (dist/cli.js)', function () {
  this.timeout(120_000);
  let dir = '';
  let textFile = '';
  before(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'al-report-'));
    textFile = join(dir, 'text.txt');
    writeFileSync(textFile, 'The cat sat on the mat. The cat sat on the mat.');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the report with the heads asked for, in their order, and no network URL', () => {
    const out = join(dir, 'r.html');
    const r = cli('report', '--model', MODEL, '--text-file', textFile, '--out', out, '--heads', '1.0,0:1', '--theme', 'dark');
    assert.equal(r.status, 0, r.stderr);
    const line = JSON.parse(r.stdout) as { out: string; bytes: number; T: number; heads: [number, number][] };
    assert.deepEqual(line.heads, [[1, 0], [0, 1]]);
    const html = readFileSync(out, 'utf8');
    assert.equal(Buffer.byteLength(html), line.bytes);
    assert.doesNotMatch(html, /https?:\/\//);
    const data = JSON.parse(/<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '{}') as {
      heads: { layer: number; head: number }[];
      tokens: { start: number; end: number }[];
      palette: { name: string };
      model: { facts: [string, string][] };
    };
    assert.deepEqual(data.heads.map((h) => [h.layer, h.head]), [[1, 0], [0, 1]]);
    assert.equal(data.tokens.length, line.T);
    assert.equal(data.palette.name, 'dark');
    assert.ok(data.model.facts.some(([k]) => k === 'Layers'));
  });

  it('bad --heads, --theme or --lang: one line, exit 1', () => {
    const out = join(dir, 'bad.html');
    assertOneLineFailure(cli('report', '--model', MODEL, '--text-file', textFile, '--out', out, '--heads', '1-0'), '--heads item "1-0"');
    assertOneLineFailure(cli('report', '--model', MODEL, '--text-file', textFile, '--out', out, '--heads', '0.99'), 'there is no head 99');
    assertOneLineFailure(cli('report', '--model', MODEL, '--text-file', textFile, '--out', out, '--theme', 'blue'), '--theme');
    assertOneLineFailure(cli('report', '--model', MODEL, '--text-file', textFile, '--out', out, '--lang', 'fr'), '--lang');
  });
});
