// The CLI as other tools use it: `node dist/cli.js …`, files and exit codes.
import * as assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpoint } from '../../src/engine/checkpoint';
import { writeSafetensors } from '../../src/engine/safetensors';
import { EngineSession } from '../../src/engine/session';
import { labelTokens } from '../../src/shared/tokenLabels';
import { assertOneLineFailure, cli, ensureBuilt } from './cliRun';

const ROOT = join(__dirname, '..', '..');
const TINY = join(ROOT, 'test', 'fixtures', 'tiny-model');
const reference = JSON.parse(readFileSync(join(TINY, 'reference.json'), 'utf8')) as {
  tokenization: { text: string; ids: number[] }[];
  greedy: { promptIds: number[]; ids: number[]; maxNewTokens: number };
};
/** Not plain ASCII, so that offsets are checked on something that can go wrong. */
const TEXT = `${reference.tokenization[0].text} ${reference.tokenization[2].text}`;
/** Float tolerance between the CLI's numbers and the in-process session's. */
const TOL = 1e-6;

function readF32(file: string): Float32Array {
  const b = readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** Rewrites the JSON header of a safetensors file through `edit` (data bytes unchanged). */
function editHeader(file: string, edit: (h: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>) => void): void {
  const buf = readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  edit(header);
  let json = JSON.stringify(header);
  while ((8 + Buffer.byteLength(json)) % 8 !== 0) json += ' ';
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  writeFileSync(file, Buffer.concat([head, Buffer.from(json), buf.subarray(8 + n)]));
}

/** Tensor entries of a header, by where their data starts. */
function byOffset(h: Record<string, { data_offsets: [number, number] }>): string[] {
  return Object.keys(h)
    .filter((k) => k !== '__metadata__')
    .sort((a, b) => h[a].data_offsets[0] - h[b].data_offsets[0]);
}

describe('CLI (dist/cli.js)', function () {
  this.timeout(120_000);
  let tmp: string;
  let textFile: string;
  let longFile: string;
  let session: EngineSession;

  before(async () => {
    ensureBuilt();
    tmp = mkdtempSync(join(tmpdir(), 'al-cli-'));
    textFile = join(tmp, 'text.txt');
    writeFileSync(textFile, TEXT);
    longFile = join(tmp, 'long.txt');
    writeFileSync(longFile, `${TEXT}\n`.repeat(8));
    session = await EngineSession.load(TINY);
  });
  after(() => {
    session?.dispose();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('--help prints the usage', () => {
    const r = cli('--help');
    assert.equal(r.status, 0);
    for (const word of ['dump', 'generate', '--max-new-tokens', '--temperature', 'default 1.0', '--truncate']) {
      assert.ok(r.stdout.includes(word), `usage lacks ${word}`);
    }
    assert.equal(cli('generate', '--help').status, 0);
  });

  it('dump writes tokens, meta, logits and attentions that match the session', async () => {
    const out = join(tmp, 'dump');
    const r = cli('dump', '--model', TINY, '--text-file', textFile, '--out', out);
    assert.equal(r.status, 0, r.stderr);
    const meta = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8'));
    const tokens = JSON.parse(readFileSync(join(out, 'tokens.json'), 'utf8')) as { id: number; text: string; start: number; end: number; label: string; bytes?: string }[];
    const { T, nLayer: L, nHead: H, vocabSize: V } = meta;
    assert.deepEqual(meta, { family: 'gpt2', nLayer: 2, nHead: 2, nKvHead: 2, headDim: 16, nEmbd: 32, vocabSize: 557, T: tokens.length });
    assert.equal(statSync(join(out, 'logits.f32')).size, T * V * 4);
    assert.equal(statSync(join(out, 'attentions.f32')).size, L * H * T * T * 4);

    // Offsets slice the file's text: a whole token is its slice; the spans cover the text in order
    // (a token holding part of a multi-byte character spans that whole character).
    let covered = 0;
    for (const t of tokens) {
      assert.ok(t.start <= covered && t.end > t.start && t.end <= TEXT.length, JSON.stringify(t));
      if (!t.text.includes('\uFFFD')) assert.equal(TEXT.slice(t.start, t.end), t.text);
      covered = Math.max(covered, t.end);
    }
    assert.equal(covered, TEXT.length);
    assert.ok(tokens.some((t) => t.text.includes('\uFFFD')), 'the text should exercise split characters');
    const labels = labelTokens(session.tokenize(TEXT));
    assert.deepEqual(tokens, session.tokenize(TEXT).map(({ id, text, start, end, bytes }, i) => ({ id, text, start, end, label: labels[i].text, ...(bytes ? { bytes } : {}) })));
    // the labels read as the text's characters: never U+FFFD, a split character's parts marked
    for (const t of tokens) assert.ok(!t.label.includes('\uFFFD') && (t.bytes !== undefined) === t.text.includes('\uFFFD'), JSON.stringify(t));
    assert.ok(tokens.some((t) => /[⁰¹²³⁴]⁄[₁₂₃₄]/.test(t.label)), 'a split character shows its part');

    const attn = readF32(join(out, 'attentions.f32'));
    for (let row = 0; row < L * H * T; row++) {
      let sum = 0;
      for (let j = 0; j < T; j++) sum += attn[row * T + j];
      assert.ok(Math.abs(sum - 1) < 1e-5, `attention row ${row} sums to ${sum}`);
    }
    const a = await session.analyze(TEXT);
    const logits = readF32(join(out, 'logits.f32'));
    const want = session.logits(a.runId);
    for (let i = 0; i < want.length; i++) assert.ok(Math.abs(logits[i] - want[i]) < TOL, `logit ${i}`);
    const wantAttn = session.allAttentions(a.runId);
    for (let i = 0; i < wantAttn.length; i++) assert.ok(Math.abs(attn[i] - wantAttn[i]) < TOL, `attention ${i}`);
  });

  it('dump --attentions L:H,…: those maps only, [n, T, T] in the order given, listed in meta.json', () => {
    const all = join(tmp, 'heads-all');
    assert.equal(cli('dump', '--model', TINY, '--text-file', textFile, '--out', all, '--attentions', 'all').status, 0);
    const full = readF32(join(all, 'attentions.f32')); // [L, H, T, T]
    const { T, nHead: H } = JSON.parse(readFileSync(join(all, 'meta.json'), 'utf8'));
    const map = (a: Float32Array, i: number): Float32Array => a.subarray(i * T * T, (i + 1) * T * T);

    const out = join(tmp, 'heads');
    // Layer-major order would be 0:1, 1:0, 1:1; the file follows the order given, both spellings.
    const r = cli('dump', '--model', TINY, '--text-file', textFile, '--out', out, '--attentions', '1:1, 0.1,1:0');
    assert.equal(r.status, 0, r.stderr);
    const meta = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8'));
    assert.deepEqual(meta.attentionHeads, [[1, 1], [0, 1], [1, 0]]);
    assert.equal(meta.T, T);
    assert.equal(statSync(join(out, 'attentions.f32')).size, 3 * T * T * 4);
    const some = readF32(join(out, 'attentions.f32')); // [3, T, T]
    [[1, 1], [0, 1], [1, 0]].forEach(([l, h], i) => assert.deepEqual(map(some, i), map(full, l * H + h), `map ${i} is not ${l}:${h}`));
    assert.notDeepEqual(map(some, 0), map(some, 2), 'two heads of a layer should differ');
    assert.deepEqual(readFileSync(join(out, 'logits.f32')), readFileSync(join(all, 'logits.f32')));
    assert.equal(JSON.parse(readFileSync(join(all, 'meta.json'), 'utf8')).attentionHeads, undefined);

    // none: no attentions.f32 (the one left by the run above is removed), the same logits.
    const none = cli('dump', '--model', TINY, '--text-file', textFile, '--out', out, '--attentions', 'none');
    assert.equal(none.status, 0, none.stderr);
    assert.equal(existsSync(join(out, 'attentions.f32')), false);
    assert.equal(JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8')).attentionHeads, undefined);
    const a = readF32(join(all, 'logits.f32'));
    const b = readF32(join(out, 'logits.f32'));
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < TOL, `logit ${i}`);
  });

  it('dump --max-memory below every map: the maps rebuilt on demand, head by head, the same numbers', () => {
    const all = join(tmp, 'budget-all');
    assert.equal(cli('dump', '--model', TINY, '--text-file', textFile, '--out', all).status, 0);
    const full = readF32(join(all, 'attentions.f32')); // [L, H, T, T]
    const { T, nHead: H } = JSON.parse(readFileSync(join(all, 'meta.json'), 'utf8'));
    const out = join(tmp, 'budget');
    // 0.01 MiB holds not even the logits: no layer's q/k is kept, each layer runs the forward again
    for (const which of ['all', '1:0,0:1']) {
      const r = cli('dump', '--model', TINY, '--text-file', textFile, '--out', out, '--attentions', which, '--max-memory', '0.01');
      assert.equal(r.status, 0, r.stderr);
      const got = readF32(join(out, 'attentions.f32'));
      const want = which === 'all' ? full : Float32Array.from([...full.subarray((1 * H + 0) * T * T, (1 * H + 1) * T * T), ...full.subarray((0 * H + 1) * T * T, (0 * H + 2) * T * T)]);
      assert.equal(got.length, want.length);
      for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= 1e-6, `${which}: attention ${i}: ${got[i]} vs ${want[i]}`);
    }
    const bad = cli('dump', '--model', TINY, '--text-file', textFile, '--out', out, '--max-memory', 'lots');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /--max-memory must be a positive number of MiB, got "lots"/);
  });

  it('dump --attentions out of range or malformed: one line, exit 1, nothing written', () => {
    const out = join(tmp, 'bad-heads');
    for (const [value, says] of [
      ['2:0', 'no layer 2 (the model has 2 layers, 0 to 1)'],
      ['0:0,1:2', 'no head 2 (the model has 2 heads per layer, 0 to 1)'],
      ['1-1', '"1-1"'],
      ['0:0,', '""'],
      ['-1:0', '"-1:0"'],
      ['', 'empty'],
      ['some', '"some"'],
    ]) {
      const r = cli('dump', '--model', TINY, '--text-file', textFile, '--out', out, `--attentions=${value}`);
      assertOneLineFailure(r, '--attentions');
      assert.ok(r.stderr.includes(says), `${value}: "${r.stderr.trim()}" does not say ${says}`);
    }
    assert.equal(existsSync(out), false);
  });

  it('text longer than the context: exit 2 naming the limit, unless --truncate', () => {
    const out = join(tmp, 'long');
    const r = cli('dump', '--model', TINY, '--text-file', longFile, '--out', out);
    assertOneLineFailure(r, '128', 2);
    assert.ok(r.stderr.includes(longFile));
    const ok = cli('dump', '--model', TINY, '--text-file', longFile, '--out', out, '--truncate');
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8')).T, 128);
    assert.equal(statSync(join(out, 'logits.f32')).size, 128 * 557 * 4);

    const g = cli('generate', '--model', TINY, '--prompt-file', longFile, '--max-new-tokens', '3');
    assertOneLineFailure(g, '128', 2);
    const g2 = cli('generate', '--model', TINY, '--prompt-file', longFile, '--max-new-tokens', '3', '--truncate', '--temperature', '0');
    assert.equal(g2.status, 0, g2.stderr);
    assert.equal(JSON.parse(g2.stdout).ids.length, 3);
  });

  it('generate prints one JSON line; greedy matches the reference, seeded runs repeat', () => {
    const prompt = join(tmp, 'prompt.txt');
    writeFileSync(prompt, reference.tokenization[0].text);
    const n = String(reference.greedy.maxNewTokens);
    const greedy = cli('generate', '--model', TINY, '--prompt-file', prompt, '--max-new-tokens', n, '--temperature', '0');
    assert.equal(greedy.status, 0, greedy.stderr);
    assert.equal(greedy.stdout.split('\n').filter((l) => l).length, 1);
    assert.ok(greedy.stdout.endsWith('\n'));
    const g = JSON.parse(greedy.stdout);
    assert.deepEqual(Object.keys(g), ['ids', 'text']);
    assert.deepEqual(g.ids, reference.greedy.ids);
    assert.equal(g.text, session.tokenizer.decode(g.ids));
    assert.equal(cli('generate', '--model', TINY, '--prompt-file', prompt, '--max-new-tokens', n, '--temperature', '0').stdout, greedy.stdout);

    const args = ['generate', '--model', TINY, '--prompt-file', prompt, '--max-new-tokens', '15', '--seed', '11', '--top-k', '50', '--top-p', '0.95'];
    const s1 = cli(...args);
    const s2 = cli(...args);
    assert.equal(s1.status, 0, s1.stderr);
    assert.equal(s1.stdout, s2.stdout);
    const other = cli(...args.slice(0, -6), '--seed', '12');
    assert.notEqual(JSON.parse(other.stdout).text, JSON.parse(s1.stdout).text);

    const stopped = JSON.parse(cli('generate', '--model', TINY, '--prompt-file', prompt, '--max-new-tokens', n, '--temperature', '0', '--stop', g.text.slice(3, 6)).stdout);
    assert.ok(!stopped.text.includes(g.text.slice(3, 6)));
    assert.ok(stopped.ids.length < g.ids.length);
  });

  it('bad arguments: one line, exit 1', () => {
    const prompt = join(tmp, 'prompt.txt');
    assertOneLineFailure(cli('dump', '--model', TINY, '--text-file', textFile, '--out', tmp, '--bogus'), '--bogus');
    assertOneLineFailure(cli('dump', '--model', TINY, '--text-file', textFile), '--out');
    assertOneLineFailure(cli('generate', '--model', TINY, '--prompt-file', prompt, '--max-new-tokens', 'ten'), '--max-new-tokens');
    assertOneLineFailure(cli('generate', '--model', TINY, '--prompt-file', prompt, '--max-new-tokens', '5', '--temperature', 'hot'), '--temperature');
    assertOneLineFailure(cli('generate', '--model', TINY, '--prompt-file', prompt, '--max-new-tokens', '5', '--top-p', '1.5'), '--top-p');
    assertOneLineFailure(cli('frobnicate'), 'frobnicate');
    const missing = join(tmp, 'missing.txt');
    assertOneLineFailure(cli('dump', '--model', TINY, '--text-file', missing, '--out', tmp), missing);
    const blank = join(tmp, 'blank.txt');
    writeFileSync(blank, ' \n ');
    assertOneLineFailure(cli('dump', '--model', TINY, '--text-file', blank, '--out', tmp), blank);
  });

  /** A copy of tiny-model broken by `breakIt`; `name` is the file the message must name. */
  const badModels: [string, string, (dir: string) => void][] = [
    ['malformed config.json', 'config.json', (d) => writeFileSync(join(d, 'config.json'), '{"vocab_size": 557,')],
    ['config.json that is not GPT-2', 'config.json', (d) => {
      const c = JSON.parse(readFileSync(join(d, 'config.json'), 'utf8'));
      writeFileSync(join(d, 'config.json'), JSON.stringify({ ...c, model_type: 'llama' }));
    }],
    ['overlapping tensor offsets', 'model.safetensors', (d) => editHeader(join(d, 'model.safetensors'), (h) => {
      const [a, b] = byOffset(h);
      const len = h[b].data_offsets[1] - h[b].data_offsets[0];
      h[b].data_offsets = [h[a].data_offsets[0], h[a].data_offsets[0] + len];
    })],
    ['offsets past the end of the file', 'model.safetensors', (d) => editHeader(join(d, 'model.safetensors'), (h) => {
      const last = byOffset(h).at(-1)!;
      h[last].data_offsets = [h[last].data_offsets[0] + 4096, h[last].data_offsets[1] + 4096];
    })],
    ['unknown dtype', 'model.safetensors', (d) => editHeader(join(d, 'model.safetensors'), (h) => {
      h[byOffset(h)[0]].dtype = 'Q7';
    })],
    ['a weight of the wrong shape', 'model.safetensors', (d) => {
      const { weights } = loadCheckpoint(TINY);
      const tensors = [...weights].map(([name, w]): [string, { shape: number[]; data: Float32Array }] => [
        name,
        name === 'h.0.attn.c_attn.weight' ? { shape: [w.shape[1], w.shape[0]], data: w.data } : w,
      ]);
      writeSafetensors(join(d, 'model.safetensors'), tensors, { dtype: 'F32' });
    }],
    ['vocab_size that disagrees with the embedding', 'model.safetensors', (d) => {
      const c = JSON.parse(readFileSync(join(d, 'config.json'), 'utf8'));
      writeFileSync(join(d, 'config.json'), JSON.stringify({ ...c, vocab_size: 600 }));
    }],
    ['a vocabulary larger than the embedding', 'vocab.json', (d) => {
      unlinkSync(join(d, 'tokenizer.json'));
      const v = JSON.parse(readFileSync(join(d, 'vocab.json'), 'utf8'));
      for (let i = 0; i < 10; i++) v[`extra${i}`] = 557 + i;
      writeFileSync(join(d, 'vocab.json'), JSON.stringify(v));
    }],
    ['a missing model.safetensors', 'model.safetensors', (d) => unlinkSync(join(d, 'model.safetensors'))],
    ['a missing merges.txt', 'merges.txt', (d) => {
      unlinkSync(join(d, 'tokenizer.json'));
      unlinkSync(join(d, 'merges.txt'));
    }],
    ['a truncated model.safetensors', 'model.safetensors', (d) => {
      const b = readFileSync(join(d, 'model.safetensors'));
      writeFileSync(join(d, 'model.safetensors'), b.subarray(0, b.length - 100));
    }],
  ];

  for (const [what, name, breakIt] of badModels) {
    it(`a model folder with ${what}: exit 1, one line naming ${name}`, () => {
      const dir = join(tmp, `bad-${what.replace(/\W+/g, '-')}`);
      cpSync(TINY, dir, { recursive: true });
      breakIt(dir);
      for (const args of [
        ['dump', '--model', dir, '--text-file', textFile, '--out', join(tmp, 'never')],
        ['generate', '--model', dir, '--prompt-file', textFile, '--max-new-tokens', '2'],
      ]) {
        const r = cli(...args);
        assertOneLineFailure(r, name);
        assert.ok(r.stderr.includes(dir), `"${r.stderr.trim()}" does not give the path`);
      }
      assert.equal(existsSync(join(tmp, 'never')), false);
    });
  }

  it('info prints the model description', () => {
    const r = cli('info', '--model', TINY);
    assert.equal(r.status, 0, r.stderr);
    const info = JSON.parse(r.stdout);
    assert.equal(info.name, 'attention-lens-tiny');
    assert.equal(info.contextLength, 128);
    assert.equal(info.numParams, session.info.numParams);
    assert.deepEqual([info.family, info.nLayer, info.nHead, info.nKvHead, info.headDim], ['gpt2', 2, 2, 2, 16]);
    assert.equal(info.chatTemplate, undefined, 'the tiny model has no chat template');
  });
});
