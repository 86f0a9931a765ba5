// Hostile weight files: seeded mutations of safetensors headers and of the shard index (test/fuzz/),
// and the cases the issue names one by one: lengths near 2⁶⁴, a header claiming 100 GB, shards
// named by paths out of the folder, a shard that is a symlink out of it (followed, as a Hugging
// Face snapshot's links into blobs/ are).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadCheckpoint } from '../../src/engine/checkpoint';
import { describeCase, runCampaign } from '../fuzz/campaign';
import { FIXTURES, copyModel, makeArena, runCase, type Arena } from '../fuzz/harness';
import { expectError } from '../helpers/engineErrors';

const INDEX = 'model.safetensors.index.json';

function setLength(file: string, length: bigint): void {
  const buf = fs.readFileSync(file);
  buf.writeBigUInt64LE(length, 0);
  fs.writeFileSync(file, buf);
}

function editIndex(dir: string, edit: (map: Record<string, unknown>) => void): void {
  const file = path.join(dir, INDEX);
  const idx = JSON.parse(fs.readFileSync(file, 'utf8')) as { weight_map: Record<string, unknown> };
  edit(idx.weight_map);
  fs.writeFileSync(file, JSON.stringify(idx));
}

describe('fuzz: safetensors headers and the shard index', function () {
  this.timeout(120_000);
  let arena: Arena;
  before(() => (arena = makeArena()));
  after(() => arena.dispose());

  it('120 seeded mutations each end in a load or an EngineError naming the file, reading nothing outside the folder', () => {
    const r = runCampaign({ seed: 20261207, cases: 120, kinds: ['safetensors', 'safetensors', 'index'] });
    assert.deepEqual(r.failed.map(describeCase), []);
    // the mutations reach the checks they aim at, not only one early refusal
    for (const code of ['ok', 'BAD_SAFETENSORS', 'BAD_WEIGHTS']) assert.ok((r.outcomes.get(code) ?? 0) > 0, `no case ended in ${code}`);
  });

  const lengths: [string, (size: number) => bigint][] = [
    ['2⁶⁴ − 1', () => 2n ** 64n - 1n],
    ['2⁶³', () => 2n ** 63n],
    ['100 MB + 1', () => 100_000_001n],
    ['one byte past the file', (size) => BigInt(size - 7)],
  ];
  for (const [what, length] of lengths) {
    it(`a header length of ${what} is refused before anything is allocated`, () => {
      const dir = copyModel(arena, FIXTURES.qwen2, 'len');
      const file = path.join(dir, 'model.safetensors');
      setLength(file, length(fs.statSync(file).size));
      const before = process.memoryUsage().arrayBuffers;
      expectError(() => loadCheckpoint(dir), 'BAD_SAFETENSORS', file, /header length/);
      assert.ok(process.memoryUsage().arrayBuffers - before < 16 * 2 ** 20);
    });
  }

  it('a header claiming a 100 GB tensor is refused from the header alone', () => {
    const dir = copyModel(arena, FIXTURES.qwen2, 'huge');
    const file = path.join(dir, 'model.safetensors');
    const buf = fs.readFileSync(file);
    const n = Number(buf.readBigUInt64LE(0));
    const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, unknown>;
    const dataLen = buf.length - 8 - n;
    header['model.huge'] = { dtype: 'F32', shape: [25_000_000_000], data_offsets: [dataLen, dataLen + 100_000_000_000] };
    const json = Buffer.from(JSON.stringify(header));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    fs.writeFileSync(file, Buffer.concat([len, json, buf.subarray(8 + n)]));
    expectError(() => loadCheckpoint(dir), 'BAD_SAFETENSORS', file, /"model.huge" ends at byte 100\d+, past the data section/);
  });

  describe('shard names in the index', () => {
    const outsideNames = (a: Arena, dir: string): [string, string][] => [
      ['a ../ path', path.relative(dir, a.sentinel)],
      ['an absolute path', a.sentinel],
      ['a path through a subfolder', `sub/../${path.relative(dir, a.sentinel)}`],
      ['a Windows path', path.relative(dir, a.sentinel).replace(/\//g, '\\')],
      ['".."', '..'],
      ['"."', '.'],
    ];
    it('a name that is a path is refused naming the index, and nothing outside the folder is opened', () => {
      const probe = copyModel(arena, FIXTURES.sharded, 'idx');
      for (const [what, name] of outsideNames(arena, probe)) {
        const dir = copyModel(arena, FIXTURES.sharded, 'idx');
        editIndex(dir, (map) => (map[Object.keys(map)[0]] = name));
        expectError(() => loadCheckpoint(dir), 'BAD_WEIGHTS', path.join(dir, INDEX), /not a file name in the model folder/);
        const r = runCase(dir, { tokenizer: false });
        assert.deepEqual(r.failures, [], what);
      }
    });

    it('a plain name that is a symlink out of the folder is followed (a Hugging Face snapshot is links into blobs/)', () => {
      const dir = copyModel(arena, FIXTURES.sharded, 'link');
      const idx = JSON.parse(fs.readFileSync(path.join(dir, INDEX), 'utf8')) as { weight_map: Record<string, string> };
      const shard = idx.weight_map[Object.keys(idx.weight_map)[0]];
      const blob = path.join(arena.outside, 'blob-1');
      fs.renameSync(path.join(dir, shard), blob);
      fs.symlinkSync(path.relative(dir, blob), path.join(dir, shard));
      assert.ok(loadCheckpoint(dir).weights.size > 0);
      assert.deepEqual(runCase(dir, { tokenizer: false }).failures, []);
    });
  });
});
