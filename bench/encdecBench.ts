// Encoder–decoder speed (issue 17): a Marian-shaped (6 + 6 layers, 512 wide, 65,001 tokens) and a
// t5-small-shaped random checkpoint (test/fixtures/gen_encdec.py --bench), encode a 32-token
// source then greedy-decode N tokens (64 by default; EOS does not stop it, so every run makes N),
// on our engine (one thread: src/engine/encdec is single-threaded for now) and on PyTorch float32
// in the same run (bench/torch_encdec.py, 1 thread and the machine's default), each the median of a
// few runs. The first generated ids are compared too (the same model should pick the same tokens).
// Not a test: it measures. Needs /usr/bin/python3 with numpy and torch.
//
//   npm run bench:encdec -- [--tokens 64] [--runs 3] [--dir DIR (keep the checkpoints there)]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { EncDecModel } from '../src/engine/encdec/encdecModel';
import { loadEncDec } from '../src/engine/encdec/loadEncDec';

const ROOT = join(__dirname, '..');
const PY = '/usr/bin/python3';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Greedy decoding of n tokens (EOS not stopping), as the torch side runs it. */
function run(model: EncDecModel, ids: number[], n: number): { encodeMs: number; decodeMs: number; ids: number[] } {
  const t0 = performance.now();
  const enc = model.encode(ids);
  const cache = model.startDecoder(enc);
  const t1 = performance.now();
  const out: number[] = [];
  let tok = model.config.decoderStartTokenId;
  for (let i = 0; i < n; i++) {
    const logits = model.decode([tok], cache, true).logits; // [V]
    for (const b of model.config.banned) logits[b] = -Infinity;
    let best = 0;
    for (let v = 1; v < logits.length; v++) if (logits[v] > logits[best]) best = v;
    out.push((tok = best));
  }
  return { encodeMs: t1 - t0, decodeMs: performance.now() - t1, ids: out };
}

function torchRun(dir: string, ids: number[], n: number, threads: number): { encodeMs: number; decodeMs: number; ids: number[] } {
  const out = execFileSync(PY, [join(ROOT, 'bench', 'torch_encdec.py'), dir, JSON.stringify(ids), String(n), String(threads)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  return JSON.parse(out.trim().split('\n').pop()!);
}

function main(): void {
  const { values } = parseArgs({ options: { tokens: { type: 'string' }, runs: { type: 'string' }, dir: { type: 'string' } } });
  const n = Number(values.tokens ?? 64);
  const runs = Number(values.runs ?? 3);
  const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'al-encdec-bench-'));
  try {
    if (!existsSync(join(dir, 'bench-marian', 'model.safetensors')) || !existsSync(join(dir, 'bench-t5-small', 'model.safetensors'))) {
      execFileSync(PY, [join(ROOT, 'test', 'fixtures', 'gen_encdec.py'), '--bench', '--out', dir], { stdio: 'inherit' });
    }
    const source = Array.from({ length: 31 }, (_, i) => 100 + 37 * i).concat([0]); // 32 ids; the last is replaced by EOS below
    console.log(`load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}, ${cpus().length} cores; ${n} new tokens, median of ${runs}`);
    for (const name of ['bench-marian', 'bench-t5-small']) {
      const folder = join(dir, name);
      const t0 = performance.now();
      const model = loadEncDec(folder);
      const loadMs = performance.now() - t0;
      const ids = [...source.slice(0, -1), model.config.eosTokenId];
      const ours = Array.from({ length: runs }, () => run(model, ids, n));
      model.dispose();
      const rows: [string, { encodeMs: number; decodeMs: number; ids: number[] }[]][] = [['attention-lens (1 thread)', ours]];
      for (const threads of [1, cpus().length]) rows.push([`pytorch f32 (${threads} thread${threads > 1 ? 's' : ''})`, Array.from({ length: runs }, () => torchRun(folder, ids, n, threads))]);
      console.log(`\n${name}: ${(model.numParams / 1e6).toFixed(1)}M parameters, loaded in ${loadMs.toFixed(0)} ms`);
      for (const [label, rs] of rows) {
        const enc = median(rs.map((r) => r.encodeMs));
        const dec = median(rs.map((r) => r.decodeMs));
        const same = rs[0].ids.every((id, i) => id === ours[0].ids[i]) ? 'same ids' : `ids differ from ours at ${rs[0].ids.findIndex((id, i) => id !== ours[0].ids[i])}`;
        console.log(`  ${label.padEnd(28)} encode ${enc.toFixed(1).padStart(7)} ms   ${n} tokens ${dec.toFixed(0).padStart(6)} ms   ${((n * 1000) / dec).toFixed(1).padStart(6)} tokens/s   total ${(enc + dec).toFixed(0)} ms   ${same}`);
      }
    }
  } finally {
    if (!values.dir) rmSync(dir, { recursive: true, force: true });
  }
}

main();
